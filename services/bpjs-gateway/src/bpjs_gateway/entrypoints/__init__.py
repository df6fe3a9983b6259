"""Entry points of the BPJS gateway."""
