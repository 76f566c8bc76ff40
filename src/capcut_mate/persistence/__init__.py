"""Everything the service keeps in a database, written once over one connector interface.

A `Connector` (connector.py) is a database: SQLite in a file (embedded default, sqlite.py), PostgreSQL
through a psycopg pool (cluster mode, postgres.py), or SQLite in memory (fast tests, sqlite.py). The
stores (tasks.py, outbox.py, drafts.py, chunks.py) run named queries (sql/) through it and never know
which one it is; migrate.py creates or upgrades the tables. services.py picks the connector.
"""
