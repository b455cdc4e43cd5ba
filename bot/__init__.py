"""Anju's runtime: configuration, wiring, channels, the outbox sender and the scheduler."""
