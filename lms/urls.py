"""Absolute links for mail, PDFs and QR codes: BASE_URL plus the route, with or without a request.

BASE_URL is baked into things that outlive a request (the QR code and printed address of a stored PDF, a
signed credential, e-mailed links), so a wrong one is costly: requests for another host are logged, and
in production issuing is refused while it points at this machine."""

from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_babel import gettext as _

log = logging.getLogger(__name__)
_MAX_HOSTS_REPORTED = 20  # a flood of forged Host headers must not grow memory or the log without bound


def external_url(endpoint: str, **values) -> str:
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path


def base_host(base_url: str) -> str:
    """The host[:port] part of a base URL, lower case."""
    return urlsplit(base_url).netloc.lower()


def is_local_address(base_url: str) -> bool:
    """True when the URL names this machine (localhost, a loopback or unspecified address): nobody else can
    reach it, so a certificate carrying it cannot be verified by scanning its QR code."""
    host = (urlsplit(base_url).hostname or "").lower()
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def base_url_problem(config) -> str | None:
    """Why certificates must not be issued with this configuration, or None.

    Only in production (SECRET_KEY set in the environment): the demo on a laptop keeps working on
    127.0.0.1."""
    if not config.get("PRODUCTION") or config.get("ALLOW_LOCAL_BASE_URL"):
        return None
    if is_local_address(config["BASE_URL"]):
        return _("Certificates cannot be issued while BASE_URL is %(url)s: their QR codes and links would point "
                 "to this machine. Set BASE_URL to the public address of the site (e.g. "
                 "https://lms.example.org) and restart.", url=config["BASE_URL"])
    return None


def init_app(app: Flask) -> None:
    expected = base_host(app.config["BASE_URL"])
    reported: set[str] = set()

    @app.before_request
    def warn_about_other_hosts():
        host = request.host.lower()
        if host == expected or host in reported or len(reported) >= _MAX_HOSTS_REPORTED:
            return
        reported.add(host)
        log.warning("Requests arrive for %s but BASE_URL is %s: links, QR codes and credentials issued now "
                    "will point to BASE_URL. Set BASE_URL to the address people use.",
                    host[:100], app.config["BASE_URL"])

    @app.context_processor
    def address_notice():
        return {"base_url_notice": lambda: base_url_notice(app.config)}


def base_url_notice(config) -> str | None:
    """What a coordinator must know before issuing: BASE_URL refused, or not the address in use."""
    problem = base_url_problem(config)
    if problem:
        return problem
    if request.host.lower() != base_host(config["BASE_URL"]):
        return _("This site is open at %(here)s, but certificates, QR codes and e-mailed links carry BASE_URL "
                 "%(url)s. If people should use this address, set BASE_URL to it before issuing certificates.",
                 here=request.host_url.rstrip("/"), url=config["BASE_URL"])
    return None
