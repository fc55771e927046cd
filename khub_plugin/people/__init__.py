"""Profiles with expertise and interests, the people finder, contacts and messages."""
