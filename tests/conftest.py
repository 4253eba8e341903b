"""Shared pytest fixtures."""

# The public book, built once per session and shared by the book and browser tests.
from _booksite import built_book  # noqa: F401
