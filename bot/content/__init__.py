"""Question decks: the schema, loading from YAML files, validation and CSV import."""
