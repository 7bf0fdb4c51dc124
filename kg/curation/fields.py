"""Field checkers and the record kinds: each checker takes ``(value, context)`` and returns the
checked value or raises; :data:`RECORD_KINDS` says which fields each record kind has and how each
is checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation


from kg import schema
from kg.curation.model import _DURATION, normalise_id

# --------------------------------------------------------------------------------------------
# Field checkers. Each takes (value, context) and returns the checked value or raises _Bad.


class _Bad(Exception):
    pass


def _str(value, ctx):
    if not isinstance(value, str) or not value.strip():
        raise _Bad("must be a non-empty string")
    return value.strip()


def _str_list(value, ctx):
    if not isinstance(value, list):
        raise _Bad("must be a list of strings")
    return [_str(v, ctx) for v in value]


def _number(value, ctx, *, minimum: Decimal | None = Decimal(0), maximum: Decimal | None = None):
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _Bad(f"must be a number, not {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _Bad(f"must be a number, not {value!r}") from None
    if not number.is_finite():
        raise _Bad(f"must be a finite number, not {value!r}")
    if minimum is not None and number < minimum:
        raise _Bad(f"must be at least {minimum}, not {value!r}")
    if maximum is not None and number > maximum:
        raise _Bad(f"must be at most {maximum}, not {value!r}")
    return number


def _proportion(value, ctx):
    return _number(value, ctx, maximum=Decimal(1))


def _count(value, ctx):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _Bad(f"must be a whole number of at least 1, not {value!r}")
    return value


def _bool(value, ctx):
    if not isinstance(value, bool):
        raise _Bad(f"must be true or false, not {value!r}")
    return value


def _duration(value, ctx):
    if not isinstance(value, str) or not _DURATION.match(value):
        raise _Bad(f"must be an ISO 8601 duration such as P1D or PT4H, not {value!r}")
    return value


def _code(scheme: str) -> Callable:
    def check(value, ctx):
        codes = schema.concepts(schema.SCHEMES[scheme])
        if not isinstance(value, str) or value not in codes:
            raise _Bad(f"unknown {scheme} value {value!r}; expected one of: {', '.join(codes)}")
        return codes[value]

    check.__name__ = f"code_{scheme}"
    return check


def _codes(scheme: str) -> Callable:
    one = _code(scheme)

    def check(value, ctx):
        if not isinstance(value, list) or not value:
            raise _Bad(f"must be a non-empty list of {scheme} values")
        return [one(v, ctx) for v in value]

    return check


def _proportion_qualifier(value, ctx):
    concept = _code("qualifier")(value, ctx)
    if concept.code not in NUMBER_QUALIFIERS:
        raise _Bad(f"must be one of {', '.join(NUMBER_QUALIFIERS)} (how the text gives the number), not {value!r}")
    return concept


#: The qualifiers that say how a number is given ("about one third", "up to 60%").
NUMBER_QUALIFIERS = ("approximately", "at-most")


def _relation(parent) -> Callable:
    def check(value, ctx):
        allowed = schema.relations(parent)
        if not isinstance(value, str) or value not in allowed:
            raise _Bad(f"unknown relation {value!r}; expected one of: {', '.join(sorted(allowed))}")
        return allowed[value]

    return check


def _ref(*types: str) -> Callable:
    """A reference to an entity id, optionally restricted to entity types."""

    def check(value, ctx):
        if not isinstance(value, str) or not value.strip():
            raise _Bad("must be an entity id")
        key = normalise_id(value)
        entity = ctx["entities"].get(key)
        if entity is None:
            raise _Bad(f"unknown entity {value!r}{_suggest(key, ctx['entities'])}")
        if types and entity.type not in types:
            raise _Bad(f"entity {value!r} is a {entity.type}; expected {' or '.join(types)}")
        return key

    return check


def _refs(*types: str) -> Callable:
    one = _ref(*types)

    def check(value, ctx):
        if not isinstance(value, list):
            raise _Bad("must be a list of entity ids")
        return [one(v, ctx) for v in value]

    return check


def _record_ref(kind: str) -> Callable:
    def check(value, ctx):
        key = normalise_id(str(value))
        if key not in ctx["record_ids"].get(kind, set()):
            raise _Bad(f"unknown {kind} record {value!r}")
        return key

    return check


def _suggest(key: str, known: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(known), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


SUBSTANCE = ("Substance",)
# An assessment, finding, claim or dose is for a condition, a process of the body, or the people
# undergoing a procedure ("major surgery", "bone marrow transplant").
CONDITIONISH = ("Condition", "BiologicalProcess", "Procedure")

#: Per record kind: field -> (checker, required). ``id``, ``quote`` and ``substance`` are common.
RECORD_KINDS: dict[str, dict[str, tuple[Callable, bool]]] = {
    "effectiveness": {
        "condition": (_ref(*CONDITIONISH), True),
        "level": (_code("evidence"), True),
        "routes": (_codes("route"), False),
        "population": (_ref("Population"), False),
        "summary": (_str, False),
    },
    "findings": {
        "assessment": (_record_ref("effectiveness"), False),
        "condition": (_ref(*CONDITIONISH), True),
        "outcome": (_str, True),
        "direction": (_code("direction"), True),
        "routes": (_codes("route"), False),
        "population": (_ref("Population"), False),
        "co_intervention": (_ref(), False),
        "study": (_record_ref("studies"), False),
    },
    "claimed_uses": {
        "condition": (_ref(*CONDITIONISH), True),
        "population": (_ref("Population"), False),
        "context": (_str, False),
    },
    "interactions": {
        "interactant": (_ref("Drug", "DrugClass"), True),
        "severity": (_code("severity"), True),
        "likelihood": (_code("likelihood"), True),
        "effect": (_str, True),
        "mechanism": (_str, False),
        "recommendation": (_str, True),
        "evidence": (_code("interaction_evidence"), False),
    },
    "precautions": {
        "subject": (_ref("Condition", "Population"), True),
        "strength": (_code("precaution"), True),
        "rationale": (_str, True),
    },
    "safety_limits": {
        "route": (_code("route"), True),
        "population": (_ref("Population"), False),
        "min_age_years": (_number, False),
        "max_age_years": (_number, False),
        "max_amount": (_number, True),
        "unit": (_code("unit"), True),
        "per_kg": (_bool, True),
        "period": (_duration, True),
        "rating": (_code("safety"), True),
    },
    "dosing": {
        "indication": (_ref(*CONDITIONISH), True),
        "route": (_code("route"), False),
        "population": (_ref("Population"), False),
        "amount": (_number, False),
        "min_amount": (_number, False),
        "max_amount": (_number, False),
        "preferred_amount": (_number, False),
        "unit": (_code("unit"), True),
        "per_kg": (_bool, False),
        "period": (_duration, False),
        "interval": (_duration, False),
        "frequency": (_str, False),
        "form": (_ref("DosageForm"), False),
        "administration": (_str, False),
        "start": (_str, False),
        "stop": (_str, False),
    },
    "mechanisms": {
        "subject": (_ref(), True),
        "relation": (None, True),  # filled below: needs the vocabulary
        "object": (_ref(), True),
        "proportion": (_proportion, False),
        "proportion_qualifier": (_proportion_qualifier, False),
        "context": (_str, False),
    },
    "physiology": {
        "subject": (_ref(), True),
        "relation": (None, True),
        "object": (_ref(), True),
        "proportion": (_proportion, False),
        "proportion_qualifier": (_proportion_qualifier, False),
        "context": (_str, False),
    },
    "studies": {
        "design": (_str, True),
        "sample_size": (_count, False),
        "population": (_ref("Population"), False),
        "intervention": (_ref("Substance", "Drug"), False),
        "measured": (_ref(), False),
        "outcome": (_str, True),
        "effect_size": (_number, False),
        "effect_size_unit": (_str, False),
        "study_count": (_count, False),
        "citation_count": (_count, False),
        "gives_substance": (_bool, False),
    },
}


def _init_relations() -> None:
    from kg.vocab import SKG

    RECORD_KINDS["mechanisms"]["relation"] = (_relation(SKG.mechanismRelation), True)
    RECORD_KINDS["physiology"]["relation"] = (_relation(SKG.physiologyRelation), True)


_init_relations()

# Every kind of statement can carry the restrictions its text puts on it.
for _spec in RECORD_KINDS.values():
    _spec["qualifiers"] = (_codes("qualifier"), False)
del _spec

ENTITY_FIELDS: dict[str, tuple[Callable, bool]] = {
    "synonyms": (_str_list, False),
    "brands": (_str_list, False),
    "salts": (_str_list, False),
    "reference_classes": (_str_list, False),
    "member_of": (None, False),  # checked after all entities are known
    "description": (_str, False),
    "min_age_years": (_number, False),
    "max_age_years": (_number, False),
    "states": (_codes("state"), False),
    "broader": (None, False),  # populations this one is part of: checked after all entities are known
    "xrefs": (None, False),
}

MONOGRAPH_KEYS = {
    "id", "title", "substance", "source_text", "licence", "version", "curated_by",
    "documents", "sections", "external_sources",
}
TOP_KEYS = {"format", "monograph", "entities", *RECORD_KINDS}
