"""Stage 3: plan + prepared inputs -> one ffmpeg filter graph (video layers, motion, colour, the audio mix)."""
