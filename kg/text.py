"""Text from outside (command-line arguments, values given to the Python API), checked where it
comes in.

Python decodes command-line arguments (and file names) with ``surrogateescape``: bytes that are
not UTF-8 become lone surrogates (U+DC80..U+DCFF, so ``b"\\xff"`` is ``"\\udcff"``), and a str
made in Python may hold any lone surrogate (U+D800..U+DFFF). Such a str cannot be written as
UTF-8, so without a check it fails far from where it came in (in an engine, a socket, a file),
with a traceback. The entry points refuse it here, as bad input naming the argument.
"""

from __future__ import annotations

import re
from typing import Any

from kg.errors import UsageError

_SURROGATE = re.compile("[\ud800-\udfff]")

#: Longest shown form of a value in a message (the value is cut, never the message's sense).
SHOWN_CHARS = 60


def bad_character(text: str) -> int | None:
    """Offset of the first lone surrogate in ``text`` (a character UTF-8 cannot encode), or None.

    >>> bad_character("caf\\u00e9"), bad_character("ab\\udcff")
    (None, 2)
    """
    if text.isascii():
        return None
    found = _SURROGATE.search(text)
    return None if found is None else found.start()


def shown(text: str, limit: int = SHOWN_CHARS) -> str:
    r"""``text`` quoted for a one-line message: undecodable bytes of a command-line argument as
    ``\xNN`` (as the shell's ``$'\xNN'`` writes them), other lone surrogates as ``\udNNN``, control
    and other unprintable characters escaped (so a value cannot redraw the terminal or add a
    line), cut after ``limit`` characters.

    >>> print(shown("a\udcffb"), shown("x\ny"), shown("\ud800"), shown("abcdef", limit=3))
    'a\xffb' 'x\ny' '\ud800' 'abc...'
    """
    out = []
    for ch in text[:limit]:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that surrogateescape kept
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch in "'\\":
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1])
    return "'" + "".join(out) + ("..." if len(text) > limit else "") + "'"


_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def one_line(message: str) -> str:
    r"""``message`` with every character that could start a new line, redraw the terminal or not
    be written (control, format, separator characters and lone surrogates) shown escaped.

    >>> print(one_line("unknown name 'a'\nb\x1b[2J\udcff"))
    unknown name 'a'\nb\x1b[2J\xff
    """
    if message.isascii() and message.isprintable():
        return message
    import unicodedata

    out = []
    for ch in message:
        if unicodedata.category(ch) in _UNSAFE_CATEGORIES:
            out.append(shown(ch)[1:-1])
        else:
            out.append(ch)
    return "".join(out)


def text_problem(text: str) -> str | None:
    """What is wrong with ``text`` as text (None when nothing is), for a message that starts
    with the argument's name: "is not UTF-8: '\\xff'" or "holds a lone surrogate ..."."""
    at = bad_character(text)
    if at is None:
        return None
    if all(0xDC80 <= ord(m.group()) <= 0xDCFF for m in _SURROGATE.finditer(text)):
        return f"is not UTF-8 text (bytes shown escaped): {shown(text)}"
    return f"holds a lone surrogate (U+{ord(text[at]):04X}, at character {at}), which is not text: {shown(text)}"


def checked_text(value: Any, what: str) -> str:
    """``value`` if it is a str that can be written as UTF-8.

    >>> checked_text("aspirin", "drug name")
    'aspirin'
    >>> checked_text("\\udcff", "drug name")
    Traceback (most recent call last):
    ...
    kg.errors.UsageError: drug name is not UTF-8 text (bytes shown escaped): '\\xff'

    :raises UsageError: naming ``what``, for a value that is not a str or holds a lone surrogate.
    """
    if not isinstance(value, str):
        raise UsageError(f"{what} must be text, not {type(value).__name__}")
    problem = text_problem(value)
    if problem is not None:
        raise UsageError(f"{what} {problem}")
    return value
