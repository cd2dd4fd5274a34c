"""Widgets of the TUI: dumb views that take data and post intents as messages."""
