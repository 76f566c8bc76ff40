"""Render benchmark: `python -m benchmarks.render_bench` (see render_bench.py)."""
