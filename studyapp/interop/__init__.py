"""Interop: Anki packages in and out, CSV/TSV import, full JSON backup and restore.

Every importer reads and validates its whole input first, then writes in one unit of
work, so a bad file changes nothing. Nothing here imports UI or torch code.
"""
