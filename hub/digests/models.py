"""Digest tables."""
