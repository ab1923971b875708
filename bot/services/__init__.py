"""Use cases over the database: each function works inside a transaction it is given."""
