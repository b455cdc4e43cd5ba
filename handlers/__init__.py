"""Conversation flows: plain async functions over channel-neutral messages.

Nothing in this package may import telegram or aiohttp (tests/test_layering.py checks it).
"""
