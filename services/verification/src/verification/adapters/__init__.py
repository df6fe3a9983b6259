"""Adapters: SQL repository and registries, reference-data loading, metrics, fakes."""
