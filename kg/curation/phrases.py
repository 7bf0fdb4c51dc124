"""Values read from phrases of a monograph text: routes ("by mouth", "intravenously"), safety
ratings (LIKELY SAFE ..., misspellings tolerated), amounts ("0.7 grams per kg of weight daily"),
ages and populations; and the names and ids a draft gives entities.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal



# --------------------------------------------------------------------------------------------
# Values in phrases: routes, safety ratings, amounts, ages, populations

#: Route code -> phrases that say how the substance is given.
ROUTE_PHRASES = {
    "oral": r"\bby\s+mouth\b|\borally\b|\bswallow",
    "intravenous": r"\bintravenously\b|\bby\s+IV\b|\bIV\s+(?:infusion|injection)",
    "enteral-tube": r"\bfeeding\s+tubes?\b|\bby\s+tube\b|\bnasogastric\s+tube",
    "topical": r"\bto\s+the\s+skin\b|\bon\s+the\s+skin\b|\btopically\b",
}
_ROUTES = [(code, re.compile(pattern, re.I)) for code, pattern in ROUTE_PHRASES.items()]


def routes_in(text: str) -> list[str]:
    """Route codes named in ``text``, in order of first mention.

    >>> routes_in("Given through a feeding tube or intravenously (by IV).")
    ['enteral-tube', 'intravenous']
    >>> routes_in("less dependent on tube feeding")
    []
    """
    found = [(m.start(), code) for code, rx in _ROUTES for m in [rx.search(text)] if m]
    return [code for _, code in sorted(found)]


#: A safety rating in capitals: an optional qualifier (misspellings allowed) and SAFE or UNSAFE.
_RATING = re.compile(r"\b(?:(?P<qualifier>[A-Z]{4,})\s+)?(?P<safe>UNSAFE|SAFE)\b")


def ratings_in(text: str, offset: int = 0) -> list[tuple[int, int, str]]:
    """(start, end, code) of every safety rating in ``text``; a bare SAFE is not a rating.

    >>> [code for _, _, code in ratings_in("is POSSBILY SAFE, LIKLEY UNSAFE or UNSAFE")]
    ['possibly-safe', 'likely-unsafe', 'unsafe']
    """
    out = []
    for m in _RATING.finditer(text):
        qualifier = _qualifier(m.group("qualifier"))
        safe = m.group("safe").lower()
        if qualifier:
            out.append((offset + m.start(), offset + m.end(), f"{qualifier}-{safe}"))
        elif safe == "unsafe":
            out.append((offset + m.start("safe"), offset + m.end(), "unsafe"))
    return out


def _qualifier(word: str | None) -> str | None:
    if not word:
        return None
    close = difflib.get_close_matches(word, ["LIKELY", "POSSIBLY"], n=1, cutoff=0.6)
    return close[0].lower() if close else None


_UNITS = {  # spelling (lower case) -> unit code
    "g": "g", "gm": "g", "gram": "g", "grams": "g",
    "mg": "mg", "milligram": "mg", "milligrams": "mg",
    "mcg": "mcg", "µg": "mcg", "microgram": "mcg", "micrograms": "mcg",
    "ml": "mL", "milliliter": "mL", "milliliters": "mL", "millilitre": "mL", "millilitres": "mL",
    "iu": "IU", "international units": "IU",
}
_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?"
_AMOUNT = re.compile(rf"""
    (?<![\w.])(?P<low>{_NUMBER})                    # a number ...
    (?:\s*(?:-|–|to)\s*(?P<high>{_NUMBER}))?        # ... or a range: "8-40", "8 to 40"
    \s*(?P<unit>{"|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))})\b
    (?P<per_kg>\s*(?:per|/|a)\s*(?:kg|kilograms?)   # per kg / per kilogram
        (?:\s+of\s+(?:body\s+)?weight)?)?           #   of (body) weight
    (?P<daily>\s*(?:daily|per\s+day|a\s+day|each\s+day|every\s+day|/\s*day)\b)?   # a daily total
""", re.X | re.I)


@dataclass
class Amount:
    start: int
    end: int
    low: Decimal
    high: Decimal | None
    unit: str
    per_kg: bool
    daily: bool


def amounts_in(text: str, offset: int = 0) -> list[Amount]:
    """Amounts with units in ``text`` (offsets shifted by ``offset``).

    >>> [(str(a.low), a.high and str(a.high), a.unit, a.per_kg, a.daily)
    ...  for a in amounts_in("8-40 grams per day, 600 milligrams per kilogram of weight daily, 5 mg twice daily")]
    [('8', '40', 'g', False, True), ('600', None, 'mg', True, True), ('5', None, 'mg', False, False)]
    """
    out = []
    for m in _AMOUNT.finditer(text):
        high = m.group("high")
        out.append(Amount(
            start=offset + m.start(), end=offset + m.end(),
            low=_decimal(m.group("low")), high=_decimal(high) if high else None,
            unit=_UNITS[" ".join(m.group("unit").lower().split())],
            per_kg=bool(m.group("per_kg")), daily=bool(m.group("daily")),
        ))
    return out


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _number(value: Decimal) -> int | float:
    """A YAML-friendly number: 40 stays an int, 0.7 a float."""
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class Population:
    id: str
    label: str
    min_age: int | None = None
    max_age: int | None = None


#: Population words -> the population they name (adults are taken to be 18 and over).
_POPULATION_WORDS = [
    (re.compile(r"\bolder\s+adults\b|\bthe\s+elderly\b", re.I), Population("older-adults", "older adults")),
    (re.compile(r"\badults?\b", re.I), Population("adults", "adults", 18)),
    (re.compile(r"\badolescents?\b|\bteenagers?\b", re.I), Population("adolescents", "adolescents")),
    (re.compile(r"\bchild(?:ren)?\b", re.I), Population("children", "children")),
    (re.compile(r"\binfants?\b|\bbabies\b|\bnewborns?\b", re.I), Population("infants", "infants")),
]
#: Precaution subjects that are groups of people rather than conditions.
_POPULATION_SUBJECT = re.compile(
    r"\b(?:adults?|adolescents?|teenagers?|child(?:ren)?|infants?|babies|newborns?|elderly|"
    r"pregnan\w*|breast-?feeding|lactat\w*|women|men)\b", re.I)


def population_in(text: str, offset: int = 0) -> tuple[Population, int, int] | None:
    """The first population named in ``text``, and the span naming it.

    >>> population_in("safe for most adults when taken by mouth")[0].id
    'adults'
    """
    found = [(m.start(), m.end(), pop) for rx, pop in _POPULATION_WORDS for m in [rx.search(text)] if m]
    if not found:
        return None
    start, end, pop = min(found, key=lambda f: f[0])
    return pop, offset + start, offset + end


_WHO = r"(?P<who>children|adults|infants|adolescents|teenagers|people)?\s*"
#: Age bands, each with the group it names when given.
_AGE_BANDS = [
    re.compile(_WHO + r"""(?:aged?|ages)\s+(?P<lo>\d+)\s*(?:-|–|to|through)\s*(?P<hi>\d+)\s*years?""",
               re.I),                                            # "children aged 3 to 18 years"
    re.compile(_WHO + r"""(?:aged?\s+)?(?P<lo>\d+)\s*years?\s+(?:of\s+age\s+)?and\s+(?:older|over)""",
               re.I),                                            # "adults aged 65 years and older"
    re.compile(_WHO + r"""(?:younger\s+than|under|less\s+than)\s+(?P<hi>\d+)\s*years?""",
               re.I),                                            # "children younger than 2 years"
]


def age_band(text: str) -> Population | None:
    """The age-banded population ``text`` names, if any.

    >>> age_band("Children aged 1 to 3 years should not be given")
    Population(id='children-1-to-3', label='children aged 1 to 3 years', min_age=1, max_age=3)
    """
    for rx in _AGE_BANDS:
        m = rx.search(text)
        if m:
            return _band(m)
    return None


def _band(m: re.Match) -> Population:
    who = (m.group("who") or "people").lower()
    lo = int(m.group("lo")) if "lo" in m.groupdict() and m.group("lo") else None
    hi = int(m.group("hi")) if "hi" in m.groupdict() and m.group("hi") else None
    if lo is not None and hi is not None:
        return Population(f"{who}-{lo}-to-{hi}", f"{who} aged {lo} to {hi} years", lo, hi)
    if lo is not None:
        return Population(f"{who}-{lo}-and-older", f"{who} aged {lo} years and older", lo, None)
    return Population(f"{who}-under-{hi}", f"{who} younger than {hi} years", None, hi)


# --------------------------------------------------------------------------------------------
# Names and ids


def slug(text: str, max_len: int = 48) -> str:
    """A lowercase ``[a-z0-9-]`` id from a name, cut at a word boundary.

    >>> slug("Stargazer's Cough (chronic)")
    'stargazers-cough-chronic'
    >>> slug("Aches and pains caused by the drug dazotine", max_len=30)
    'aches-and-pains'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", re.sub(r"['’]", "", ascii_text.lower()))
    kept: list[str] = []
    for word in words:
        if kept and len("-".join(kept)) + 1 + len(word) > max_len:
            while len(kept) > 1 and kept[-1] in _TRAILING_WORDS:  # no "pains-caused-by-the"
                kept.pop()
            break
        kept.append(word)
    return "-".join(kept)


_TRAILING_WORDS = {"a", "an", "and", "by", "caused", "due", "during", "for", "from", "in", "of", "or", "the",
                   "to", "used", "with"}


_PAREN = re.compile(r"\s*\(([^()]*)\)")


def split_name(name: str) -> tuple[str, list[str]]:
    """A name without its brackets, and what the brackets held.

    >>> split_name("Inflammation of the joints (arthritis).")
    ('Inflammation of the joints', ['arthritis'])
    """
    inner = [" ".join(p.split()) for p in _PAREN.findall(name)]
    main = " ".join(_PAREN.sub("", name).split()).strip(" .,:;")
    return main, [p for p in inner if p]


def _alias(text: str) -> str:
    text = re.sub(r"^(?:also\s+(?:known\s+as|called)|or|i\.e\.,?)\s+", "", text, flags=re.I)
    return text.strip(" \"'“”‘’.,;")


def lower_first(label: str) -> str:
    """Lowercase a capital that only starts a sentence ("Burnt toast"), not an acronym ("HIV")."""
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


#: "Treating X", "Reducing X": the record is about X (its quote keeps the verb).
_LEADING_VERB = re.compile(r"^(?:treating|reducing|improving|preventing)\s+", re.I)


def name_parts(name: str) -> tuple[str, list[str], str | None]:
    """(label, synonyms, description) for a condition-like name from a heading or paragraph.

    A long name with a short bracketed term ("Inflammation of the joints (arthritis)") is labelled
    by the term; an apposition ("Gloom, a mood disorder") becomes the description.
    """
    main, inner = split_name(name)
    main = _LEADING_VERB.sub("", main) or main
    description = None
    appositive = re.match(r"^(?P<head>[^,]+),\s+(?P<desc>an?\s+.+)$", main)
    if appositive:
        main, description = appositive.group("head"), appositive.group("desc")
    aliases = [a for a in (_alias(x) for x in inner) if a and "," not in a and len(a.split()) <= 4]
    if len(main.split()) > 3 and aliases and len(aliases[0].split()) <= 3:
        label, synonyms = aliases[0], [main, *aliases[1:]]
    else:
        label, synonyms = main, aliases
    synonyms = [lower_first(s) for s in synonyms if s.lower() != label.lower()]
    return lower_first(label), synonyms, description


def find_words(text: str, words: str) -> re.Match | None:
    """Where ``words`` first occur in ``text`` as whole words, any letter case and spacing."""
    return re.search(r"(?<!\w)" + r"\s+".join(map(re.escape, words.split())) + r"(?!\w)", text, re.I)


def bound_concepts(text: str, scheme: str) -> list[str]:
    """The codes of ``scheme``'s concepts (``qualifier``) whose binding cues occur in ``text``: the
    restrictions a statement quoting ``text`` must carry.

    >>> bound_concepts("Some types of sleeping pills can lower its levels", "qualifier")
    ['some-types']
    """
    from kg import schema

    return [code for code, cues in schema.binding_cues(schema.SCHEMES[scheme]).items()
            if any(find_words(text, cue) for cue in cues)]


def graded_cues(text: str, scheme: str) -> list[tuple[str, int, str]]:
    """The concepts of the ranked ``scheme`` (``likelihood``) whose wording cues occur in ``text``,
    weakest first: ``[(code, rank, cue)]``, one per concept (its first cue in the text).

    >>> graded_cues("There is some concern that it might decrease ... too soon to know", "likelihood")
    [('uncertain', 1, 'some concern'), ('possible', 2, 'might')]
    """
    from kg import schema

    scheme_iri = schema.SCHEMES[scheme]
    found = []
    for code, cues in schema.cues(scheme_iri).items():
        hits = []
        for cue in cues:
            m = find_words(text, cue)
            if m:
                hits.append((m.start(), cue))
        if hits:
            rank = schema.concepts(scheme_iri)[code].rank or 0
            found.append((code, rank, min(hits)[1]))
    return sorted(found, key=lambda f: (f[1], f[0]))
