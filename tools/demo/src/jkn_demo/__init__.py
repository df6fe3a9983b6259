"""The local stack supervisor, the `make run` demo and `make bench`."""
