"""Benchmarks of the app against plain Channels (run from the project root)."""
