"""Adapters of the BPJS gateway: the ports to the outside world."""
