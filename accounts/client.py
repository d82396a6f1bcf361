"""Who is on the other end of a request: the client's address through the trusted proxies, and
its browser in short. Every throttle (sign-in, password reset, sign-in links...) and axes'
lock-out key on the same client key (client_key): the address, or an IPv6 address's /64."""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

USER_AGENT_SHORT = 120
IPV6_CLIENT_PREFIX = 64  # one subscriber's network: its addresses are theirs to pick from


def client_address(request: HttpRequest) -> str:
    """The client's IP address, given CONSERVA_TRUSTED_PROXY_COUNT proxies in front of Conserva.

    Each trusted proxy appends to X-Forwarded-For the address it was reached from, so with N of
    them the client's address is the N-th entry from the right; whatever stands left of it was
    written by the client and is ignored (a client cannot choose its address by sending the header
    itself). The header is read only from a connection that can be the nearest proxy: when
    CONSERVA_TRUSTED_PROXIES lists addresses or networks, REMOTE_ADDR must be among them; when it
    is empty, every connection is taken for the proxy's, so the application's port must be
    reachable only through the proxy. With no trusted proxy, a connection not from one, or a header
    shorter than the chain or not an address, the connection's own address counts."""
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0 or not _from_trusted_proxy(remote):
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < proxies:
        return remote
    return _valid(forwarded[-proxies]) or remote


def client_key(request: HttpRequest) -> str:
    """What the lock-out and the throttles count a client by (AXES_CLIENT_IP_CALLABLE too): an IPv4
    address as it is, an IPv6 one by its /64, written as that network's first address (a valid
    address, which axes' columns accept), since one subscriber gets a whole /64 and could take a
    fresh address for every guess."""
    return address_key(client_address(request))


def address_key(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # "::ffff:203.0.113.5" is an IPv4 client
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_CLIENT_PREFIX), strict=False).network_address)
    return str(ip)


def user_agent_short(request: HttpRequest) -> str:
    """The browser's self-description, cut to what a person reads in a list of sign-ins."""
    return " ".join(request.META.get("HTTP_USER_AGENT", "").split())[:USER_AGENT_SHORT]


def _from_trusted_proxy(remote: str) -> bool:
    networks = _trusted_proxies(settings.TRUSTED_PROXIES)
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(remote)
    except ValueError:
        return False
    return any(ip in network for network in networks)


@lru_cache(maxsize=8)
def _trusted_proxies(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """CONSERVA_TRUSTED_PROXIES: comma-separated addresses or CIDR networks (conserva/settings.py
    refuses a wrong one at start-up)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip())


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
