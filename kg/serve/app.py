"""The clinician-facing HTTP interface as an ASGI application (Starlette): the patient check as JSON,
type-ahead over every name, and the CDS Hooks services of :mod:`kg.serve.cds`.

Routes:

- ``GET /``: the checker page (``kg/data/checker.html``: no CDN, no remote font, its script written
  here; a Content-Security-Policy keeps every request on this server). Its state is in the URL
  (the same parameters as ``/api/check``), so a check can be shared or linked from a CDS card;
- ``GET /api/check?drug=...&supplement=...&age=...&weight-kg=...&pregnant=1&breast-feeding=1&condition=...``
  and ``POST /api/check`` with the same keys as JSON: what ``kg check --format json`` prints;
- ``GET /api/names?prefix=dil[&type=Drug]``: up to 20 names that start with the prefix;
- ``GET /cds-services`` (discovery), ``POST /cds-services/{id}`` (a hook call: cards),
  ``POST /cds-services/{id}/feedback`` (accepted, 200).

Bad input gets a one-line plain-text reason: malformed JSON or a payload that is not the expected
FHIR/CDS Hooks shape 400, an unknown service or path 404, a body that is not ``application/json``
415, a body over :data:`MAX_BODY_BYTES` 413, a call whose prefetch lacks the medication list 412.
Names are only ever looked up, never put into query text: a hostile name is a name that matches
nothing. Nothing here reaches the network.
"""

from __future__ import annotations

import contextlib
import json
import threading
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from kg import resources
from kg.errors import KGError, UsageError
from kg.serve import cds
from kg.sparql.engine import Engine

#: The largest request body read (a CDS Hooks call with a long medication list is well under it).
MAX_BODY_BYTES = 1_000_000
#: Names a type-ahead answer lists at most.
MAX_NAMES = 20
_CHECK_KEYS = {"drug", "supplement", "age", "weight-kg", "pregnant", "breast-feeding", "condition"}
_LIST_KEYS = {"drug", "supplement", "condition"}
#: The page may talk to this server only: no other origin for scripts, styles, images or requests.
PAGE_POLICY = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
               "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
_FLAGS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _refusal(status: int, message: str) -> Response:
    line = " ".join(str(message).split())[:300]
    return PlainTextResponse(line + "\n", status_code=status)


async def _json_body(request: Request) -> Any:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/json", "application/fhir+json"):
        raise _Refused(415, f"the body must be application/json, not {kind or 'unstated'}")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise _Refused(413 if declared.isdigit() else 400,
                       f"the body is larger than {MAX_BODY_BYTES:,} bytes" if declared.isdigit()
                       else "Content-Length is not a number")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY_BYTES:
            raise _Refused(413, f"the body is larger than {MAX_BODY_BYTES:,} bytes")
    try:
        return json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _Refused(400, f"the body is not JSON: {exc}") from None


def check_params(pairs: list[tuple[str, str]] | dict) -> dict:
    """The keyword arguments of :func:`kg.answers.check.check` from query pairs or a JSON object.

    :raises UsageError: for an unknown key or a value of the wrong kind.
    """
    out: dict[str, Any] = {"drugs": [], "supplements": [], "conditions": []}
    if isinstance(pairs, dict):
        items = []
        for key, value in pairs.items():
            values = value if isinstance(value, list) and key in _LIST_KEYS else [value]
            items += [(key, v) for v in values]
    else:
        items = pairs
    for key, value in items:
        if key not in _CHECK_KEYS:
            raise UsageError(f"unknown parameter {str(key)[:40]!r}; known: {', '.join(sorted(_CHECK_KEYS))}")
        if key in _LIST_KEYS:
            if not isinstance(value, str):
                raise UsageError(f"{key} must be text")
            out[{"drug": "drugs", "supplement": "supplements", "condition": "conditions"}[key]].append(value)
        elif key in ("pregnant", "breast-feeding"):
            flag = value if isinstance(value, bool) else _FLAGS.get(str(value).strip().lower())
            if flag is None:
                raise UsageError(f"{key} must be 1 or 0 (true or false), not {str(value)[:20]!r}")
            out[key.replace("-", "_")] = flag
        else:
            out["age" if key == "age" else "weight_kg"] = value
    return out


def create_app(engine: Engine, *, page_url: str = "/", timeout: float = 10.0,
               fhir_servers: tuple[str, ...] = ()) -> Starlette:
    """The application answering from ``engine`` (every answer is computed in this process).
    ``fhir_servers``: the FHIR base URLs the CDS services may fetch missing prefetch from (none:
    offline)."""
    from kg.answers import clinical
    from kg.answers.check import check

    # rdflib's SPARQL parser (pyparsing) is not safe to run from two threads at once: one call into
    # an rdflib engine at a time. Oxigraph answers from several threads (and releases the
    # interpreter lock while it evaluates), so its calls run side by side.
    lock = threading.Lock() if getattr(engine, "name", "") == "rdflib" else contextlib.nullcontext()

    async def answer(work):
        def locked():
            with lock:
                return work()
        return await run_in_threadpool(locked)

    page_text = (resources.data_dir() / "checker.html").read_text(encoding="utf-8")
    fetcher = None
    if fhir_servers:
        from kg.serve.fhirfetch import Fetcher

        fetcher = Fetcher(fhir_servers)

    async def page(request: Request) -> Response:
        return HTMLResponse(page_text, headers={"Content-Security-Policy": PAGE_POLICY,
                                                "X-Content-Type-Options": "nosniff"})

    async def api_check(request: Request) -> Response:
        if request.method == "POST":
            body = await _json_body(request)
            if not isinstance(body, dict):
                raise _Refused(400, "the body must be a JSON object")
            params = check_params(body)
        else:
            params = check_params(list(request.query_params.multi_items()))
        report = await answer(lambda: check(**params, engine=engine, timeout=timeout))
        return JSONResponse(report)

    async def api_names(request: Request) -> Response:
        unknown = set(request.query_params) - {"prefix", "type"}
        if unknown:
            raise _Refused(400, f"unknown parameter {sorted(unknown)[0][:40]!r}; known: prefix, type")
        prefix = request.query_params.get("prefix", "")
        types = request.query_params.getlist("type") or None
        found = await answer(lambda: clinical.complete(prefix, types, n=MAX_NAMES, engine=engine, timeout=timeout))
        return JSONResponse({"prefix": prefix, "names": found})

    async def discovery(request: Request) -> Response:
        return JSONResponse(cds.discovery())

    async def service(request: Request) -> Response:
        sid = request.path_params["service"]
        if sid not in cds.SERVICES:
            raise _Refused(404, f"no CDS service {sid[:60]!r}")
        body = await _json_body(request)
        if fetcher is not None:  # the network, outside the engine's lock
            body = await run_in_threadpool(cds.fetched, body, fetcher)
        cards = await answer(lambda: cds.call(sid, body, engine=engine, page_url=page_url, timeout=timeout,
                                              fetcher=fetcher))
        return JSONResponse(cards)

    async def feedback(request: Request) -> Response:
        sid = request.path_params["service"]
        if sid not in cds.SERVICES:
            raise _Refused(404, f"no CDS service {sid[:60]!r}")
        body = await _json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("feedback"), list):
            raise _Refused(400, "feedback must be a JSON object with a 'feedback' list")
        return JSONResponse({})

    async def refused(request: Request, exc: Exception) -> Response:
        if isinstance(exc, _Refused):
            return _refusal(exc.status, str(exc))
        if isinstance(exc, cds.CdsError):
            return _refusal(exc.status, exc.message)
        if isinstance(exc, UsageError):
            return _refusal(400, exc.message)
        if isinstance(exc, KGError):
            return _refusal(503, f"the graph could not answer: {exc.message}")
        raise exc

    async def not_found(request: Request, exc: Exception) -> Response:
        return _refusal(getattr(exc, "status_code", 404), getattr(exc, "detail", "not found") or "not found")

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/api/check", api_check, methods=["GET", "POST"]),
        Route("/api/names", api_names, methods=["GET"]),
        Route("/cds-services", discovery, methods=["GET"]),
        Route("/cds-services/{service}", service, methods=["POST"]),
        Route("/cds-services/{service}/feedback", feedback, methods=["POST"]),
    ]
    handlers = {_Refused: refused, KGError: refused, 404: not_found, 405: not_found}
    return Starlette(routes=routes, exception_handlers=handlers)
