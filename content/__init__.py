"""Question decks shipped with studybot: data only (one folder per deck), see README.md here."""
