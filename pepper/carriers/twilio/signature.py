"""Checking ``X-Twilio-Signature`` with the twilio SDK's own RequestValidator.

Twilio signs the URL it requested plus the POST parameters. Behind a TLS-terminating
load balancer the URL Flask sees is not that URL: it is rebuilt from the configured
public base URL, or from ``X-Forwarded-*`` as trusted by ProxyFix for exactly the
configured number of hops (``PEPPER_PROXY_HOPS``) — never from headers anyone can send.
During a token rotation both the current and the previous token are accepted.
"""

from __future__ import annotations

from collections.abc import Sequence

from twilio.request_validator import RequestValidator
from werkzeug.wrappers import Request


def signed_url(request: Request, public_base_url: str | None) -> str:
    """The URL Twilio requested, as it signed it."""
    if public_base_url:
        query = request.query_string.decode()
        return public_base_url + request.path + (f"?{query}" if query else "")
    # request.url is built from ProxyFix-corrected scheme, host and port.
    return request.url


def is_signed(request: Request, tokens: Sequence[str], public_base_url: str | None) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not tokens:
        return False
    url = signed_url(request, public_base_url)
    params = request.form
    return any(RequestValidator(token).validate(url, params, signature) for token in tokens)
