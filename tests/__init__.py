"""Test support and whole-system tests: what spans apps, or runs the app as a user would.

``support/`` holds the helpers every suite and tool shares (the model factories,
credentials, the WebSocket test bases, starting and watching processes, the live tests'
environment); ``live/`` and ``e2e/`` are the tests that start real servers. Each app's own
tests stay in its ``tests/`` package.
"""
