"""Content: plain-text decks and exercise folders, validated and loaded. No storage here
except in `sync`, which writes a loaded bundle into the database."""
