"""The common incident model and what is computed from it, free of storage, network and UI."""
