"""Shared pages with revision history inside a community."""
