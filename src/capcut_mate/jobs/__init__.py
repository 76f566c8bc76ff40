"""Render jobs: durable task records in SQLite, the worker loop that claims and renders them, callbacks."""
