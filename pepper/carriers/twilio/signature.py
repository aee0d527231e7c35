"""Checking ``X-Twilio-Signature`` with the twilio SDK's own RequestValidator.

Twilio signs the URL it requested plus the POST parameters. Behind a TLS-terminating
load balancer the URL Flask sees is not that URL: it is rebuilt from the configured
public base URL, or from ``X-Forwarded-*`` as trusted by ProxyFix for exactly the
configured number of hops (``PEPPER_PROXY_HOPS``) — never from headers anyone can send.
During a token rotation both the current and the previous token are accepted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from urllib.parse import urlparse

from twilio.request_validator import RequestValidator, add_port, compare, remove_port
from werkzeug.datastructures import MultiDict
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
    params = _Params(request.form)
    forms = _url_forms(signed_url(request, public_base_url))
    return any(
        compare(_validator(token).compute_signature(url, params), signature)
        for token in tokens
        for url in forms
    )


# What follows is RequestValidator.validate, with its per-request parts done once: it
# parses the URL and signs the parameters twice on every call, with and without the
# port, since Twilio signs either. The URL forms come from the SDK's own add_port and
# remove_port, each signature from its compute_signature and the comparison from its
# compare; only the order changes (the form without a port first, the one Twilio
# usually signs), and a match ends the search. validate was a fifth of the route's time
# under cProfile (in-process, 6,000 calls).
# (validate's bodySHA256 branch concerns JSON bodies: voice webhooks are forms.)


@lru_cache(maxsize=64)  # the few public URLs of the routes; bounded against odd Hosts
def _url_forms(url: str) -> tuple[str, ...]:
    parsed = urlparse(url)
    without_port, with_port = remove_port(parsed), add_port(parsed)
    return (without_port,) if without_port == with_port else (without_port, with_port)


@lru_cache(maxsize=8)
def _validator(token: str) -> RequestValidator:
    return RequestValidator(token)


class _Params:
    """The form as the SDK reads it. It asks each parameter's values of ``getall``
    first, which werkzeug's MultiDict lacks: an AttributeError raised and caught per
    parameter, per signature computed."""

    __slots__ = ("_form", "getall")

    def __init__(self, form: MultiDict[str, str]) -> None:
        self._form = form
        self.getall = form.getlist

    def __iter__(self) -> Iterator[str]:
        return iter(self._form)

    def __len__(self) -> int:
        return len(self._form)
