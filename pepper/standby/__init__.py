"""Serving phones and carriers while PostgreSQL is unavailable (production only).

A stopped, hung or unreachable PostgreSQL must not turn into 5xx answers on the routes
phones and Twilio use. With Redis configured:

- ``devices``: who holds a token is remembered in Redis after each successful check, and
  recalled only when the database cannot answer (erasure forgets it);
- ``lists``: a copy of each device's personal lists, written by a live read that finds
  none and dropped by every change, pages ``GET /v1/lists`` and shapes ``GET
  /v1/blocklist`` (answered from this process's cache) during an outage, marked with
  ``Pepper-Degraded: true``;
- ``outbox``: writes (reports and their withdrawal, personal-list edits, device
  settings, carrier status callbacks) are queued in a Redis stream and answered
  ``202 Accepted`` (a status callback: 200, as Twilio expects);
- ``replay``: every app process applies the queued writes once the database is back,
  through the same services and idempotency as the live routes, so a write queued
  twice, or queued and retried live, is stored once.

The embedded default (SQLite, no Redis) has none of this: its database is a local file.
"""
