"""One module per screen; each is imported when first shown (the dashboard at start)."""
