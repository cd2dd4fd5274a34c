"""Screens of the TUI; each module is imported only when its screen is first opened."""
