"""Diagnostics: error reporting to Sentry, field issues from devices, logs and metrics."""
