"""YAML read strictly, with line numbers: aliases, merge keys, duplicate keys, tags other than
plain strings, numbers and booleans, and nesting deeper than the data format needs are refused,
each as one :class:`~kg.errors.DataError` naming file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kg.errors import DataError
from kg.curation.model import MAX_FILE_BYTES
from kg.fileio import decode_text, read_regular_file

# --------------------------------------------------------------------------------------------
# YAML reading: safe, no aliases, line numbers kept


#: Deepest nesting of lists and mappings a data file may have (a monograph needs about 6); checked
#: as the parser's events arrive, before PyYAML's recursive composer and constructor could
#: overflow the stack on a file nested thousands deep.
MAX_YAML_DEPTH = 50

_TAG = "tag:yaml.org,2002:"
#: The only YAML types a data file holds: what JSON has, plus int/float as YAML writes them.
_PLAIN_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "seq", "map")}


class _Refused(Exception):
    """A data file uses YAML that data files may not; ``line`` is 1-based."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class _Loader(yaml.SafeLoader):
    """SafeLoader for data files: refuses aliases (no alias bombs), merge keys, duplicate keys,
    nesting deeper than :data:`MAX_YAML_DEPTH`, and every type but the plain ones (no
    timestamps, binary, sets, ordered maps, Python objects: :data:`_PLAIN_TAGS`). A scalar that
    looks like a date is a string (YAML 1.2 has no implicit timestamps). Mappings remember
    their line numbers."""

    # No implicit timestamps: ``version: 2024-01-01`` is the string the curator wrote.
    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TAG + "timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):  # noqa: D401 - PyYAML hook
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(event.start_mark.line + 1, "YAML aliases are not allowed")
        if not isinstance(event, yaml.CollectionStartEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            raise _Refused(event.start_mark.line + 1, f"lists and mappings nested more than {MAX_YAML_DEPTH} deep")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node, deep=False):
        if node.tag not in _PLAIN_TAGS and node.tag in self.yaml_constructors:  # others: PyYAML refuses
            tag = node.tag.replace(_TAG, "!!")
            raise _Refused(node.start_mark.line + 1, f"YAML type {tag} is not allowed (data files hold strings, "
                                                     "numbers, booleans, null, lists and mappings)")
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError) as exc:  # e.g. !!int abc, !!float x
            raise _Refused(node.start_mark.line + 1, f"bad {node.tag.replace(_TAG, '!!')} value "
                                                     f"{str(node.value)[:40]!r}: {exc}") from None

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):
            raise _Refused(node.start_mark.line + 1, "expected a mapping")
        mapping = LineDict()
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                raise _Refused(key_node.start_mark.line + 1, "YAML merge keys (<<) are not allowed")
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in mapping
            except TypeError:
                raise _Refused(key_node.start_mark.line + 1, "a mapping key must be a string or number") from None
            if duplicate:
                raise _Refused(key_node.start_mark.line + 1, f"duplicate key {key!r} (the mapping starts on line "
                                                             f"{node.start_mark.line + 1})")
            mapping[key] = self.construct_object(value_node, deep=True)
        mapping.line = node.start_mark.line + 1
        return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping)


class LineDict(dict):
    """A dict that knows the line it started on in its YAML file."""

    line: int = 0


def read_yaml(path: Path) -> Any:
    """Parse ``path`` safely: a regular file of at most :data:`MAX_FILE_BYTES`, read by
    :class:`_Loader`.

    :raises DataError: ``file:line`` and the problem, for a missing, irregular, oversized or
        malformed file, or one that uses YAML a data file may not (see :class:`_Loader`).
    """
    data = read_regular_file(path, limit=MAX_FILE_BYTES, what="data file")
    try:
        text = decode_text(data)
    except UnicodeDecodeError:
        raise DataError("data file is not UTF-8 text", where=str(path)) from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except _Refused as exc:
        raise DataError(exc.message, where=f"{path}:{exc.line}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DataError(f"line {mark.line + 1}: malformed YAML: {problem}" if mark else f"malformed YAML: {problem}",
                        where=f"{path}:{mark.line + 1}" if mark else str(path)) from None
