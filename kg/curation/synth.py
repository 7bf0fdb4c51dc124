"""Synthetic monographs of the real shape, for scale tests and benchmarks.

:func:`write` produces N monograph data files (``docs/data-format.md``) with their generated
source texts. Each monograph copies the statement types and proportions of the curated monograph
shipped with the package: about 110 entities (41 conditions, 17 populations, 12 drugs in drug
classes with brand names, anatomy, chemicals, proteins, processes), 17 effectiveness assessments
over every evidence level, 35 findings, 27 claimed uses, 3 interactions (two through drug
classes, one direct), 7 precautions, 3 safety limits, 2 dosing regimens, 39 mechanism and 10
physiology statements and 3 studies. Every statement quotes sentences of its generated text, so
the files go through the normal build unchanged (quote checks, SHACL, violation queries).

Entities come from pools shared by all monographs (a world fixed by the seed), so drug classes,
drugs, conditions and populations recur across files with identical type, label and fields, the
way a real collection of monographs shares its vocabulary. Names are invented words ("velorazole",
"Kadimo syndrome") that cannot be mistaken for real drugs or diseases. Entities have no external
identifiers (``xrefs``): a made-up identifier under a real namespace would assert a false match.

Output is deterministic: monograph ``i`` depends only on the seed and ``i``, so the files of a
smaller run are exactly the first files of a larger one.

>>> w = World(seed=7)
>>> data, text = monograph(w, 0)
>>> data["monograph"]["id"] == monograph(World(seed=7), 0)[0]["monograph"]["id"]
True
>>> len(data["effectiveness"]), len(data["findings"]), len(data["interactions"])
(17, 35, 3)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "skg-monograph/1"
DEFAULT_SEED = 1

#: Records of each kind per monograph (the counts of the shipped curated monograph).
COUNTS = {
    "conditions": 41, "populations": 17, "anatomy": 13, "chemicals": 11, "proteins": 4, "processes": 6,
    "effectiveness": 17, "findings": 35, "claimed_uses": 27, "precautions": 7, "mechanisms": 39,
    "physiology": 10, "studies": 3,
}

#: Pool sizes of the shared world (independent of the number of monographs).
POOLS = {
    "parent_classes": 24, "classes": 96, "class_members": 6, "standalone_drugs": 240, "conditions": 1500,
    "populations": 80, "anatomy": 60, "chemicals": 400, "proteins": 200, "processes": 80, "organisms": 20,
    "forms": 12,
}

LEVELS = ["effective", "likely-effective", "possibly-effective", "insufficient-evidence",
          "possibly-ineffective", "likely-ineffective", "ineffective"]
_LEVEL_WEIGHTS = [1, 2, 5, 8, 4, 2, 1]
_LEVEL_HEADINGS = {
    "effective": "Rated effective for:",
    "likely-effective": "Rated likely effective for:",
    "possibly-effective": "Rated possibly effective for:",
    "insufficient-evidence": "Rated insufficient evidence for:",
    "possibly-ineffective": "Rated possibly ineffective for:",
    "likely-ineffective": "Rated likely ineffective for:",
    "ineffective": "Rated ineffective for:",
}
_LEVEL_PHRASES = {
    "effective": "is effective for treating",
    "likely-effective": "is likely effective for treating",
    "possibly-effective": "seems to improve",
    "insufficient-evidence": "might help with, but there is not enough evidence about",
    "possibly-ineffective": "does not seem to improve",
    "likely-ineffective": "is unlikely to improve",
    "ineffective": "does not improve",
}
ROUTES = ["oral", "intravenous", "enteral-tube", "topical"]
_ROUTE_WORDS = {"oral": "by mouth", "intravenous": "intravenously (by IV)", "enteral-tube": "through a feeding tube",
                "topical": "on the skin"}
DIRECTIONS = ["improves", "no-effect", "inconsistent", "worsens"]
_DIRECTION_PHRASES = {"improves": "improved", "no-effect": "did not change", "inconsistent": "had mixed effects on",
                      "worsens": "worsened"}
SEVERITIES = ["major", "moderate", "minor"]
_SEVERITY_LINES = {
    "major": "Major Interaction Do not take this combination",
    "moderate": "Moderate Interaction Be cautious with this combination",
    "minor": "Minor Interaction Be watchful with this combination",
}
STRENGTHS = ["do-not-use", "avoid", "caution"]
_STRENGTH_PHRASES = {"do-not-use": "should not use", "avoid": "should avoid", "caution": "should be careful with"}
RATINGS = ["likely-safe", "possibly-safe", "possibly-unsafe", "likely-unsafe"]
_RATING_WORDS = {"likely-safe": "LIKELY SAFE", "possibly-safe": "POSSIBLY SAFE", "possibly-unsafe": "POSSIBLY UNSAFE",
                 "likely-unsafe": "LIKELY UNSAFE"}

#: Mechanism relation -> (pool of the object, sentence template with {s} and {o}).
MECHANISMS = {
    "convertedTo": ("chemicals", "{s} is changed into {o} in the body."),
    "precursorOf": ("chemicals", "{s} is needed to make {o}."),
    "sourceOf": ("chemicals", "{s} is a source of {o} for many cells."),
    "carrierOf": ("chemicals", "{s} is an important carrier of {o}."),
    "classifiedAs": ("chemicals", "{s} is classed as one of the {o}."),
    "amideOf": ("chemicals", "{s} is an amide of {o}."),
    "formOf": ("chemicals", "{s} is the natural form of {o}."),
    "brokenDownBy": ("proteins", "{s} is broken down by the enzyme {o}."),
    "buildingBlockOf": ("proteins", "{s} is a building block of {o}."),
    "raises": ("proteins", "Taking {s} raises the levels of {o}."),
    "lowers": ("chemicals", "{s} lowers the amount of {o} in the blood."),
    "affects": ("chemicals", "{s} may affect {o} in the brain."),
    "brokenDownIn": ("anatomy", "{s} is broken down in the {o}."),
    "fuels": ("anatomy", "{s} is fuel for the {o}."),
    "protects": ("anatomy", "{s} might protect the {o} in times of stress."),
    "supports": ("processes", "{s} might support {o}."),
    "producedCommerciallyBy": ("processes", "{s} for commercial use is made by {o}."),
}
#: Physiology relation -> sentence template.
PHYSIOLOGY = {
    "producedIn": "{s} is produced in the {o}.",
    "usedBy": "The {o} uses {s}.",
    "distributedBy": "{s} is carried to the organs by the {o}.",
    "mostAbundantIn": "{s} is the most abundant amino acid in the {o}.",
}

_SYLLABLES = ["ba", "ce", "di", "fo", "gu", "ka", "le", "mi", "no", "pu", "ra", "se", "ti", "vo", "xa", "ze",
              "lo", "ri", "ta", "mu", "ne", "so", "vi", "du"]
_KIND_OFFSET = {"substance": 0, "drug": 1, "class": 2, "parent": 3, "condition": 4, "population": 5,
                "anatomy": 6, "chemical": 7, "protein": 8, "process": 9, "organism": 10, "form": 11, "brand": 12}
_SPAN = 20_000
_SCATTER = 100_003  # prime, so coprime to 24**4
_DRUG_SUFFIXES = ["azole", "pril", "statin", "mycin", "tide", "vir", "olol", "pine", "mab", "cillin", "zepam",
                  "sartan"]
_CLASS_SUFFIXES = ["blockers", "inhibitors", "agonists", "antagonists", "modulators", "agents"]
_CONDITION_SUFFIXES = ["syndrome", "disease", "disorder", "deficiency", "fever", "palsy"]
_SUBSTANCE_SUFFIXES = ["ine", "ol", "ate", "ide", "an", "ose"]


def _slug(label: str) -> str:
    out = "".join(c if c.isalnum() else "-" for c in label.lower())
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass
class Entity:
    """A pool entity, written the same way into every file that uses it."""

    id: str
    type: str
    label: str
    synonyms: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    member_of: list[str] = field(default_factory=list)
    description: str | None = None
    min_age: int | None = None
    max_age: int | None = None

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type, "label": self.label}
        if self.synonyms:
            out["synonyms"] = list(self.synonyms)
        if self.brands:
            out["brands"] = list(self.brands)
        if self.member_of:
            out["member_of"] = list(self.member_of)
        if self.description:
            out["description"] = self.description
        if self.min_age is not None:
            out["min_age_years"] = self.min_age
        if self.max_age is not None:
            out["max_age_years"] = self.max_age
        return out


class World:
    """The shared vocabulary of a synthetic collection, fixed by ``seed``."""

    def __init__(self, seed: int = DEFAULT_SEED):
        self.seed = seed
        rng = random.Random(f"skg-synth/{seed}/syllables")
        self._syllables = list(_SYLLABLES)
        rng.shuffle(self._syllables)
        self.parents = [self._parent(i) for i in range(POOLS["parent_classes"])]
        self.classes = [self._class(i) for i in range(POOLS["classes"])]
        self.members: dict[str, list[Entity]] = {}
        self.drugs: dict[str, Entity] = {}
        n = 0
        for c in self.classes:
            members = []
            for _ in range(POOLS["class_members"]):
                d = self._drug(n, [c.id])
                n += 1
                members.append(d)
                self.drugs[d.id] = d
            self.members[c.id] = members
        self.standalone = []
        for _ in range(POOLS["standalone_drugs"]):
            d = self._drug(n, [])
            n += 1
            self.standalone.append(d)
            self.drugs[d.id] = d
        self.class_by_id = {c.id: c for c in [*self.parents, *self.classes]}
        self.conditions = [self._condition(i) for i in range(POOLS["conditions"])]
        self.populations = self._populations()
        self.anatomy = [self._simple("anatomy", "AnatomicalEntity", i, "tissue") for i in range(POOLS["anatomy"])]
        self.chemicals = [self._simple("chemical", "ChemicalEntity", i, "acid") for i in range(POOLS["chemicals"])]
        self.proteins = [self._simple("protein", "Protein", i, "ase") for i in range(POOLS["proteins"])]
        self.processes = [self._simple("process", "BiologicalProcess", i, "cycle") for i in range(POOLS["processes"])]
        self.organisms = [self._simple("organism", "Organism", i, "bacteria") for i in range(POOLS["organisms"])]
        self.forms = [self._form(i) for i in range(POOLS["forms"])]

    # -- names ---------------------------------------------------------------------------------

    def word(self, kind: str, index: int) -> str:
        """An invented word, unique for (kind, index): four syllables from a seeded alphabet."""
        base = len(self._syllables)
        # A bijection of [0, base**4): multiplying by a number coprime to it scatters neighbours.
        code = ((_KIND_OFFSET[kind] * _SPAN + index + 1) * _SCATTER) % base**4
        parts = []
        for _ in range(4):
            code, digit = divmod(code, base)
            parts.append(self._syllables[digit])
        return "".join(parts)

    def _rng(self, *key: object) -> random.Random:
        return random.Random("skg-synth/" + "/".join(str(k) for k in (self.seed, *key)))

    # -- pools -----------------------------------------------------------------------------------

    def _parent(self, i: int) -> Entity:
        root = self.word("parent", i)
        label = f"{root} system agents"
        return Entity(_slug(label), "DrugClass", label, synonyms=[f"{root} medications"],
                      description=f"Medications that act on the {root} system.")

    def _class(self, i: int) -> Entity:
        rng = self._rng("class", i)
        root = self.word("class", i)
        label = f"{root} {_CLASS_SUFFIXES[i % len(_CLASS_SUFFIXES)]}"
        parent = self.parents[rng.randrange(len(self.parents))]
        return Entity(_slug(label), "DrugClass", label, synonyms=[f"medications used to treat {root} conditions"],
                      member_of=[parent.id], description=f"Medications used to treat {root} conditions.")

    def _drug(self, n: int, classes: list[str]) -> Entity:
        rng = self._rng("drug", n)
        label = self.word("drug", n) + _DRUG_SUFFIXES[n % len(_DRUG_SUFFIXES)]
        brands = [_cap(self.word("brand", 2 * n + k)[:6 + k]) + "x" for k in range(rng.choice([0, 1, 1, 1, 2]))]
        synonyms = [f"{label} sodium"] if rng.random() < 0.3 else []
        return Entity(label, "Drug", label, synonyms=synonyms, brands=brands, member_of=list(classes),
                      description="A made-up drug of the synthetic benchmark collection.")

    def _condition(self, i: int) -> Entity:
        rng = self._rng("condition", i)
        root = self.word("condition", i)
        label = f"{root} {_CONDITION_SUFFIXES[i % len(_CONDITION_SUFFIXES)]}"
        synonyms = [f"{root} illness"] if rng.random() < 0.5 else []
        return Entity(_slug(label), "Condition", label, synonyms=synonyms, description=f"A made-up condition ({root}).")

    def _populations(self) -> list[Entity]:
        ages = [("adults aged 18 years and over", 18, None), ("children aged 3 to 18 years", 3, 18),
                ("children aged 6 to 12 years", 6, 12), ("adolescents aged 12 to 18 years", 12, 18),
                ("older adults aged 65 years and over", 65, None), ("infants under 2 years", 0, 2)]
        out = [Entity(_slug(label), "Population", label, min_age=lo, max_age=hi) for label, lo, hi in ages]
        i = 0
        while len(out) < POOLS["populations"]:
            root = self.word("population", i)
            label = f"people with {root} {_CONDITION_SUFFIXES[i % len(_CONDITION_SUFFIXES)]}"
            out.append(Entity(_slug(label), "Population", label, description=f"People who have {root}."))
            i += 1
        return out

    def _simple(self, kind: str, etype: str, i: int, suffix: str) -> Entity:
        label = f"{self.word(kind, i)} {suffix}" if kind != "protein" else self.word(kind, i) + suffix
        return Entity(_slug(label), etype, label)

    def _form(self, i: int) -> Entity:
        kinds = ["tablet", "capsule", "powder", "suspension", "solution", "cream"]
        label = f"{self.word('form', i)} {kinds[i % len(kinds)]}"
        return Entity(_slug(label), "DosageForm", label)

    def substance(self, index: int) -> Entity:
        label = self.word("substance", index) + _SUBSTANCE_SUFFIXES[index % len(_SUBSTANCE_SUFFIXES)]
        return Entity(label, "Substance", label, synonyms=[f"{label} supplement"],
                      description=f"A made-up supplement (synthetic monograph {index + 1}).")


# ------------------------------------------------------------------------------------------------
# One monograph


class _Text:
    """The generated source text, section by section; every quote is one of its sentences."""

    def __init__(self) -> None:
        self.sections: list[tuple[str, str, str, list[list[str]]]] = []

    def section(self, sid: str, title: str, heading: str) -> None:
        self.sections.append((sid, title, heading, [[]]))

    def say(self, sentence: str) -> str:
        self.sections[-1][3][-1].append(sentence)
        return sentence

    def paragraph(self) -> None:
        if self.sections[-1][3][-1]:
            self.sections[-1][3].append([])

    def render(self) -> str:
        blocks = []
        for _sid, _title, heading, paragraphs in self.sections:
            blocks.append(heading)
            blocks.extend(" ".join(p) for p in paragraphs if p)
        return "\n\n".join(blocks) + "\n"


def monograph(world: World, index: int) -> tuple[dict[str, Any], str]:
    """Monograph ``index`` of ``world``: its data (as the YAML file holds it) and its source text."""
    rng = world._rng("monograph", index)
    sub = world.substance(index)
    S = _cap(sub.label)
    mono_id = f"synth-{index + 1:05d}-{sub.id}"
    text = _Text()
    entities: dict[str, Entity] = {sub.id: sub}
    quotes: dict[str, list[str]] = {}

    def use(*items: Entity) -> None:
        for e in items:
            entities.setdefault(e.id, e)

    conditions = rng.sample(world.conditions, COUNTS["conditions"])
    populations = world.populations[:2] + rng.sample(world.populations[2:], COUNTS["populations"] - 2)
    anatomy = rng.sample(world.anatomy, COUNTS["anatomy"])
    chemicals = rng.sample(world.chemicals, COUNTS["chemicals"])
    proteins = rng.sample(world.proteins, COUNTS["proteins"])
    processes = rng.sample(world.processes, COUNTS["processes"])
    organism = rng.choice(world.organisms)
    form = rng.choice(world.forms)
    class_a, class_b = rng.sample(world.classes, 2)
    members_a = world.members[class_a.id]
    members_b = rng.sample(world.members[class_b.id], rng.randint(1, 3))
    standalone = rng.sample(world.standalone, 4)
    direct, co_drugs = standalone[0], standalone[1:]
    parents = [world.class_by_id[c.member_of[0]] for c in (class_a, class_b)]
    use(*conditions, *populations, *anatomy, *chemicals, *proteins, *processes, organism, form,
        *parents, class_a, class_b, *members_a, *members_b, *standalone)

    # --- overview and uses ---------------------------------------------------------------------
    text.section("overview", "Overview", f"{S} overview")
    text.say(f"{S} is a made-up supplement described by a synthetic monograph.")
    text.say("It stands in for a real monograph in scale tests of the knowledge graph.")
    text.paragraph()
    text.section("uses", "Uses", f"What is {sub.label} used for?")
    claimed = []
    used = conditions[8:8 + COUNTS["claimed_uses"]]
    for start in range(0, len(used), 3):
        group = used[start:start + 3]
        sentence = text.say(f"People use {sub.label} for " + _series([c.label for c in group]) + ".")
        for c in group:
            record: dict[str, Any] = {"id": f"use-{c.id}", "condition": c.id}
            if rng.random() < 0.4:
                record["population"] = rng.choice(populations).id
            if rng.random() < 0.5:
                record["context"] = f"self-treatment of {c.label}"
            record["quote"] = sentence
            claimed.append(record)
        if start % 9 == 6:
            text.paragraph()
    text.section("manufacture", "Commercial production", f"How {sub.label} is made")
    mechanisms: list[dict[str, Any]] = []
    mechanisms.append({"id": "mech-commercial-production", "subject": sub.id, "relation": "producedCommerciallyBy",
                       "object": processes[0].id, "context": f"using {organism.label}",
                       "quote": text.say(f"{S} for commercial use is made by {processes[0].label} using "
                                         f"{organism.label}.")})

    # --- mechanism -----------------------------------------------------------------------------
    text.section("mechanism", "How does it work?", f"How does {sub.label} work?")
    objects = {"chemicals": list(chemicals), "proteins": list(proteins), "anatomy": list(anatomy),
               "processes": list(processes[1:])}
    relations = [r for r in MECHANISMS if r != "producedCommerciallyBy"]
    n = 0
    while len(mechanisms) < COUNTS["mechanisms"] - 3:
        relation = relations[n % len(relations)]
        pool, template = MECHANISMS[relation]
        candidates = objects[pool]
        obj = candidates[(n // len(relations)) % len(candidates)]
        n += 1
        record = {"id": f"mech-{_slug(relation)}-{obj.id}", "subject": sub.id, "relation": relation, "object": obj.id}
        if any(m["id"] == record["id"] for m in mechanisms):
            continue
        sentence = text.say(_cap(template.format(s=sub.label, o=obj.label)))
        if rng.random() < 0.3:
            record["context"] = f"in times of stress ({obj.label})"
        if rng.random() < 0.15:
            record["proportion"] = round(rng.uniform(0.1, 0.9), 2)
            sentence = [sentence, text.say(f"About {int(record['proportion'] * 100)}% of this goes to {obj.label}.")]
        record["quote"] = sentence
        mechanisms.append(record)
        if n % 5 == 0:
            text.paragraph()
    # Drugs and classes act on the same chemicals: paths from a drug to the supplement exist.
    shared = chemicals[0]
    mechanisms.append({"id": f"mech-{class_a.id}-affects-{shared.id}", "subject": class_a.id, "relation": "affects",
                       "object": shared.id, "quote": text.say(f"{_cap(class_a.label)} affect {shared.label}.")})
    mechanisms.append({"id": f"mech-{direct.id}-lowers-{chemicals[1].id}", "subject": direct.id, "relation": "lowers",
                       "object": chemicals[1].id,
                       "quote": text.say(f"{_cap(direct.label)} lowers {chemicals[1].label} in the body.")})
    mechanisms.append({"id": f"mech-also-affects-{shared.id}", "subject": sub.id, "relation": "affects",
                       "object": shared.id, "context": "may also affect it",
                       "quote": text.say(f"{S} may also affect {shared.label}.")})
    text.paragraph()
    physiology = []
    for k in range(COUNTS["physiology"]):
        relation = list(PHYSIOLOGY)[k % len(PHYSIOLOGY)]
        obj = anatomy[k]
        record = {"id": f"phys-{_slug(relation)}-{obj.id}", "subject": sub.id, "relation": relation, "object": obj.id}
        if relation == "producedIn" and k < 4:
            record["proportion"] = round(rng.uniform(0.2, 0.8), 1)
            record["quote"] = text.say(f"The {obj.label} accounts for {int(record['proportion'] * 100)}% of all "
                                       f"{sub.label} production.")
        else:
            record["quote"] = text.say(_cap(PHYSIOLOGY[relation].format(s=sub.label, o=obj.label)))
        physiology.append(record)

    # --- effectiveness and findings ------------------------------------------------------------
    assessed = conditions[:COUNTS["effectiveness"]]
    # every level once, the rest weighted like a real collection (mostly weak evidence)
    levels = {c.id: LEVELS[k] if k < len(LEVELS) else rng.choices(LEVELS, _LEVEL_WEIGHTS)[0]
              for k, c in enumerate(assessed)}
    effectiveness, findings = [], []
    for level in LEVELS:
        group = [c for c in assessed if levels[c.id] == level]
        if not group:
            continue
        text.section(level, _cap(level.replace("-", " ")) + " for", _LEVEL_HEADINGS[level])
        for c in group:
            routes = sorted(rng.sample(ROUTES[:3], rng.randint(0, 2)))
            how = f" {_ROUTE_WORDS[routes[0]]}" if routes else ""
            record: dict[str, Any] = {"id": f"eff-{c.id}", "condition": c.id, "level": level}
            if routes:
                record["routes"] = routes
            population = rng.choice(populations) if rng.random() < 0.5 else None
            if population is not None:
                record["population"] = population.id
            record["summary"] = f"{S}{how} {_LEVEL_PHRASES[level]} {c.label}."
            record["quote"] = text.say(f"{_cap(c.label)}. Taking {sub.label}{how} {_LEVEL_PHRASES[level]} "
                                       f"{c.label}.")
            effectiveness.append(record)
            text.paragraph()
    # findings: two for most assessments, each its own sentence in the assessment's section
    section_of = {e["id"]: levels[e["condition"]] for e in effectiveness}
    by_section: dict[str, list[str]] = {}
    for k in range(COUNTS["findings"]):
        e = effectiveness[k % len(effectiveness)]
        c = e["condition"]
        direction = DIRECTIONS[(k + index) % len(DIRECTIONS)] if k % 3 else "improves"
        outcome = f"{['symptoms', 'severity', 'duration', 'relapse', 'quality of life'][k % 5]} of " \
                  f"{entities[c].label}"
        record = {"id": f"find-{k + 1:02d}-{c}", "assessment": e["id"], "condition": c, "outcome": outcome,
                  "direction": direction}
        if e.get("routes"):
            record["routes"] = list(e["routes"])
        if e.get("population"):
            record["population"] = e["population"]
        if k % 4 == 1:
            record["co_intervention"] = co_drugs[k % len(co_drugs)].id
            extra = f" together with {co_drugs[k % len(co_drugs)].label}"
        else:
            extra = ""
        sentence = (f"In study {k + 1} of {S}, taking {sub.label}{extra} {_DIRECTION_PHRASES[direction]} the "
                    f"{outcome}.")
        record["quote"] = sentence
        by_section.setdefault(section_of[e["id"]], []).append(sentence)
        findings.append(record)
    # put the finding sentences at the end of their level's section
    for sid, _title, _heading, paragraphs in text.sections:
        if sid in by_section:
            paragraphs.append(by_section[sid])

    # --- safety, precautions -------------------------------------------------------------------
    text.section("safety", "Side effects and safety", f"Is {sub.label} safe?")
    adult, child = world.populations[0], world.populations[1]
    oral_amount = rng.choice([5, 10, 20, 30, 40])
    per_kg = rng.choice([0.2, 0.3, 0.5, 0.7])
    iv_amount = rng.choice([100, 200, 300, 500])
    limits = [
        {"id": "limit-adult-oral", "route": "oral", "population": adult.id, "min_age_years": 18, "max_amount": oral_amount,
         "unit": "g", "per_kg": False, "period": "P1D", "rating": "likely-safe",
         "quote": text.say(f"Adults: {S} is LIKELY SAFE when taken by mouth in doses up to {oral_amount} grams "
                           f"per day.")},
        {"id": "limit-child-oral", "route": "oral", "population": child.id, "min_age_years": 3, "max_age_years": 18,
         "max_amount": per_kg, "unit": "g", "per_kg": True, "period": "P1D", "rating": "possibly-safe",
         "quote": text.say(f"Children aged 3 to 18 years should not be given more than {per_kg} grams of "
                           f"{sub.label} per kg of weight daily.")},
        {"id": "limit-adult-iv", "route": "intravenous", "population": adult.id, "min_age_years": 18,
         "max_amount": iv_amount, "unit": "mg", "per_kg": True, "period": "P1D",
         "rating": rng.choice(RATINGS[1:]),
         "quote": text.say(f"Given intravenously, adults should not get more than {iv_amount} mg per kg of "
                           f"{sub.label} daily.")},
    ]
    text.section("precautions", "Special precautions and warnings", "Special precautions and warnings:")
    precautions = []
    subjects = [*conditions[COUNTS["conditions"] - 4:], *populations[2:5]]
    for k, subject in enumerate(subjects[:COUNTS["precautions"]]):
        strength = STRENGTHS[(k + index) % len(STRENGTHS)]
        sentence = text.say(f"{_cap(subject.label)}: people in this group {_STRENGTH_PHRASES[strength]} "
                            f"{sub.label}, because it might make things worse.")
        precautions.append({"id": f"prec-{subject.id}", "subject": subject.id, "strength": strength,
                            "rationale": f"{sub.label} might make things worse for {subject.label}.",
                            "quote": sentence})

    # --- interactions --------------------------------------------------------------------------
    text.section("interactions", "Interactions", "Interactions with other drugs and medications:")
    interactions = []
    for target, members in ((class_a, members_a), (class_b, members_b), (direct, None)):
        severity = SEVERITIES[rng.randrange(3)] if members is not None else rng.choice(["moderate", "minor"])
        title = text.say(f"{_cap(target.label)} interact with {sub.label.upper()}.")
        mechanism_sentence = text.say(f"{_cap(target.label)} affect {shared.label}. {S} may also affect "
                                      f"{shared.label}, so it might change how well {target.label} work.")
        pieces = [title, mechanism_sentence]
        if members is not None:
            names = [f"{d.label} ({', '.join(d.brands)})" if d.brands else d.label for d in members]
            listing = text.say(f"Some {target.label} include {_series(names)}.")
            pieces.append(listing)
            for d, name in zip(members, names):
                quotes.setdefault(d.id, [name])
            quotes.setdefault(target.id, [listing])
        pieces.append(text.say(_SEVERITY_LINES[severity] + "."))
        interactions.append({
            "id": f"int-{target.id}", "interactant": target.id, "severity": severity, "likelihood": "possible",
            "effect": f"{S} might change how well {target.label} work.",
            "mechanism": f"Both affect {shared.label}.",
            "recommendation": _SEVERITY_LINES[severity].split("Interaction ")[1] + ".",
            "quote": pieces,
        })
        text.paragraph()

    # --- dosing and studies --------------------------------------------------------------------
    text.section("dosing", "Doses studied in scientific research",
                 f"The following doses of {sub.label} have been studied in scientific research:")
    dosing = []
    for k, c in enumerate(conditions[:2]):
        amount = rng.choice([2, 4, 5, 10, 15])
        record: dict[str, Any] = {"id": f"dose-{c.id}", "indication": c.id, "route": "oral"}
        if k == 0:
            record.update({"amount": amount, "unit": "g", "per_kg": False, "interval": "PT8H",
                           "frequency": "three times daily", "form": form.id, "administration": "with water",
                           "start": "first symptoms", "stop": "resolution of symptoms"})
            sentence = text.say(f"For {c.label}: {amount} grams of {sub.label} as {form.label} three times daily "
                                f"with water, from the first symptoms until they resolve.")
        else:
            record.update({"min_amount": amount, "max_amount": amount * 2, "unit": "g", "per_kg": False,
                           "period": "P1D", "frequency": "daily"})
            sentence = text.say(f"For {c.label}: {amount} to {amount * 2} grams of {sub.label} daily.")
        record["quote"] = sentence
        dosing.append(record)
    text.section("research", "Research", f"Research on {sub.label}")
    studies = []
    for k in range(COUNTS["studies"]):
        population = populations[5 + k]
        measured = proteins[k % len(proteins)]
        size = rng.randint(12, 400)
        effect = round(rng.uniform(1.1, 4.0), 1)
        sentence = text.say(f"In a randomised trial of {size} {population.label}, {sub.label} raised {measured.label} "
                            f"levels {effect}-fold from baseline [R].")
        studies.append({"id": f"study-{k + 1}-{measured.id}", "design": "randomised controlled trial",
                        "sample_size": size, "population": population.id, "measured": measured.id,
                        "outcome": f"{measured.label} levels", "effect_size": effect,
                        "effect_size_unit": "fold change from baseline", "study_count": 1, "citation_count": 1,
                        "quote": sentence})

    source_name = f"{mono_id}.txt"
    entity_data = []
    order = ["Substance", "ChemicalEntity", "Protein", "Drug", "DrugClass", "Condition", "Population",
             "AnatomicalEntity", "BiologicalProcess", "Organism", "DosageForm"]
    for e in sorted(entities.values(), key=lambda e: (order.index(e.type), e.id)):
        item = e.data()
        if e.id in quotes:
            item["quote"] = quotes[e.id][0]
        entity_data.append(item)
    data = {
        "format": FORMAT,
        "monograph": {
            "id": mono_id,
            "title": S,
            "substance": sub.id,
            "source_text": source_name,
            "licence": "https://creativecommons.org/publicdomain/zero/1.0/",
            "version": "1.0.0",
            "curated_by": f"kg synth (seed {world.seed}); synthetic data for benchmarks, not medical information",
            "documents": [{"id": "synthetic", "title": f"Synthetic monograph of {sub.label}", "kind": "synthetic monograph",
                           "note": "Generated text; every name in it is invented."}],
            "sections": [{"id": sid, "title": title, "document": "synthetic", "starts": heading}
                         for sid, title, heading, _ in text.sections],
        },
        "entities": entity_data,
        "effectiveness": effectiveness,
        "findings": findings,
        "claimed_uses": claimed,
        "interactions": interactions,
        "precautions": precautions,
        "safety_limits": limits,
        "dosing": dosing,
        "mechanisms": mechanisms,
        "physiology": physiology,
        "studies": studies,
    }
    return data, text.render()


def _series(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + f", and {items[-1]}"


# ------------------------------------------------------------------------------------------------
# Writing


def dumps(data: dict[str, Any]) -> str:
    """The data file text: block style, keys in record order, no aliases."""
    header = ("# Synthetic monograph written by 'kg synth': invented names and text, for scale tests and\n"
              "# benchmarks only. Not medical information.\n")
    import yaml

    class _Dumper(yaml.SafeDumper):
        """Safe YAML without anchors or aliases (the loader refuses aliases)."""

        def ignore_aliases(self, data):  # noqa: D401 - PyYAML hook
            return True

    return header + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def write(count: int, out: str | Path, *, seed: int = DEFAULT_SEED, start: int = 0) -> list[Path]:
    """Write monographs ``start .. start+count-1`` of the world of ``seed`` into folder ``out``
    (a data file and its source text each); returns the data files written.

    :raises UsageError: for a count below 1 or an output path that is a file.
    """
    from kg.errors import UsageError
    from kg.fileio import local_path, write_text

    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise UsageError(f"the number of monographs must be a whole number of at least 1, not {count!r}")
    folder = local_path(out, what="output folder")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"output path is a file, not a folder: {folder}")
    folder.mkdir(parents=True, exist_ok=True)
    world = World(seed)
    written = []
    for index in range(start, start + count):
        data, text = monograph(world, index)
        name = data["monograph"]["id"]
        write_text(folder / data["monograph"]["source_text"], text)
        write_text(folder / f"{name}.yaml", dumps(data))
        written.append(folder / f"{name}.yaml")
    return written
