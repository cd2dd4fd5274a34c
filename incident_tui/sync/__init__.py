"""Background sync: pulling remotes into the cache and pushing the queue of local changes."""
