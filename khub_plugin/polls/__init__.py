"""Polls that facilitators run inside a community."""
