"""Threaded discussions inside a community."""
