"""incident-tui: a terminal console for on-call responders over a local incident cache."""
