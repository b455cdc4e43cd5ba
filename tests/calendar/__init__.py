"""Tests for bot.calendar (needs tests/__init__.py so this is tests.calendar, not a top-level "calendar" shadowing the stdlib)."""
