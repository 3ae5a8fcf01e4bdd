"""Scheduling: FSRS state transitions, daily queues, undo, leeches, parameter fitting.
Imports no UI code."""
