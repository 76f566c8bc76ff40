"""HTTP layer only: routes, request/response schemas and the error envelope. Thin by design."""
