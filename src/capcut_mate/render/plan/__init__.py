"""Stage 1: the draft document -> a timeline plan (pure data, no files, no ffmpeg)."""
