"""Who is on the other end of a request: the client's address through the trusted proxies, and
its browser in short. Every throttle (sign-in, password reset...) keys on the same address."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

USER_AGENT_SHORT = 120


def client_address(request: HttpRequest) -> str:
    """The client's IP address, given CONSERVA_TRUSTED_PROXY_COUNT proxies in front of Conserva.

    Each trusted proxy appends to X-Forwarded-For the address it was reached from, so with N of
    them the client's address is the N-th entry from the right; whatever stands left of it was
    written by the client and is ignored (a client cannot choose its address by sending the header
    itself). With no trusted proxy, or a header shorter than the chain or not an address (the
    request did not come through the proxies), the connection's own address counts."""
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < proxies:
        return remote
    return _valid(forwarded[-proxies]) or remote


def user_agent_short(request: HttpRequest) -> str:
    """The browser's self-description, cut to what a person reads in a list of sign-ins."""
    return " ".join(request.META.get("HTTP_USER_AGENT", "").split())[:USER_AGENT_SHORT]


def _valid(value: str) -> str:
    """The address in its canonical form, "" when `value` is none; a port some proxies add
    ("203.0.113.5:4711", "[2001:db8::1]:4711") is dropped."""
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return ""
