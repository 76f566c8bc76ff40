"""Media: fetch remote files into a cache (URL policy, limits, retries) and probe them with PyAV."""
