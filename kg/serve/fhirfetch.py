"""Fetching a CDS Hooks call's missing prefetch from the EHR's FHIR server: only when ``kg serve``
was started with ``--fhir-server URL``, and only from the servers so named.

A CDS Hooks call names its EHR's ``fhirServer`` and may carry ``fhirAuthorization`` (an OAuth 2.0
bearer token). A service that fetches from any URL a caller names is a way into the network of
whatever runs it (server-side request forgery), so by default the services fetch nothing (a call
without its prefetch gets 412) and, when fetching is allowed, a ``fhirServer`` that is not one of
the configured base URLs gets 412 without a connection. A fetch:

- fills each prefetch template of :data:`kg.serve.cds.PREFETCH` the call lacks, with
  ``context.patientId`` checked as a FHIR id (``[A-Za-z0-9.-]{1,64}``) before it goes into a URL;
- sends ``Accept: application/fhir+json`` and, when the call has one, ``Authorization: Bearer``
  with its token; never follows a redirect; follows a searchset's ``next`` links only below the
  same base, at most :data:`MAX_PAGES` pages;
- reads at most :data:`MAX_BYTES` of JSON per answer within :data:`TIMEOUT` seconds; anything else
  is a one-line :class:`~kg.serve.cds.CdsError` (502 for a bad answer, 504 for a slow one).
"""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from kg.errors import UsageError

#: Seconds one request to the FHIR server may take, and bytes its answer may have.
TIMEOUT = 5.0
MAX_BYTES = 5 * 2**20
#: Pages of one search followed at most (its ``next`` links).
MAX_PAGES = 5
_FHIR_ID = re.compile(r"[A-Za-z0-9.\-]{1,64}")


def _fail(status: int, message: str):
    from kg.serve.cds import CdsError

    return CdsError(status, message)


def check_base(url: str) -> str:
    """A FHIR server base URL for ``--fhir-server``, without its trailing slash.

    :raises UsageError: for anything but an http(s) URL with a host and no query or fragment.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or parts.username or parts.password:
        raise UsageError(f"--fhir-server must be an http(s) base URL such as https://ehr.example.org/fhir, "
                         f"not {url[:80]!r}")
    return url.rstrip("/")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise _fail(502, f"the FHIR server answered with a redirect ({code}); redirects are not followed")


class Fetcher:
    """Fetches prefetch data from the FHIR servers it was given, and from no other."""

    def __init__(self, bases: Iterable[str], *, timeout: float = TIMEOUT):
        self.bases = tuple(check_base(b) for b in bases)
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect(), urllib.request.ProxyHandler({}))

    def allowed(self, server: Any) -> str | None:
        """The configured base ``server`` names, or None."""
        if not isinstance(server, str):
            return None
        server = server.rstrip("/")
        return server if server in self.bases else None

    def prefetch(self, body: dict, templates: dict[str, str], missing: Iterable[str]) -> dict[str, Any]:
        """The resources of the ``missing`` prefetch keys, fetched from the call's ``fhirServer``.

        :raises CdsError: 412 when the server is not one of the configured ones or the call lacks
            what a template needs; 502 or 504 when the server answers badly or slowly.
        """
        server = body.get("fhirServer")
        base = self.allowed(server)
        if base is None:
            raise _fail(412, f"fhirServer {str(server)[:80]!r} is not a server this service was started to "
                             "fetch from (kg serve --fhir-server)")
        context = body.get("context") if isinstance(body.get("context"), dict) else {}
        patient = context.get("patientId")
        if not isinstance(patient, str) or not _FHIR_ID.fullmatch(patient):
            raise _fail(412, "prefetch is missing and context.patientId is not a FHIR id, so it cannot be fetched")
        headers = {"Accept": "application/fhir+json"}
        auth = body.get("fhirAuthorization")
        if auth is not None:
            if not isinstance(auth, dict) or auth.get("token_type", "Bearer") != "Bearer" \
                    or not isinstance(auth.get("access_token"), str) or not auth["access_token"].strip() \
                    or any(c in auth["access_token"] for c in "\r\n"):
                raise _fail(400, "fhirAuthorization must carry a Bearer access_token")
            headers["Authorization"] = f"Bearer {auth['access_token'].strip()}"
        out: dict[str, Any] = {}
        for key in missing:
            path = templates[key].replace("{{context.patientId}}", patient)
            out[key] = self._search(base, f"{base}/{path}", headers)
        return out

    def _search(self, base: str, url: str, headers: dict) -> Any:
        first = self._get(url, headers)
        if not (isinstance(first, dict) and first.get("resourceType") == "Bundle"):
            return first
        entries = list(first.get("entry") or [])
        page = first
        for _ in range(MAX_PAGES - 1):
            nxt = [link.get("url") for link in page.get("link") or [] if isinstance(link, dict)
                   and link.get("relation") == "next"]
            if not nxt or not isinstance(nxt[0], str):
                break
            if not nxt[0].startswith(base + "/") and not nxt[0].startswith(base + "?"):
                raise _fail(502, "the FHIR server's next page is on another server; it is not fetched")
            page = self._get(nxt[0], headers)
            if not (isinstance(page, dict) and page.get("resourceType") == "Bundle"):
                raise _fail(502, "a next page from the FHIR server is not a Bundle")
            entries += list(page.get("entry") or [])
        return {**first, "entry": entries, "link": []}

    def _get(self, url: str, headers: dict) -> Any:
        shown = url.split("?")[0][:100]
        request = urllib.request.Request(url, headers=headers, method="GET")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                data = response.read(MAX_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise _fail(502, f"the FHIR server answered HTTP {exc.code} for {shown}") from None
        except (TimeoutError, socket.timeout):
            raise _fail(504, f"the FHIR server did not answer {shown} within {self.timeout:g} s") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise _fail(504, f"the FHIR server did not answer {shown} within {self.timeout:g} s") from None
            raise _fail(502, f"cannot reach the FHIR server for {shown}: {str(reason)[:100]}") from None
        if len(data) > MAX_BYTES:
            raise _fail(502, f"the FHIR server's answer for {shown} is larger than {MAX_BYTES // 2**20} MiB")
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _fail(502, f"the FHIR server's answer for {shown} is not JSON") from None
