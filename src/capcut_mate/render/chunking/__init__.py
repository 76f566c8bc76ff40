"""Long timelines as chunks: where the cuts fall, and each chunk (and the audio) as its own ffmpeg run."""
