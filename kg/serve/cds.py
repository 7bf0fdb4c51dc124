"""CDS Hooks 2.0 services over the patient check: discovery, and a call that turns an EHR's FHIR R4
medication list into cards (https://cds-hooks.hl7.org/2.0/).

Three services, one per hook: ``order-select``, ``order-sign`` and ``patient-view``. A call reads
``context`` (``draftOrders``, a Bundle of MedicationRequest; ``selections``) and ``prefetch``
(``medications``/``statements``: searchset Bundles of the patient's MedicationRequest and
MedicationStatement; ``patient``; ``conditions``). A medication is recognised from its RxNorm
codings, from a ``medicationReference`` to a contained or bundled Medication, and from free text
("Moonpetal powder 5 g"). Each supplement-drug interaction between the orders and the rest of
the list (for ``patient-view``: within the whole list) becomes a card; a precaution that matches
the patient and a supplement ordered becomes one too. Nothing applies: ``{"cards": []}``.

The service is offline by default: it never fetches from the EHR's ``fhirServer``, and a call
whose prefetch lacks the medications is refused with 412 (Precondition Failed), as the
specification asks of a service that cannot get its data. Started with ``kg serve --fhir-server
URL``, it fetches what the prefetch lacks from that server only (:mod:`kg.serve.fhirfetch`). Everything here is plain data in, plain data out; the HTTP layer
(status codes for bad JSON, content type, body size) is :mod:`kg.serve.app`'s.
"""

from __future__ import annotations

import copy
import re
import threading
import uuid
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from kg.errors import KGError, UsageError
from kg.sparql.engine import Engine
from kg.sparql.guards import DEFAULT_TIMEOUT

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
#: SNOMED CT "Pregnancy" and "Breastfeeding (mother)": conditions that match the pregnancy precaution.
_STATE_CODES = {"77386006": "pregnant", "413712001": "breast_feeding"}
_STATE_WORDS = {"pregnan": "pregnant", "breastfeed": "breast_feeding", "breast-feed": "breast_feeding",
                "lactat": "breast_feeding"}
#: Severity -> card indicator (CDS Hooks: info, warning, critical).
INDICATOR = {"major": "critical", "moderate": "warning", "minor": "info"}
PRECAUTION_INDICATOR = {"do-not-use": "critical", "avoid": "warning", "caution": "info"}
MAX_SUMMARY = 140
#: A FHIR ``date``: a year, a year and month, or a full date.
_FHIR_DATE = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")
#: Medications a call may list (orders and prefetch together): a bound on the work one call makes.
MAX_MEDICATIONS = 200
#: A namespace for the cards' uuids: a card's uuid is derived from the call and what it says.
_CARD_NS = uuid.UUID("6f1d3c52-93a4-5d0e-9a57-2b8c1c0f4e11")

PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "medications": "MedicationRequest?patient={{context.patientId}}&status=active&_include=MedicationRequest:medication",
    "statements": "MedicationStatement?subject={{context.patientId}}&status=active&_include=MedicationStatement:medication",
    "conditions": "Condition?patient={{context.patientId}}&clinical-status=active",
}

SERVICES = {
    "supplement-interactions-order-select": {
        "hook": "order-select",
        "title": "Supplement-drug interactions (order select)",
        "description": ("Checks the medications being selected against the patient's medication list for "
                        "interactions between supplements and drugs that the supplement monographs state, "
                        "with the verbatim text each warning rests on."),
    },
    "supplement-interactions-order-sign": {
        "hook": "order-sign",
        "title": "Supplement-drug interactions (order sign)",
        "description": ("Before orders are signed: interactions between the supplements and drugs ordered and "
                        "the rest of the patient's medication list, as the supplement monographs state them."),
    },
    "supplement-interactions-patient-view": {
        "hook": "patient-view",
        "title": "Supplement-drug interactions (patient view)",
        "description": ("When the chart is opened: interactions between the supplements and drugs on the "
                        "patient's medication list, as the supplement monographs state them."),
    },
}


class CdsError(KGError):
    """A call the service refuses: ``status`` is the HTTP status (400, 404, 412)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def discovery() -> dict:
    """The discovery document (``GET /cds-services``)."""
    return {"services": [{"hook": s["hook"], "title": s["title"], "description": s["description"], "id": sid,
                          "prefetch": dict(PREFETCH)} for sid, s in SERVICES.items()]}


@dataclass
class Medication:
    """One medication of the call: where it came from and the names it can be known by."""

    ref: str  # "MedicationRequest/123", or the position in its bundle
    order: bool  # one of the orders the hook is about
    codes: list[str] = field(default_factory=list)  # "RXNORM:2555"
    names: list[str] = field(default_factory=list)  # codings' displays, text
    shown: str = ""  # how the EHR names it, for the card


def call(service_id: str, body: Any, *, engine: Engine, page_url: str = "/",
         timeout: float = DEFAULT_TIMEOUT, today: date | None = None, fetcher=None) -> dict:
    """The cards of one hook call (``POST /cds-services/{id}``).

    ``fetcher`` (a :class:`kg.serve.fhirfetch.Fetcher`, only when ``kg serve --fhir-server`` was
    given) fetches the prefetch keys the call lacks from its ``fhirServer``, if that is one the
    fetcher was given; without one the service fetches nothing.

    :raises CdsError: 404 for an unknown service, 400 for a request that is not a CDS Hooks call
        of this service's hook or whose FHIR resources are malformed, 412 when the prefetch lacks
        the medication list and it cannot be fetched (502 or 504 when the FHIR server fails).
    """
    service = SERVICES.get(service_id)
    if service is None:
        raise CdsError(404, f"no CDS service {service_id!r}; known: {', '.join(SERVICES)}")
    if not isinstance(body, dict):
        raise CdsError(400, "the request body must be a JSON object")
    if body.get("hook") != service["hook"]:
        raise CdsError(400, f"service {service_id!r} answers hook {service['hook']!r}, not {body.get('hook')!r}")
    instance = body.get("hookInstance")
    if not isinstance(instance, str) or not instance.strip():
        raise CdsError(400, "hookInstance must be a non-empty string")
    context = body.get("context")
    if not isinstance(context, dict):
        raise CdsError(400, "context must be a JSON object")
    prefetch = body.get("prefetch")
    if prefetch is None:
        prefetch = {}
    if not isinstance(prefetch, dict):
        raise CdsError(400, "prefetch must be a JSON object")
    if fetcher is not None:
        prefetch = fetched(body, fetcher).get("prefetch") or {}
    lists = {k: prefetch.get(k) for k in ("medications", "statements") if prefetch.get(k) is not None}
    if not lists:
        server = body.get("fhirServer")
        why = ("no fhirServer was given either" if not server else
               "this service is offline (started without --fhir-server) and does not fetch from fhirServer"
               if fetcher is None else
               f"fhirServer {str(server)[:80]!r} is not a server this service was started to fetch from "
               "(kg serve --fhir-server)" if fetcher.allowed(server) is None else "the FHIR server returned none")
        raise CdsError(412, f"prefetch 'medications' (the patient's medication list) is missing; {why}")

    meds: list[Medication] = []
    orders = _orders(service["hook"], context)
    for key, bundle in lists.items():
        meds += _medications(bundle, f"prefetch {key!r}", order_ids=set())
    if orders is not None:
        bundle, selected = orders
        meds += _medications(bundle, "context.draftOrders", order_ids=selected)
    if len(meds) > MAX_MEDICATIONS:
        raise CdsError(400, f"too many medications in one call ({len(meds)}; at most {MAX_MEDICATIONS})")
    patient = _patient(prefetch.get("patient"), prefetch.get("conditions"), today or date.today())
    return {"cards": _cards(service_id, service["hook"], instance, meds, patient, engine, page_url, timeout)}


def fetched(body: Any, fetcher) -> Any:
    """``body`` with the prefetch keys it lacks fetched by ``fetcher`` from its ``fhirServer``
    (``body`` itself when nothing is missing, its fhirServer is not one the fetcher may fetch from,
    or it is not a call)."""
    if not isinstance(body, dict) or fetcher.allowed(body.get("fhirServer")) is None:
        return body  # (call() refuses a call without its medication list, saying why)
    prefetch = body.get("prefetch")
    prefetch = {} if prefetch is None else prefetch
    if not isinstance(prefetch, dict):
        return body  # call() refuses it
    missing = [k for k in PREFETCH if k not in prefetch]
    if not missing:
        return body
    return {**body, "prefetch": {**prefetch, **fetcher.prefetch(body, PREFETCH, missing)}}


# ---------------------------------------------------------------------------------------------
# reading FHIR


def _orders(hook: str, context: dict) -> tuple[Any, set[str] | None] | None:
    """The draft orders bundle and the ids of the orders the call is about (None: every one)."""
    if hook == "patient-view":
        return None
    bundle = context.get("draftOrders")
    if bundle is None:
        raise CdsError(400, f"{hook}: context.draftOrders (a Bundle of the orders) is missing")
    selected = None
    if hook == "order-select":
        selections = context.get("selections")
        if not isinstance(selections, list) or not all(isinstance(s, str) for s in selections):
            raise CdsError(400, "order-select: context.selections must be a list of references such as "
                                "'MedicationRequest/123'")
        selected = set(selections)
    return bundle, selected


def _resources(bundle: Any, where: str) -> list[dict]:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise CdsError(400, f"{where} must be a FHIR Bundle")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise CdsError(400, f"{where}: entry must be a list")
    out = []
    for n, e in enumerate(entries):
        resource = e.get("resource") if isinstance(e, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise CdsError(400, f"{where}: entry {n} has no FHIR resource")
        out.append(resource)
    return out


def _medications(bundle: Any, where: str, *, order_ids: set[str] | None) -> list[Medication]:
    """The medications of a bundle; ``order_ids``: the orders among them (None: all, empty: none)."""
    resources = _resources(bundle, where)
    bundled = {f"Medication/{r.get('id')}": r for r in resources if r.get("resourceType") == "Medication"}
    out = []
    for n, r in enumerate(resources):
        kind = r["resourceType"]
        if kind not in ("MedicationRequest", "MedicationStatement"):
            continue
        ref = f"{kind}/{r['id']}" if isinstance(r.get("id"), str) else f"{where} entry {n}"
        med = Medication(ref=ref, order=order_ids is None or ref in order_ids)
        if "medicationCodeableConcept" in r:
            _concept(med, r["medicationCodeableConcept"], where)
        elif "medicationReference" in r:
            target = _referenced(r, bundled, where)
            if target is not None:
                _concept(med, target.get("code"), where)
        else:
            raise CdsError(400, f"{where}: {ref} names no medication (medicationCodeableConcept or "
                                "medicationReference)")
        out.append(med)
    return out


def _referenced(resource: dict, bundled: dict[str, dict], where: str) -> dict | None:
    ref = resource["medicationReference"]
    if not isinstance(ref, dict):
        raise CdsError(400, f"{where}: medicationReference must be a Reference")
    target = ref.get("reference")
    if isinstance(target, str) and target.startswith("#"):
        contained = [c for c in resource.get("contained") or [] if isinstance(c, dict)
                     and c.get("resourceType") == "Medication" and c.get("id") == target[1:]]
        return contained[0] if contained else None
    if isinstance(target, str):
        return bundled.get(target) or bundled.get("Medication/" + target.rsplit("/", 1)[-1])
    return None  # a display-only reference: nothing to read but its display
    

def _concept(med: Medication, concept: Any, where: str) -> None:
    if concept is None:
        return
    if not isinstance(concept, dict):
        raise CdsError(400, f"{where}: {med.ref}: a medication code must be a CodeableConcept")
    for coding in concept.get("coding") or []:
        if not isinstance(coding, dict):
            raise CdsError(400, f"{where}: {med.ref}: coding must be a list of Codings")
        code, display = coding.get("code"), coding.get("display")
        if coding.get("system") == RXNORM and isinstance(code, str) and code.strip():
            med.codes.append(f"RXNORM:{code.strip()}")
        if isinstance(display, str) and display.strip():
            med.names.append(display.strip())
    text = concept.get("text")
    if isinstance(text, str) and text.strip():
        med.names.insert(0, text.strip())
    med.shown = med.names[0] if med.names else (med.codes[0] if med.codes else med.ref)


def _birth_date(born: str) -> date:
    """A FHIR date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) as a date, from the first day of the
    year or month when only those are given."""
    if _FHIR_DATE.fullmatch(born):
        try:
            return date.fromisoformat((born + "-01-01")[:10])
        except ValueError:  # no such day: 1981-02-30, month 13, year 0000
            pass
    raise CdsError(400, f"prefetch 'patient': birthDate {born[:20]!r} is not a FHIR date (YYYY, YYYY-MM or "
                        "YYYY-MM-DD)")


def _patient(patient: Any, conditions: Any, today: date) -> dict:
    """Age, pregnancy, breast-feeding and condition names from the prefetched resources."""
    out: dict[str, Any] = {"age": None, "pregnant": False, "breast_feeding": False, "conditions": []}
    if isinstance(patient, dict) and patient.get("resourceType") == "Patient":
        born = patient.get("birthDate")
        if isinstance(born, str):
            birth = _birth_date(born)
            out["age"] = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    elif patient is not None:
        raise CdsError(400, "prefetch 'patient' must be a FHIR Patient")
    if conditions is not None:
        for c in _resources(conditions, "prefetch 'conditions'"):
            if c["resourceType"] != "Condition":
                continue
            code = c.get("code") if isinstance(c.get("code"), dict) else {}
            words = [code.get("text")] + [x.get("display") for x in code.get("coding") or [] if isinstance(x, dict)]
            for x in code.get("coding") or []:
                if isinstance(x, dict) and x.get("system") == SNOMED and x.get("code") in _STATE_CODES:
                    out[_STATE_CODES[x["code"]]] = True
            for w in (w for w in words if isinstance(w, str) and w.strip()):
                folded = w.casefold()
                state = next((v for k, v in _STATE_WORDS.items() if k in folded), None)
                if state:
                    out[state] = True
                elif w.strip() not in out["conditions"]:
                    out["conditions"].append(w.strip())
    return out


# ---------------------------------------------------------------------------------------------
# cards


def _cards(service_id, hook, instance, meds, patient, engine, page_url, timeout) -> list[dict]:
    from kg.answers import clinical
    from kg.answers.check import check

    drugs: dict[str, list[Medication]] = {}
    supplements: dict[str, list[Medication]] = {}
    for med in meds:
        for name, etype in _recognise(med, engine, timeout):
            (supplements if etype == "Substance" else drugs).setdefault(name, []).append(med)
    if not supplements:
        return []
    index = clinical._names(engine, timeout)
    conditions = [c for c in patient["conditions"]
                  if index.lookup(c, types=["Condition", "BiologicalProcess", "Procedure"], suggest=False).matches]
    key = (tuple(sorted(drugs)), tuple(sorted(supplements)), patient["age"], patient["pregnant"],
           patient["breast_feeding"], tuple(conditions))
    try:
        report = _kept_report(engine, key, lambda: check(
            list(key[0]), list(key[1]), age=patient["age"], pregnant=patient["pregnant"],
            breast_feeding=patient["breast_feeding"], conditions=conditions, engine=engine, timeout=timeout))
    except UsageError as exc:
        raise CdsError(400, str(exc)) from None
    quotes = {s["n"]: s for s in report["sources"]}
    link = _link(page_url, sorted(drugs), sorted(supplements), patient)
    cards = []
    for i in report["interactions"]:
        drug_meds = drugs.get(i["input"], [])
        supp_meds = supplements.get(i["supplement"], [])
        if hook != "patient-view" and not any(m.order for m in drug_meds + supp_meds):
            continue  # neither side is an order the clinician is acting on
        cards.append(_interaction_card(instance, i, quotes, link))
    ordered = {label for label, ms in supplements.items() if hook == "patient-view" or any(m.order for m in ms)}
    for p in report["precautions"]:
        if p["supplement"] in ordered and p["subject_type"] == "population":
            cards.append(_precaution_card(instance, p, quotes, link))
    return cards


#: Check reports kept per engine, by what was checked: a CDS client sends the same medication
#: list again and again (order-select on every change of the selection, then order-sign), and an
#: engine's graph does not change while it serves. The cards are made anew from a report each call.
REPORTS = 256
_reports: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_reports_lock = threading.Lock()


def _kept_report(engine, key, make) -> dict:
    """The report for ``key`` on ``engine``: a kept one, or ``make()`` kept for next time."""
    from kg.answers.clinical import _cached

    with _reports_lock:
        kept = _cached(_reports, engine, OrderedDict)  # (not kept for an engine without weak references)
        if key in kept:
            kept.move_to_end(key)
            return copy.deepcopy(kept[key])
    report = make()
    with _reports_lock:
        kept[key] = copy.deepcopy(report)
        while len(kept) > REPORTS:
            kept.popitem(last=False)
    return report


def _recognise(med: Medication, engine, timeout) -> list[tuple[str, str]]:
    """``(name, type)`` of what the medication is: by RxNorm code, by name, else names in its text."""
    from kg.answers import clinical

    types = ["Drug", "DrugClass", "Substance"]
    index = clinical._names(engine, timeout)  # every name, built once per engine: no query per code
    for key in [*med.codes, *med.names]:
        found = index.lookup(key, types=types, suggest=False).matches
        if found:
            m = found[0]
            return [(m.label if m.type == "Substance" else key, m.type)]
    out = []
    for text in med.names:
        for m in clinical.names_in(text, types, engine=engine, timeout=timeout):
            out.append((m["label"] if m["type"] == "Substance" else m["matched"], m["type"]))
        if out:
            break
    return out


def _link(page_url: str, drugs: list[str], supplements: list[str], patient: dict) -> str:
    params = [("drug", d) for d in drugs] + [("supplement", s) for s in supplements]
    if patient["age"] is not None:
        params.append(("age", str(patient["age"])))
    for key in ("pregnant", "breast_feeding"):
        if patient[key]:
            params.append((key.replace("_", "-"), "1"))
    params += [("condition", c) for c in patient["conditions"]]
    return f"{page_url}?{urlencode(params)}"


def _summary(text: str) -> str:
    return text if len(text) <= MAX_SUMMARY else text[:MAX_SUMMARY - 1].rstrip() + "…"


def _md(text: str) -> str:
    """Text from the graph, safe inside Markdown: no markup, links or HTML of its own."""
    out = []
    for ch in str(text):
        out.append("\\" + ch if ch in "\\`*_{}[]<>()#+!|~" else ch)
    return "".join(out)


def _card_id(instance: str, *parts: str) -> str:
    return str(uuid.uuid5(_CARD_NS, "\n".join([instance, *parts])))


def _source(label: str) -> dict:
    return {"label": f"{label} monograph (supplement knowledge graph)"}


def _quotes_md(numbers: list[int], quotes: dict) -> list[str]:
    """The numbered verbatim quotes, each with the section of the monograph's text it is in: one
    paragraph each of one block quote."""
    lines = []
    for n in (n for n in numbers if n in quotes):
        section = quotes[n].get("section")
        where = f"(section: {_md(section)}) " if section else ""
        lines += [">"] if lines else []
        lines.append(f"> [{n}] {where}\"{_md(quotes[n]['quote'])}\"")
    return lines


def _interaction_card(instance: str, i: dict, quotes: dict, link: str) -> dict:
    restricted = "; ".join(q["label"] for q in i["qualifiers"])
    lines = [
        f"**{_md(i['severity'].capitalize())} interaction**, likelihood {_md(i['likelihood'])}"
        f"{' (' + _md(restricted) + ')' if restricted else ''}.",
        "",
        f"- Effect: {_md(i['effect'])}",
        f"- Evidence: {_md(i['evidence_label'])}",
        f"- Basis: {_md(i['basis'])}" + (f". {_md(i['basis_note'])}" if i.get("basis_note") else ""),
        f"- How: {_md(' > '.join(i['chain']))}",
    ]
    if i["mechanism"]:
        lines.append(f"- Mechanism: {_md(i['mechanism'])}")
    lines += [f"- Recommendation: {_md(i['recommendation'])}", "", "What the monograph says:", "",
              *_quotes_md(i["sources"], quotes)]
    summary = f"{i['supplement']} with {i['drug']}: {i['severity']} interaction ({i['likelihood']})"
    return {
        "uuid": _card_id(instance, "interaction", i["statement"], i["drug"]),
        "summary": _summary(summary),
        "indicator": INDICATOR.get(i["severity"], "info"),
        "detail": "\n".join(lines),
        "source": _source(i["supplement"]),
        "links": [{"label": "Open this check", "url": link, "type": "absolute"}],
    }


def _precaution_card(instance: str, p: dict, quotes: dict, link: str) -> dict:
    lines = [f"**{_md(p['strength'])}**: {_md(p['subject'])} ({_md(p['why'])}).", "",
             f"- Why: {_md(p['rationale'])}", "", "What the monograph says:", "", *_quotes_md(p["sources"], quotes)]
    return {
        "uuid": _card_id(instance, "precaution", p["supplement"], p["subject"]),
        "summary": _summary(f"{p['supplement']}: {p['strength']} for {p['subject']}"),
        "indicator": PRECAUTION_INDICATOR.get(p["strength"], "info"),
        "detail": "\n".join(lines),
        "source": _source(p["supplement"]),
        "links": [{"label": "Open this check", "url": link, "type": "absolute"}],
    }
