"""The local SQLite cache: schema, migrations, reads, writes and the queue of local changes."""
