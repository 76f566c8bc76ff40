"""Text materials -> RGBA images: font lookup, shaping and drawing with Pillow, colour emoji."""
