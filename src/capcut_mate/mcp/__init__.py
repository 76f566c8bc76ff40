"""MCP face of the REST API: the same operations as tools, over stdio (`capcut-mate mcp`) and HTTP (`/mcp`)."""
