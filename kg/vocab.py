"""The project's ontology terms as closed namespaces.

A misspelt term raises at import or first use (``DefinedNamespace`` with ``_fail = True``).
``tests/test_vocab.py`` checks that these classes and ``ontology/skg.ttl`` declare the same terms.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

BASE = "https://w3id.org/skg/"
ONTOLOGY_IRI = URIRef(BASE + "ontology")
#: Namespace of instance data: entities, statements, monographs, sections.
ID = Namespace(BASE + "id/")

OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")
BIOLINK = Namespace("https://w3id.org/biolink/vocab/")
VOID = Namespace("http://rdfs.org/ns/void#")

#: Entity types and the path segment of their IRIs.
ENTITY_TYPES = {
    "Substance": "substance",
    "Drug": "drug",
    "DrugClass": "drug-class",
    "Condition": "condition",
    "Population": "population",
    "AnatomicalEntity": "anatomy",
    "ChemicalEntity": "chemical",
    "Protein": "protein",
    "BiologicalProcess": "process",
    "Organism": "organism",
    "DosageForm": "dosage-form",
    "Procedure": "procedure",
}


class SKG(DefinedNamespace):
    """Terms of the supplement knowledge graph ontology (``ontology/skg.ttl``)."""

    _fail = True
    _NS = Namespace(BASE + "ontology#")

    # --- entity classes -------------------------------------------------------------------
    Entity: URIRef
    Substance: URIRef  # a dietary supplement ingredient
    Drug: URIRef
    DrugClass: URIRef
    Condition: URIRef
    Population: URIRef
    AnatomicalEntity: URIRef  # organ, tissue, cell
    ChemicalEntity: URIRef
    Protein: URIRef
    BiologicalProcess: URIRef
    Organism: URIRef
    DosageForm: URIRef
    Procedure: URIRef  # surgery, transplant, nutrition support, hormone therapy

    # --- statement classes (n-ary relations) ----------------------------------------------
    Statement: URIRef
    EffectivenessAssessment: URIRef
    ClaimedUse: URIRef
    Finding: URIRef
    Interaction: URIRef
    Precaution: URIRef
    SafetyLimit: URIRef
    DosingRegimen: URIRef
    MechanismStatement: URIRef
    PhysiologyStatement: URIRef
    Study: URIRef

    # --- provenance and dataset structure -------------------------------------------------
    Monograph: URIRef
    SourceDocument: URIRef
    SourceText: URIRef
    Section: URIRef
    Mapping: URIRef
    ReferenceClass: URIRef

    # --- SKOS concept schemes and their concept classes ------------------------------------
    EvidenceLevel: URIRef
    SafetyRating: URIRef
    Severity: URIRef
    Likelihood: URIRef
    PrecautionStrength: URIRef
    Route: URIRef
    Unit: URIRef
    FindingDirection: URIRef
    Qualifier: URIRef
    PhysiologicalState: URIRef
    InteractionEvidence: URIRef
    EvidenceScale: URIRef
    SafetyScale: URIRef
    SeverityScale: URIRef
    LikelihoodScale: URIRef
    PrecautionScale: URIRef
    RouteScheme: URIRef
    UnitScheme: URIRef
    FindingDirectionScheme: URIRef
    QualifierScheme: URIRef
    PhysiologicalStateScheme: URIRef
    InteractionEvidenceScale: URIRef

    EvidenceEffective: URIRef
    EvidenceLikelyEffective: URIRef
    EvidencePossiblyEffective: URIRef
    EvidenceInsufficient: URIRef
    EvidencePossiblyIneffective: URIRef
    EvidenceLikelyIneffective: URIRef
    EvidenceIneffective: URIRef
    SafetyLikelySafe: URIRef
    SafetyPossiblySafe: URIRef
    SafetyPossiblyUnsafe: URIRef
    SafetyLikelyUnsafe: URIRef
    SafetyUnsafe: URIRef
    SeverityMajor: URIRef
    SeverityModerate: URIRef
    SeverityMinor: URIRef
    LikelihoodProbable: URIRef
    LikelihoodPossible: URIRef
    LikelihoodUncertain: URIRef
    PrecautionDoNotUse: URIRef
    PrecautionAvoid: URIRef
    PrecautionCaution: URIRef
    RouteOral: URIRef
    RouteIntravenous: URIRef
    RouteEnteralTube: URIRef
    RouteTopical: URIRef
    UnitGram: URIRef
    UnitMilligram: URIRef
    UnitMicrogram: URIRef
    UnitMillilitre: URIRef
    UnitInternationalUnit: URIRef
    DirectionImproves: URIRef
    DirectionNoEffect: URIRef
    DirectionInconsistent: URIRef
    DirectionWorsens: URIRef
    DirectionCorrelated: URIRef
    DirectionWeaklySupported: URIRef
    QualifierSomeTypes: URIRef
    QualifierInAnimals: URIRef
    QualifierSomePeople: URIRef
    QualifierApproximately: URIRef
    QualifierAtMost: URIRef
    StatePregnancy: URIRef
    StateBreastFeeding: URIRef
    InteractionEvidenceMechanism: URIRef
    InteractionEvidenceCaseReport: URIRef
    InteractionEvidenceStudy: URIRef

    # --- annotation / datatype properties ---------------------------------------------------
    rank: URIRef  # xsd:integer order within a scale
    wordingCue: URIRef  # words that mark a concept in a quote
    bindingCue: URIRef  # words that oblige a statement to carry the concept
    curatorName: URIRef  # a name the curators added, not in the source texts
    brandName: URIRef
    saltName: URIRef
    classificationSystem: URIRef
    description: URIRef
    minAgeYears: URIRef
    maxAgeYears: URIRef
    reviewStatus: URIRef  # monograph -> "draft, not reviewed" (metadata.ttl of a build with drafts)

    # --- common statement properties -------------------------------------------------------
    monograph: URIRef  # statement -> Monograph
    recordId: URIRef  # the record's id in its data file
    aboutSubstance: URIRef  # statement -> Substance it is about
    subjectEntity: URIRef  # uniform: the direct edge's subject
    relation: URIRef  # uniform: the direct edge's predicate (an IRI)
    objectEntity: URIRef  # uniform: the direct edge's object
    quote: URIRef  # verbatim quote literal(s)
    section: URIRef  # statement -> Section the (first) quote sits in
    evidence: URIRef  # statement -> oa:SpecificResource (quote with selectors)
    summary: URIRef
    note: URIRef

    # effectiveness / claimed use / finding
    condition: URIRef
    evidenceLevel: URIRef
    route: URIRef
    population: URIRef
    context: URIRef
    outcome: URIRef  # literal description of what was measured
    direction: URIRef  # -> FindingDirection
    study: URIRef  # Finding -> Study it was observed in
    givesSubstance: URIRef  # Study: false when the substance was not given
    coIntervention: URIRef  # -> Entity given together with the substance
    assessment: URIRef  # Finding -> EffectivenessAssessment it supports

    # interaction
    interactant: URIRef
    severity: URIRef
    likelihood: URIRef
    effect: URIRef
    mechanism: URIRef
    recommendation: URIRef

    # precaution
    precautionFor: URIRef
    strength: URIRef
    rationale: URIRef

    # safety limit / dosing
    maxAmount: URIRef
    minAmount: URIRef
    amount: URIRef
    preferredAmount: URIRef
    unit: URIRef
    perKgBodyWeight: URIRef
    period: URIRef  # xsd:duration, e.g. P1D
    safetyRating: URIRef
    indication: URIRef
    dosageForm: URIRef
    frequency: URIRef
    interval: URIRef  # xsd:duration, e.g. PT4H
    administration: URIRef
    startCondition: URIRef
    stopCondition: URIRef

    # mechanism / physiology
    proportion: URIRef  # xsd:decimal share, 0..1
    proportionQualifier: URIRef  # -> Qualifier (about, up to)
    qualifier: URIRef  # -> Qualifier
    interactionEvidence: URIRef  # -> InteractionEvidence
    broaderPopulation: URIRef  # population -> population it is part of
    physiologicalState: URIRef  # population -> PhysiologicalState

    # study
    studyDesign: URIRef
    sampleSize: URIRef
    studyCount: URIRef
    citationCount: URIRef
    intervention: URIRef
    measured: URIRef  # -> Entity measured (e.g. a protein)
    effectSize: URIRef
    effectSizeUnit: URIRef

    # --- direct ("truthy") entity-to-entity relations ---------------------------------------
    assessedFor: URIRef  # substance -> condition (effectiveness assessment)
    claimedFor: URIRef  # substance -> condition (claimed use)
    findingFor: URIRef  # substance -> condition (finding)
    interactsWith: URIRef  # substance -> drug / drug class
    hasPrecautionFor: URIRef  # substance -> condition / population
    hasSafetyLimitFor: URIRef  # substance -> population
    dosedFor: URIRef  # substance -> condition (dosing regimen)
    studiedIn: URIRef  # substance -> population (study)
    memberOf: URIRef  # drug -> drug class
    subClassOfClass: URIRef  # drug class -> broader drug class
    hasMember: URIRef  # inverse of memberOf
    inReferenceClass: URIRef  # drug -> reference class (from the reference classification)
    correspondsToReferenceClass: URIRef  # drug class -> reference class (declared by a monograph)

    # mechanism relations (MechanismStatement): sub-properties of mechanismRelation
    mechanismRelation: URIRef
    causedBy: URIRef
    classifiedAs: URIRef
    amideOf: URIRef
    formOf: URIRef
    convertedTo: URIRef
    brokenDownBy: URIRef
    brokenDownIn: URIRef
    carrierOf: URIRef
    precursorOf: URIRef
    buildingBlockOf: URIRef
    sourceOf: URIRef
    fuels: URIRef
    lowers: URIRef
    raises: URIRef
    affects: URIRef
    protects: URIRef
    supports: URIRef
    producedCommerciallyBy: URIRef
    # physiology relations (PhysiologyStatement): sub-properties of physiologyRelation
    physiologyRelation: URIRef
    producedIn: URIRef
    distributedBy: URIRef
    usedBy: URIRef
    mostAbundantIn: URIRef

    # --- provenance structure --------------------------------------------------------------
    document: URIRef  # Section -> SourceDocument; SourceText -> Monograph
    sourceText: URIRef  # Monograph -> SourceText
    startOffset: URIRef
    endOffset: URIRef
    sha256: URIRef
    mappingSubject: URIRef
    mappingPredicate: URIRef
    mappingObject: URIRef
    edition: URIRef
    licence: URIRef
