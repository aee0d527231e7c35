"""Background jobs: RQ on Redis in production, a thread in the embedded default."""
