"""Drafting the interactions of a clinical monograph: severity blocks of "X interacts with
SUBSTANCE" items, their advice and mechanism, and the "Some ... include drug (Brand), ..." lists
turned into members of a class."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.curation.layout import Paragraph, Section, _BLOCK_HEADER, sentences
from kg.curation.phrases import graded_cues, lower_first, split_name
from kg.curation.draft import Draft, _sentence_text


# --------------------------------------------------------------------------------------------
# Interactions: severity blocks of "X interacts with SUBSTANCE" items

_INTERACTS = re.compile(r"""
    ^(?P<x>[^\n]{2,160}?)\s+                 # the drug or class, maybe with a bracketed name
    (?P<verb>interacts?)\s+with\s+           # "interacts with" (one drug) / "interact with" (a class)
    (?P<y>[A-Z][A-Z0-9.'-]*(?:\s+[A-Z][A-Z0-9.'-]*)*)   # the substance, in capitals
    (?=\s|$)
""", re.X)
#: "Some medications that ... include drug (Brand), drug (Brand, Brand), and others."
_MEMBERS = re.compile(r"^Some\b.{0,200}?\binclude\s+(?P<list>.+?)\.?$", re.S)
#: Interactant names that are classes of drugs.
_CLASS_NAME = re.compile(r"^(?:medications|medicines|drugs|agents)\b", re.I)
#: Sentences that say what happens (the effect) rather than why (the mechanism).
_EFFECT_WORDS = re.compile(r"\b(?:increase|decrease|reduce|lower|raise|add\s+to|effectiveness|side\s+effects|risk)",
                           re.I)

_DEFAULT_ADVICE = {
    "major": "Do not take this combination.",
    "moderate": "Be cautious with this combination.",
    "minor": "Be watchful with this combination.",
}


@dataclass
class _Block:
    severity: str
    advice: str
    span: tuple[int, int]


@dataclass
class _Item:
    block: _Block
    x: str
    plural: bool
    span: tuple[int, int]
    text_spans: list[tuple[int, int]] = field(default_factory=list)


def draft_interactions(draft: Draft, section: Section) -> None:
    block: _Block | None = None
    item: _Item | None = None
    for p in section.body:
        header = _BLOCK_HEADER.match(p.text)
        start = _INTERACTS.match(p.text)
        if header:
            _close_item(draft, item)
            item, block = None, _block(header, p)
        elif start and block is not None:
            _close_item(draft, item)
            item = _Item(block, start.group("x"), start.group("verb") == "interact",
                         (p.start, p.start + start.end()))
            if p.start + start.end() < p.end:
                item.text_spans.append((p.start + start.end(), p.end))
        elif item is not None:
            item.text_spans.append((p.start, p.end))
    _close_item(draft, item)


def _block(header: re.Match, p: Paragraph) -> _Block:
    severity = header.group("severity").lower()
    advice = " ".join(header.group("advice").split())
    span = (p.start, p.start + header.end("advice")) if advice else (p.start, p.start + header.end("severity"))
    return _Block(severity, f"{advice.rstrip('.')}." if advice else _DEFAULT_ADVICE[severity], span)


def _close_item(draft: Draft, item: _Item | None) -> None:
    if item is None:
        return
    text = draft.text
    member_sents, other_sents = [], []
    for span in item.text_spans:
        for s in sentences(text, *span):
            (member_sents if _MEMBERS.match(_sentence_text(text, s)) else other_sents).append(s)
    members = [m for s in member_sents for m in parse_members(_MEMBERS.match(_sentence_text(text, s)).group("list"))]
    interactant = _interactant(draft, item, bool(members))
    for name, brands in members:
        draft.entity(lower_first(name), "Drug", brands=brands, member_of=[interactant])
    said = [_sentence_text(text, s) for s in other_sents]
    effect, mechanism = _effect_and_mechanism(said)
    graded = graded_cues(" ".join(said), "likelihood")
    if not graded:
        draft.note(text.count("\n", 0, item.span[0]) + 1, f"interaction with {interactant}: no wording says how likely "
                   "it is; drafted as 'possible', review")
    draft.record("interactions", f"int-{interactant}", {
        "interactant": interactant,
        "severity": item.block.severity,
        "likelihood": graded[0][0] if graded else "possible",
        "effect": effect,
        "mechanism": mechanism,
        "recommendation": item.block.advice,
    }, [item.span, *item.text_spans, item.block.span])


def _interactant(draft: Draft, item: _Item, has_members: bool) -> str:
    """A DrugClass (plural verb, "Medications ...", or listed members) or a Drug (brackets: brands)."""
    main, inner = split_name(item.x)
    if has_members or item.plural or _CLASS_NAME.match(main):
        if inner:
            return draft.entity(lower_first(inner[0]), "DrugClass", synonyms=[lower_first(main)])
        return draft.entity(lower_first(main), "DrugClass")
    brands = [b for part in inner for b in _split_brands(part)]
    return draft.entity(lower_first(main), "Drug", brands=brands)


def parse_members(listing: str) -> list[tuple[str, list[str]]]:
    """(drug, brands) from "a (A1), b (B1, B2), and others".

    >>> parse_members("nimbrol (Nimbex), dazotine (Dazo, Dazo-XR) and others")
    [('nimbrol', ['Nimbex']), ('dazotine', ['Dazo', 'Dazo-XR'])]
    """
    out = []
    for entry in _split_top_level(listing):
        entry = re.sub(r"^(?:and|or)\s+", "", entry.strip(" .;"), flags=re.I)
        if not entry or re.match(r"^(?:many\s+|several\s+)?others?\b", entry, re.I):
            continue
        main, inner = split_name(entry)
        if main:
            out.append((main, [b for part in inner for b in _split_brands(part)]))
    return out


def _split_top_level(listing: str) -> list[str]:
    """Split at commas and at " and " / " or " outside brackets."""
    parts, depth, current = [], 0, ""
    for token in re.split(r"(\(|\)|,|\s+and\s+|\s+or\s+)", listing):
        if token == "(":
            depth += 1
        elif token == ")":
            depth = max(0, depth - 1)
        if depth == 0 and (token == "," or re.fullmatch(r"\s+(?:and|or)\s+", token or "")):
            parts.append(current)
            current = ""
        else:
            current += token or ""
    return [p for p in parts + [current] if p.strip()]


def _split_brands(text: str) -> list[str]:
    return [b for b in (x.strip(" ®™.") for x in re.split(r"[,;]|\s+or\s+", text)) if b]


def _effect_and_mechanism(sents: list[str]) -> tuple[str, str | None]:
    """The last sentence saying what happens, and what follows it, is the effect; what comes before is the mechanism."""
    if not sents:
        return "Not described in the text.", None
    effect_at = max((i for i, s in enumerate(sents) if _EFFECT_WORDS.search(s)), default=0)
    mechanism = " ".join(sents[:effect_at]) or None
    return " ".join(sents[effect_at:]), mechanism
