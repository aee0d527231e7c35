"""Spam and not-spam reports from devices."""
