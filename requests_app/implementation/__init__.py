"""The implementation phase: roles table, desktop/extraction/contract tasks, finalisation, active project."""
