"""Where the shipped files live: ontology, queries and monographs.

Installed, ``ontology/`` and ``queries/`` are the packages ``kg._ontology`` and ``kg._queries``
(see ``pyproject.toml``); in a plain source checkout they are the folders beside ``kg/``.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

_REPO = Path(__file__).resolve().parents[1]


def _folder(package: str, fallback: str) -> Path:
    # Works for a wheel install and for an editable install (where the mapped folder is a
    # namespace-style package that importlib.resources cannot open).
    try:
        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        if Path(location).is_dir():
            return Path(location)
    return _REPO / fallback


@cache
def ontology_dir() -> Path:
    """The folder holding ``skg.ttl``, ``shapes.ttl``, ``context.jsonld`` and ``mappings.sssom.tsv``."""
    return _folder("kg._ontology", "ontology")


@cache
def queries_dir() -> Path:
    """The folder holding the canned ``*.rq`` queries."""
    return _folder("kg._queries", "queries")


def monographs_dir() -> Path:
    """The folder of the shipped monograph data files and their source texts."""
    return Path(__file__).resolve().parent / "monographs"


def data_dir() -> Path:
    """The folder of the package's own data files (``kg/data``: prefixes, the HTML view's page)."""
    return Path(__file__).resolve().parent / "data"


def ontology_file() -> Path:
    return ontology_dir() / "skg.ttl"


def shapes_file() -> Path:
    return ontology_dir() / "shapes.ttl"


def context_file() -> Path:
    return ontology_dir() / "context.jsonld"


def mappings_file() -> Path:
    """The SSSOM mapping set of the ontology's terms to Biolink, RO, schema.org and others."""
    return ontology_dir() / "mappings.sssom.tsv"
