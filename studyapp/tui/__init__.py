"""The Textual app. Only this package imports textual; it composes the core layers."""
