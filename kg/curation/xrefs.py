"""Expand external identifiers (CURIEs) to IRIs with the bioregistry prefix map.

The map for the prefixes the project uses is ``kg/data/prefixes.json``, generated from the
``bioregistry`` package by ``python -m kg.curation.xrefs --regenerate`` (a test checks it still agrees).
The runtime needs only this file, not bioregistry.
"""

from __future__ import annotations

import json
import sys
from functools import cache

from rdflib import URIRef

from kg.errors import DataError
from kg.resources import data_dir

PREFIX_FILE = data_dir() / "prefixes.json"
#: Prefixes (as the data files write them) whose IRIs the project needs.
PREFIXES = ["ATC", "CHEBI", "DRUGBANK", "DRUGCENTRAL", "MESH", "PUBCHEM.COMPOUND", "RXNORM", "UMLS", "UNII", "WIKIDATA"]


@cache
def prefix_map() -> dict[str, str]:
    return json.loads(PREFIX_FILE.read_text(encoding="utf-8"))


def expand(curie: str) -> URIRef:
    """``CHEBI:18050`` -> ``http://purl.obolibrary.org/obo/CHEBI_18050``.

    >>> str(expand("DRUGBANK:DB00130"))
    'https://go.drugbank.com/drugs/DB00130'

    :raises DataError: for a prefix the map does not know.
    """
    prefix, _, local = curie.partition(":")
    base = prefix_map().get(prefix.upper())
    if base is None:
        raise DataError(f"unknown identifier prefix {prefix!r} in {curie!r}; known: {', '.join(prefix_map())}")
    return URIRef(base + local)


def generate() -> dict[str, str]:
    """Build the prefix map from the bioregistry package (test/dev dependency)."""
    import bioregistry

    converter = bioregistry.get_converter()
    out = {}
    for prefix in PREFIXES:
        iri = converter.expand(f"{prefix}:X")
        if iri is None:
            raise SystemExit(f"bioregistry does not know {prefix}")
        out[prefix] = iri[:-1]
    return out


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    if sys.argv[1:] == ["--regenerate"]:
        from kg.fileio import write_text

        write_text(PREFIX_FILE, json.dumps(generate(), indent=2, sort_keys=True) + "\n")
        print(f"wrote {PREFIX_FILE}")
