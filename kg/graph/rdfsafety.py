"""Checks on RDF bytes that run before any parser sees them: no entity bombs, no context fetches.

Two formats can make a small input cost without bound or reach outside the process:

- **RDF/XML** (``.rdf``, ``.owl``, ``.xml``, ``application/rdf+xml``): a DTD can declare
  entities that expand to gigabytes (a "billion laughs" file of 1 KB, or one 50 KB entity used
  50,000 times). rdflib's parser hangs on them and pyoxigraph's aborts the process when its
  allocation fails. RDF/XML needs no DTD, so :func:`check_xml` refuses any markup declaration
  (``<!DOCTYPE``, ``<!ENTITY``, ...: any ``<!`` that does not open a comment or CDATA section),
  accepts only UTF-8 (a UTF-16, UTF-32 or otherwise declared encoding could hide a declaration
  from the byte scan), and bounds element nesting (pyoxigraph's RDF/XML parser is quadratic in
  depth: 100,000 nested elements, 3.6 MB, take minutes).
- **JSON-LD**: a ``@context`` (or ``@import``) given as a string is an IRI to fetch: a URL, or a
  file path that rdflib's JSON-LD parser reads from the local disk. :func:`check_jsonld` refuses
  every such reference wherever it appears (also in scoped contexts and arrays), so only inline
  context objects are read, and bounds nesting depth (pyoxigraph's JSON-LD parser crashes the
  process at 10,000 nested objects and is quadratic before that). Parsing is left to pyoxigraph
  (:func:`kg.graph.jsonld.parse`), which has no document loader either.

>>> check_xml(b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
>>> check_xml(b'<!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>')
Traceback (most recent call last):
...
kg.errors.DataError: RDF/XML with a DTD or entity declarations is refused (entity expansion can exhaust memory)
>>> check_jsonld(b'{"@context": "file:///etc/passwd", "@id": "urn:x:a"}')
Traceback (most recent call last):
...
kg.errors.DataError: JSON-LD with a remote or file @context ('file:///etc/passwd') is refused; only inline context objects are read
"""

from __future__ import annotations

import codecs
import json
import re

from kg.errors import DataError

#: Deepest element nesting accepted in RDF/XML (real RDF/XML nests a few levels).
MAX_XML_DEPTH = 256
#: Deepest array/object nesting accepted in JSON-LD (the project's exports nest 4 levels).
MAX_JSON_DEPTH = 100
#: Formats (rdflib's names and pyoxigraph's ``RdfFormat`` names) that are XML.
XML_FORMATS = frozenset({"xml", "pretty-xml", "application/rdf+xml", "trix", "RDF_XML"})
#: Formats that are JSON-LD.
JSONLD_FORMATS = frozenset({"json-ld", "application/ld+json", "JSON_LD"})

_DTD = "RDF/XML with a DTD or entity declarations is refused (entity expansion can exhaust memory)"
#: ``<!`` opens a comment, a CDATA section or a markup declaration; anything but the first two
#: is refused (case-insensitive, as some parsers read ``<!doctype``).
_DECLARATION = re.compile(rb"<!(?!--|\[CDATA\[)")
_XML_DECL = re.compile(rb"<\?xml(?=[\s?])(.*?)\?>", re.S)
_ENCODING = re.compile(rb"""\bencoding\s*=\s*(["'])([^"']*)\1""")
_UTF8_NAMES = frozenset({"utf-8", "ascii"})
_WIDE_BOMS = ((codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF32_LE, "UTF-32"),
              (codecs.BOM_UTF16_BE, "UTF-16"), (codecs.BOM_UTF16_LE, "UTF-16"))


def check_xml(data: bytes, what: str = "RDF/XML") -> None:
    """Refuse XML bytes that declare a DTD or entities, are not UTF-8, are not well-formed, or nest
    elements deeper than :data:`MAX_XML_DEPTH`. Returns None when ``data`` is safe to parse.

    :raises DataError: one line saying why (without the file: callers add it).
    """
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            raise DataError(f"{what} encoded as {name} is refused; only UTF-8 is read")
    body = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
    if b"\x00" in body:  # UTF-16 / UTF-32 without a byte order mark (or binary data)
        raise DataError(f"{what} that is not UTF-8 (it has NUL bytes) is refused; only UTF-8 is read")
    declaration = _XML_DECL.match(body.lstrip())
    if declaration is not None and b"encoding" in declaration.group(1):
        named = _ENCODING.search(declaration.group(1))
        label = named.group(2).decode("ascii", "replace") if named else "?"
        try:
            canonical = codecs.lookup(label).name
        except LookupError:
            canonical = None
        if canonical not in _UTF8_NAMES:
            raise DataError(f"{what} declaring encoding {label[:40]!r} is refused; only UTF-8 is read")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{what} that is not valid UTF-8 is refused (byte {exc.start}); only UTF-8 is read") from None
    if _DECLARATION.search(body):
        raise DataError(_DTD if what == "RDF/XML" else f"{what} with a DTD or entity declarations is refused "
                        "(entity expansion can exhaust memory)")
    _check_xml_depth(body, what)


def _check_xml_depth(body: bytes, what: str) -> None:
    """One streaming pass of expat (no DTD can be left by now) counting element depth."""
    from xml.parsers import expat

    depth = 0

    def start(name, attrs):
        nonlocal depth
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise DataError(f"{what} nesting elements deeper than {MAX_XML_DEPTH} levels is refused")

    def end(name):
        nonlocal depth
        depth -= 1

    def refuse(*args):  # a second line of defence behind the byte scan
        raise DataError(_DTD)

    parser = expat.ParserCreate("UTF-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = refuse
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise DataError(f"{what} that is not well-formed XML: {expat.ErrorString(exc.code)} "
                        f"(line {exc.lineno}, column {exc.offset + 1})") from None


class _Object(list):
    """A JSON object as its list of (key, value) pairs: duplicate keys stay visible."""


def check_jsonld(data: str | bytes) -> None:
    """Refuse JSON-LD that names a context by IRI (``"@context": "..."``, in an array or a scoped
    context, or ``"@import"``), or nests deeper than :data:`MAX_JSON_DEPTH`. Inline context
    objects are fine. Every key is seen, also one given twice.

    :raises DataError: one line saying why (without the file: callers add it).
    """
    try:
        doc = json.loads(data, object_pairs_hook=_Object)
    except RecursionError:
        raise DataError(f"JSON-LD nested deeper than {MAX_JSON_DEPTH} levels is refused") from None
    except (ValueError, UnicodeDecodeError) as exc:  # json.JSONDecodeError is a ValueError
        raise DataError(f"cannot read JSON-LD: {str(exc).splitlines()[0][:200]}") from None
    stack: list[tuple[object, int]] = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise DataError(f"JSON-LD nested deeper than {MAX_JSON_DEPTH} levels is refused")
        if not isinstance(value, _Object):
            stack.extend((item, depth + 1) for item in value)
            continue
        for key, item in value:
            if key == "@import":
                raise DataError(f"JSON-LD with @import ({_show(item)}) is refused; only inline context objects are read")
            if key == "@context":
                for ctx in (item if isinstance(item, list) and not isinstance(item, _Object) else [item]):
                    if isinstance(ctx, str):
                        raise DataError(f"JSON-LD with a remote or file @context ({ctx[:80]!r}) is refused; "
                                        "only inline context objects are read")
            stack.append((item, depth + 1))


def _show(value: object) -> str:
    return repr(value[:80]) if isinstance(value, str) else "not a string"


def check_rdf(data: bytes, fmt: str, what: str | None = None) -> None:
    """Run the check ``fmt`` needs (rdflib or pyoxigraph format name, or a media type) on ``data``;
    formats other than XML and JSON-LD need none.

    :raises DataError: when ``data`` is refused.
    """
    if fmt in XML_FORMATS:
        check_xml(data, what or ("TriX" if fmt == "trix" else "RDF/XML"))
    elif fmt in JSONLD_FORMATS:
        check_jsonld(data)


def needs_check(fmt: str) -> bool:
    """True for the formats :func:`check_rdf` checks (XML and JSON-LD)."""
    return fmt in XML_FORMATS or fmt in JSONLD_FORMATS
