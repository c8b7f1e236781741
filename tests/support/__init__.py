"""Helpers for tests, benchmarks and CI scripts; nothing here is imported by the app."""
