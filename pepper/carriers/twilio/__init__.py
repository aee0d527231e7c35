"""Twilio Programmable Voice: signed webhooks answered with TwiML."""
