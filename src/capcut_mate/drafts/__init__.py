"""Drafts: ids and URLs, the draft_content.json document, its store, and the editing operations."""
