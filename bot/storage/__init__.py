"""Persistence: SQLModel tables, the engine with its SQLite settings, transactions and migrations."""
