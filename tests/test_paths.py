"""Projection, path search, explanations and structure (kg.answers.paths, kg path/explain/...).

Algorithm tests run on tiny graphs written here, each with its answer worked out by hand in the
test's docstring. Projection tests run on a tiny RDF graph and on the shipped glutamine graph
(reconciled with SPARQL counts of the same things); the explanation tests check the three
mechanisms the glutamine monograph states, each by the sentence behind it.
"""

from __future__ import annotations

import json
import math
import time

import networkx as nx
import pytest
from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef

from kg.answers import paths as P
from kg.cli.main import main
from kg.errors import NotFound, UsageError
from kg.vocab import ID, OA, SKG

MEMBER_OF, HAS_MEMBER = str(SKG.memberOf), str(SKG.hasMember)


# --------------------------------------------------------------------------------------------
# tiny hand-made entity graphs


def tiny(nodes: dict[str, str], edges: list[tuple]) -> nx.MultiDiGraph:
    """``nodes``: key -> type; ``edges``: (u, relation, v[, kind[, extra attrs]])."""
    G = nx.MultiDiGraph()
    for n, t in nodes.items():
        G.add_node(n, iri=n, label=n, type=t)
    for e in edges:
        u, rel, v = e[:3]
        kind = e[3] if len(e) > 3 else "MechanismStatement"
        extra = e[4] if len(e) > 4 else {}
        attrs = {"relation": rel, "relation_label": rel, "kind": kind, **extra}
        if rel == MEMBER_OF:
            attrs.update(relation_label="member of", inverse=HAS_MEMBER, kind=P.MEMBERSHIP)
        if rel == HAS_MEMBER:
            attrs.update(relation_label="has member", inverse=MEMBER_OF, kind=P.MEMBERSHIP)
        G.add_edge(u, v, key=rel, **attrs)
    return G


def chains(G, found) -> list[str]:
    return [P.path_text(G, p) for p in found]


def test_two_routes_of_two_hops_and_none_within_one():
    """A-B-C and A-D-C: two 2-hop paths from A to C; with at most 1 hop there is none."""
    G = tiny({x: "T" for x in "ABCD"}, [("A", "r", "B"), ("B", "r", "C"), ("A", "r", "D"), ("D", "r", "C")])
    assert chains(G, P.find_paths(G, "A", "C")) == ["A —r→ B —r→ C", "A —r→ D —r→ C"]
    assert P.find_paths(G, "A", "C", max_hops=1) == []
    assert len(P.shortest_paths(G, "A", "C")) == 2


def test_steps_against_an_edge_are_reported_as_such():
    """A -lowers-> B <-raises- C: from A to C the walk goes along the first edge and against the
    second, so the chain is A —lowers→ B ←raises— C, and the JSON says forward then backward."""
    G = tiny({x: "T" for x in "ABC"}, [("A", "lowers", "B"), ("C", "raises", "B")])
    (path,) = P.find_paths(G, "A", "C")
    assert [s.forward for s in path] == [True, False]
    assert P.path_text(G, path) == "A —lowers→ B ←raises— C"
    recs = P.path_records(G, path)
    assert [(r["from"], r["relation"], r["to"], r["direction"]) for r in recs] == [
        ("A", "lowers", "B", "forward"), ("B", "raises", "C", "backward")]
    # The edge of a backward step is still the graph's edge, named in its own direction.
    assert path[1].edge == ("C", "B", "raises")


def test_complete_graph_counts_simple_paths_shortest_first():
    """K4 on A, B, C, D. From A to D: 1 path of 1 hop (A-D), 2 of 2 hops (A-B-D, A-C-D), 2 of 3
    hops (A-B-C-D, A-C-B-D): 5 in all, no repeated node; max 2 hops: 3; limit 2: the first two."""
    pairs = [("A", "B"), ("A", "C"), ("A", "D"), ("B", "C"), ("B", "D"), ("C", "D")]
    G = tiny({x: "T" for x in "ABCD"}, [(u, "r", v) for u, v in pairs])
    found = P.find_paths(G, "A", "D", limit=None)
    assert [len(p) for p in found] == [1, 2, 2, 3, 3]
    assert all(len({p[0].source, *(s.target for s in p)}) == len(p) + 1 for p in found)
    assert len(P.find_paths(G, "A", "D", max_hops=2, limit=None)) == 3
    assert [len(p) for p in P.find_paths(G, "A", "D", limit=2)] == [1, 2]
    assert [len(p) for p in P.shortest_paths(G, "A", "D")] == [1]


def test_parallel_edges_are_separate_paths():
    """A -r1-> B, A -r2-> B, B -s-> C: two relations for the first hop, so two paths A..C."""
    G = tiny({x: "T" for x in "ABC"}, [("A", "r1", "B"), ("A", "r2", "B"), ("B", "s", "C")])
    assert sorted(chains(G, P.find_paths(G, "A", "C"))) == ["A —r1→ B —s→ C", "A —r2→ B —s→ C"]


def test_member_of_and_has_member_are_one_fact():
    """d memberOf c and c hasMember d state one fact: from S (S interacts with c) to d there is
    exactly one path, walked along hasMember; from d to S it goes along memberOf."""
    G = tiny({"S": "Substance", "c": "DrugClass", "d": "Drug"},
             [("S", "interacts with", "c", "Interaction", {"severity": "moderate"}),
              ("d", MEMBER_OF, "c"), ("c", HAS_MEMBER, "d")])
    assert [s.target for s in P.steps_from(G, "c")] == ["S", "d"]
    assert chains(G, P.find_paths(G, "S", "d", limit=None)) == ["S —interacts with (moderate)→ c —has member→ d"]
    assert chains(G, P.find_paths(G, "d", "S", limit=None)) == ["d —member of→ c ←interacts with (moderate)— S"]


def test_hubs_and_avoided_nodes_are_not_passed_through():
    """A-H-B (2 hops) and A-X-Y-B (3 hops); H also touches 3 leaves, so H has 5 neighbours.
    Shortest: via H. With max_degree 3, or avoiding H: via X and Y. The ends may be hubs."""
    edges = [("A", "r", "H"), ("H", "r", "B"), ("A", "r", "X"), ("X", "r", "Y"), ("Y", "r", "B")]
    edges += [("H", "r", leaf) for leaf in ("l1", "l2", "l3")]
    G = tiny({x: "T" for x in ["A", "B", "H", "X", "Y", "l1", "l2", "l3"]}, edges)
    assert chains(G, P.shortest_paths(G, "A", "B")) == ["A —r→ H —r→ B"]
    assert chains(G, P.shortest_paths(G, "A", "B", max_degree=3)) == ["A —r→ X —r→ Y —r→ B"]
    assert chains(G, P.shortest_paths(G, "A", "B", avoid=["H"])) == ["A —r→ X —r→ Y —r→ B"]
    assert chains(G, P.shortest_paths(G, "H", "l1", max_degree=1)) == ["H —r→ l1"]


def test_unknown_ends_and_equal_ends_are_refused():
    G = tiny({"A": "T", "B": "T"}, [("A", "r", "B")])
    with pytest.raises(NotFound):
        P.find_paths(G, "A", "nowhere")
    with pytest.raises(UsageError):
        P.find_paths(G, "A", "A")


def test_no_path_is_an_empty_answer():
    """A-B and C-D are separate components: no path from A to D, at any bound."""
    G = tiny({x: "T" for x in "ABCD"}, [("A", "r", "B"), ("C", "r", "D")])
    assert P.find_paths(G, "A", "D", max_hops=8) == []


def test_explanations_use_mechanisms_and_membership_only():
    """S interacts with D and with class K (member d2). Mechanisms: S converted to M, D lowers M;
    S affects X, K affects X. By hand:
    - S..D: direct statement S-D; explanation S —converted to→ M ←lowers— D (the interaction edge
      is no mechanism, and the direct edge alone explains nothing);
    - S..d2: direct statement through the class, S —interacts with→ K —has member→ d2;
      explanation S —affects→ X ←affects— K —has member→ d2;
    - d2..K: the membership is the direct statement; no explanation (membership alone)."""
    G = tiny({"S": "Substance", "D": "Drug", "K": "DrugClass", "d2": "Drug", "M": "ChemicalEntity",
              "X": "ChemicalEntity"},
             [("S", "interacts with", "D", "Interaction"), ("S", "interacts with", "K", "Interaction"),
              ("S", "converted to", "M"), ("D", "lowers", "M"), ("S", "affects", "X"), ("K", "affects", "X"),
              ("d2", MEMBER_OF, "K"), ("K", HAS_MEMBER, "d2")])
    ex = P.explain(G, "S", "D")
    assert chains(G, ex.direct) == ["S —interacts with→ D"]
    assert chains(G, ex.paths) == ["S —converted to→ M ←lowers— D"]
    ex = P.explain(G, "S", "d2")
    assert chains(G, ex.direct) == ["S —interacts with→ K —has member→ d2"]
    assert chains(G, ex.paths) == ["S —affects→ X ←affects— K —has member→ d2"]
    ex = P.explain(G, "d2", "K")
    assert chains(G, ex.direct) == ["d2 —member of→ K"]
    assert ex.paths == []


def test_neighbours_by_distance():
    """Chain A-B-C-D: within 2 steps of A are B (1) and C (2); within 1 step of B: A and C."""
    G = tiny({x: "T" for x in "ABCD"}, [("A", "r", "B"), ("B", "r", "C"), ("C", "r", "D")])
    assert [(n.node, n.distance) for n in P.neighbours(G, "A", depth=2)] == [("B", 1), ("C", 2)]
    assert [(n.node, n.distance) for n in P.neighbours(G, "B")] == [("A", 1), ("C", 1)]
    (c,) = [n for n in P.neighbours(G, "A", depth=2) if n.node == "C"]
    assert P.path_text(G, c.path) == "A —r→ B —r→ C"


def test_centrality_by_type():
    """Path A-B-C plus an isolated E. Degree: B 2, A and C 1, E 0. Betweenness (normalised by
    (n-1)(n-2)/2 = 3 pairs): B lies on the only A-C path, 1 of 3 pairs -> 1/3; the others 0.
    B is the only 'Hub'; the top 'Leaf' by degree is A (tie with C broken by label)."""
    G = tiny({"A": "Leaf", "B": "Hub", "C": "Leaf", "E": "Leaf"}, [("A", "r", "B"), ("B", "r", "C")])
    got = P.centrality(G, top=2)
    assert [c.node for c in got["Leaf"]] == ["A", "C"]
    (b,) = got["Hub"]
    assert b.degree == 2 and math.isclose(b.betweenness, 1 / 3)
    assert got["Leaf"][0].betweenness == 0.0
    assert [c.node for c in P.centrality(G, top=1, by="betweenness", types=["Leaf"])["Leaf"]] == ["A"]


def test_metapath_counts_and_dwpc_by_hand():
    """Substance s interacts with classes c1 and c2; c1 has members d and e, c2 has member d.
    From s to d: 2 paths of metapath Substance —interacts with→ DrugClass —has member→ Drug.
    Degree products (per edge: the source's edges of that metaedge x the target's):
      s-c1-d: interacts(s)=2, interacted(c1)=1; has member(c1)=2, member(d)=2 -> 2*1*2*2 = 8
      s-c2-d: 2*1 and has member(c2)=1, member(d)=2 -> 2*1*1*2 = 4
    DWPC (w = 0.4) = 8^-0.4 + 4^-0.4 = 2^-1.2 + 2^-0.8 ≈ 0.43528 + 0.57435 = 1.00963."""
    G = tiny({"s": "Substance", "c1": "DrugClass", "c2": "DrugClass", "d": "Drug", "e": "Drug"},
             [("s", "interacts with", "c1", "Interaction"), ("s", "interacts with", "c2", "Interaction"),
              ("c1", "has", "d"), ("c1", "has", "e"), ("c2", "has", "d")])
    counts, truncated = P.metapaths(G, "s", "d", dwpc=True)
    assert not truncated
    (m,) = counts
    assert m.metapath == "Substance —interacts with→ DrugClass —has→ Drug"
    assert (m.hops, m.count) == (2, 2)
    assert math.isclose(m.dwpc, 2 ** -1.2 + 2 ** -0.8)
    assert math.isclose(m.dwpc, 1.00963, abs_tol=1e-5)
    # With no damping every path weighs 1, so the DWPC is the path count.
    (m0,), _ = P.metapaths(G, "s", "d", dwpc=True, damping=0.0)
    assert m0.dwpc == 2.0


# --------------------------------------------------------------------------------------------
# projection of a tiny RDF graph


def rdf_fixture() -> Graph:
    """Substance s, drug d, class k, chemical m. Statements: interaction s-d (moderate, two quotes
    whose offsets put the second first), mechanism s convertedTo m; d memberOf k. Plus noise that
    must not become nodes or edges: a literal, the ontology class, a statement without its direct
    triple, and a direct-looking triple without a statement."""
    g = Graph()
    s, d, k, m = ID["substance/s"], ID["drug/d"], ID["drug-class/k"], ID["chemical/m"]
    for node, cls, label in ((s, SKG.Substance, "S"), (d, SKG.Drug, "D"), (k, SKG.DrugClass, "K"),
                             (m, SKG.ChemicalEntity, "M")):
        g.add((node, RDF.type, cls))
        g.add((node, RDFS.label, Literal(label)))
    g.add((SKG.Drug, RDFS.subClassOf, SKG.Entity))
    g.add((SKG.interactsWith, RDFS.label, Literal("interacts with", lang="en")))
    g.add((SKG.SeverityModerate, SKOS.prefLabel, Literal("moderate", lang="en")))
    g.add((d, SKG.brandName, Literal("Dee")))

    st = ID["statement/t/int-d"]
    g.add((st, RDF.type, SKG.Interaction))
    g.add((st, SKG.recordId, Literal("int-d")))
    g.add((st, SKG.severity, SKG.SeverityModerate))
    for n, (text, start) in enumerate((("Second in text.", 50), ("First in text.", 10)), start=1):
        ev = URIRef(f"{st}/quote/{n}")
        g.add((st, SKG.quote, Literal(text)))
        g.add((st, SKG.evidence, ev))
        g.add((ev, OA.hasSelector, URIRef(f"{ev}/text")))
        g.add((URIRef(f"{ev}/text"), OA.exact, Literal(text)))
        g.add((ev, OA.hasSelector, URIRef(f"{ev}/position")))
        g.add((URIRef(f"{ev}/position"), OA.start, Literal(start)))
    g.add((st, SKG.subjectEntity, s))
    g.add((st, SKG.relation, SKG.interactsWith))
    g.add((st, SKG.objectEntity, d))
    g.add((s, SKG.interactsWith, d))

    mech = ID["statement/t/mech"]
    g.add((mech, RDF.type, SKG.MechanismStatement))
    g.add((mech, SKG.quote, Literal("S turns into M.")))
    g.add((mech, SKG.subjectEntity, s))
    g.add((mech, SKG.relation, SKG.convertedTo))
    g.add((mech, SKG.objectEntity, m))
    g.add((s, SKG.convertedTo, m))

    g.add((d, SKG.memberOf, k))
    # noise
    orphan = ID["statement/t/orphan"]  # statement whose direct triple is missing
    g.add((orphan, RDF.type, SKG.MechanismStatement))
    g.add((orphan, SKG.subjectEntity, m))
    g.add((orphan, SKG.relation, SKG.lowers))
    g.add((orphan, SKG.objectEntity, d))
    g.add((k, SKG.affects, m))  # direct-looking triple without a statement
    g.add((s, SKG.evidenceLevel, SKG.EvidenceEffective))
    return g


def test_projection_of_a_tiny_rdf_graph():
    """4 entities -> 4 nodes; 3 edges: interaction s-d, mechanism s-m, membership d-k. Not edges:
    the orphan statement (no direct triple), k affects m (no statement), anything to a literal or
    to an ontology term. The interaction's quotes come in text order (offset 10, then 50)."""
    G = P.project(rdf_fixture())
    s, d, k, m = (str(ID[x]) for x in ("substance/s", "drug/d", "drug-class/k", "chemical/m"))
    assert set(G.nodes) == {s, d, k, m}
    assert G.nodes[d] == {"iri": d, "label": "D", "type": "Drug"}
    assert sorted((u, v, key) for u, v, key in G.edges(keys=True)) == sorted(
        [(s, d, "interactsWith"), (s, m, "convertedTo"), (d, k, "memberOf")])
    e = G.edges[s, d, "interactsWith"]
    assert e == {
        "relation": str(SKG.interactsWith), "relation_label": "interacts with", "kind": "Interaction",
        "statement": str(ID["statement/t/int-d"]), "statements": str(ID["statement/t/int-d"]),
        "record_id": "int-d", "quote": "First in text.\nSecond in text.", "severity": "moderate",
    }
    # No ontology here: the label is made from the local name, the quote is the plain skg:quote.
    assert G.edges[s, m, "convertedTo"]["relation_label"] == "converted to"
    assert G.edges[s, m, "convertedTo"]["quote"] == "S turns into M."
    member = G.edges[d, k, "memberOf"]
    assert member["kind"] == P.MEMBERSHIP and member["inverse"] == HAS_MEMBER and "statement" not in member
    # Every attribute is a scalar, so GraphML can write the graph as it is.
    assert "<graphml" in "".join(nx.generate_graphml(G))


def test_neighbourhood_projection():
    """From d: depth 0 is d alone; depth 1 adds s (interaction) and k (membership), with their 2
    edges; depth 2 adds m (via s) and the s-m edge. Unknown seeds are refused."""
    g = rdf_fixture()
    d = str(ID["drug/d"])
    assert list(P.project(g, seeds=[d], depth=0).nodes) == [d]
    one = P.project(g, seeds=[d], depth=1)
    assert {P.label(one, n) for n in one} == {"D", "S", "K"} and one.number_of_edges() == 2
    two = P.project(g, seeds=[d], depth=2)
    assert {P.label(two, n) for n in two} == {"D", "S", "K", "M"} and two.number_of_edges() == 3
    assert nx.utils.graphs_equal(two, P.project(g))
    # hub_degree 1: s has 2 edges, so it is kept but not walked through: m stays out.
    hubless = P.project(g, seeds=[d], hub_degree=1)
    assert {P.label(hubless, n) for n in hubless} == {"D", "S", "K"}
    with pytest.raises(NotFound):
        P.project(g, seeds=[str(SKG.Drug)])


# --------------------------------------------------------------------------------------------
# the glutamine graph


@pytest.fixture(scope="module")
def glutamine():
    from kg.answers.resolve import NameIndex
    from kg.sparql.store import default_graph

    graph = default_graph()
    index = NameIndex.for_graph(graph)
    return graph, P.project(graph), lambda name: index.resolve_one(name).iri


def _count(graph, query: str) -> int:
    (row,) = graph.query("PREFIX skg: <https://w3id.org/skg/ontology#>\n"
                         "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + query)
    return int(row[0])


def test_projection_reconciles_with_sparql_counts(glutamine):
    """Nodes = distinct typed entities; edges = distinct direct triples described by a statement
    plus class membership triples, both ends entities; counted both ways and by kind."""
    graph, G, _ = glutamine
    # Reference classes are nodes too; a drug's reference-class edge counts only when the drug is
    # no stated member of a class (the monograph's membership says it already).
    nodes = _count(graph, """SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {
        { ?t rdfs:subClassOf* skg:Entity . ?e a ?t . FILTER isIRI(?e) } UNION { ?e a skg:ReferenceClass } }""")
    links = """VALUES ?p { skg:memberOf skg:hasMember skg:subClassOfClass skg:inReferenceClass
                           skg:correspondsToReferenceClass } ?s ?p ?o
               FILTER(?p != skg:inReferenceClass || NOT EXISTS { ?s skg:memberOf ?stated })"""
    edges = _count(graph, """SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE {
        { ?st skg:subjectEntity ?s ; skg:relation ?p ; skg:objectEntity ?o . ?s ?p ?o }
        UNION { %s }
        FILTER EXISTS { ?s a ?ts . FILTER(?ts = skg:ReferenceClass || EXISTS { ?ts rdfs:subClassOf* skg:Entity }) }
        FILTER EXISTS { ?o a ?to . FILTER(?to = skg:ReferenceClass || EXISTS { ?to rdfs:subClassOf* skg:Entity }) } } }""" % links)
    membership = _count(graph, """SELECT (COUNT(*) AS ?n) WHERE { %s }""" % links)
    mechanism = _count(graph, """SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE {
        ?st a skg:MechanismStatement ; skg:subjectEntity ?s ; skg:relation ?p ; skg:objectEntity ?o . ?s ?p ?o } }""")
    assert nodes > 100 and edges > 100
    assert G.number_of_nodes() == nodes
    assert G.number_of_edges() == edges
    kinds = [k for _, _, k in G.edges(data="kind")]
    assert kinds.count(P.MEMBERSHIP) == membership
    assert kinds.count("MechanismStatement") == mechanism
    # Every edge is a triple of the graph; every node an entity IRI, never a term or a literal.
    assert all((URIRef(u), URIRef(d["relation"]), URIRef(v)) in graph for u, v, d in G.edges(data=True))
    assert all(n.startswith(str(ID)) and "/statement/" not in n and "/monograph/" not in n for n in G)
    assert "<graphml" in "".join(nx.generate_graphml(G))


def test_neighbourhood_projection_holds_the_same_paths(glutamine):
    """A path of at most 4 hops lies within 2 hops of one of its ends: the neighbourhood of
    depth 2 around both ends gives the same paths as the whole graph."""
    graph, G, iri = glutamine
    a, b = iri("glutamine"), iri("Dilantin")
    part = P.project(graph, seeds=[a, b], depth=2)
    assert part.number_of_nodes() < G.number_of_nodes()
    assert chains(part, P.find_paths(part, a, b, limit=None)) == chains(G, P.find_paths(G, a, b, limit=None))


def test_growing_neighbourhood_finds_the_same_shortest_paths(glutamine):
    """kg path grows the neighbourhood from depth 1 and stops once the shortest path found is
    provably the shortest: for pairs of every kind of entity the answer equals the one on the whole
    graph (glutamine to Dilantin: "Medications used to prevent seizures (Anticonvulsants) interact
    with GLUTAMINE", phenytoin a member of that class)."""
    graph, G, iri = glutamine
    nodes = sorted(G)
    picks = nodes[:: max(1, len(nodes) // 12)]
    pairs = [(iri("glutamine"), iri("Dilantin")), (iri("Dilantin"), iri("lactulose"))]
    pairs += [(a, b) for a in picks for b in picks if a < b]
    depths_used = set()
    for a, b in pairs:
        for hops in (2, 4):
            depths = []

            def at(depth, a=a, b=b, depths=depths):
                depths.append(depth)
                return P.project(graph, seeds=[a, b], depth=depth)

            part, found = P.shortest_in_neighbourhood(at, a, b, max_hops=hops, limit=None)
            whole = P.shortest_paths(G, a, b, max_hops=hops, limit=None)
            assert chains(part, found) == chains(G, whole), (a, b, hops)
            depths_used.add(depths[-1])
    assert 1 in depths_used and len(depths_used) > 1  # it stops early, and it also grows


def _quotes(G, path) -> str:
    return " ".join(q for s in path for q in P.step_quotes(G, s))


def test_explains_lactulose_through_ammonia(glutamine):
    """"Lactulose helps decrease ammonia in the body. Glutamine is changed into ammonia in the
    body.": glutamine —converted to→ ammonia ←lowers— lactulose, beside the interaction itself."""
    _, G, iri = glutamine
    ex = P.explain(G, iri("glutamine"), iri("lactulose"))
    assert [G.edges[s.edge]["kind"] for p in ex.direct for s in p] == ["Interaction"]
    (path,) = [p for p in ex.paths if [G.edges[s.edge]["relation_label"] for s in p] == ["converted to", "lowers"]]
    assert [P.label(G, s.target) for s in path] == ["ammonia", "lactulose"]
    assert [s.forward for s in path] == [True, False]
    sentences = "Lactulose helps decrease ammonia in the body. Glutamine is changed into ammonia in the body."
    assert all(sentence + "." in _quotes(G, path) for sentence in sentences.rstrip(".").split(". "))
    assert sentences in _quotes(G, ex.direct[0])


def test_explains_msg_through_glutamate(glutamine):
    """"because the body converts glutamine to glutamate": glutamine —converted to→ glutamate
    ←form of— monosodium glutamate (no direct statement joins the two)."""
    _, G, iri = glutamine
    ex = P.explain(G, iri("glutamine"), iri("monosodium glutamate"))
    assert ex.direct == []
    (path,) = [p for p in ex.paths if [G.edges[s.edge]["relation_label"] for s in p] == ["converted to", "form of"]]
    assert P.label(G, path[0].target) == P.label(G, iri("glutamate"))
    assert "because the body converts glutamine to glutamate" in P.step_quotes(G, path[0])


def test_explains_anticonvulsants_through_brain_chemicals(glutamine):
    """"Medications used to prevent seizures affect chemicals in the brain. Glutamine may also
    affect chemicals in the brain.": glutamine —affects→ brain chemicals ←affects—
    anticonvulsants, and for phenytoin one step more through its class membership."""
    _, G, iri = glutamine
    sentences = ["Medications used to prevent seizures affect chemicals in the brain.",
                 "Glutamine may also affect chemicals in the brain."]
    for name, hops in (("anticonvulsants", 2), ("Dilantin", 3)):
        ex = P.explain(G, iri("glutamine"), iri(name))
        (path,) = [p for p in ex.paths if P.label(G, p[0].target) == "brain chemicals"]
        assert len(path) == hops
        assert [G.edges[s.edge]["relation_label"] for s in path[:2]] == ["affects", "affects"]
        assert all(s in _quotes(G, path) for s in sentences)
        assert ex.direct and G.edges[ex.direct[0][0].edge]["kind"] == "Interaction"
    assert G.edges[path[-1].edge]["kind"] == P.MEMBERSHIP and P.label(G, path[-1].target) == "phenytoin"


def test_a_search_answers_well_within_a_second(glutamine):
    graph, _, iri = glutamine
    a, b = iri("glutamine"), iri("phenytoin")
    start = time.perf_counter()
    part = P.project(graph, seeds=[a, b], depth=3)
    P.find_paths(part, a, b, max_hops=4, limit=20)
    P.explain(part, a, b)
    P.metapaths(part, a, b, max_hops=4, dwpc=True)
    assert time.perf_counter() - start < 1.0


# --------------------------------------------------------------------------------------------
# the commands


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_kg_path_prints_a_readable_chain(capsys):
    code, out, _ = run(capsys, "path", "glutamine", "Dilantin")
    assert code == 0
    assert "L-glutamine —interacts with (moderate)→ anticonvulsants —has member→ phenytoin" in out
    code, out, _ = run(capsys, "path", "GLUTAMINE", "phenytoin", "--all", "--quotes")
    assert "←affects— anticonvulsants" in out and '"Glutamine may also affect chemicals in the brain."' in out


def test_kg_path_json_shape(capsys):
    code, out, _ = run(capsys, "path", "glutamine", "lactulose", "--all", "--format", "json", "--limit", "2")
    data = json.loads(out)
    assert code == 0 and len(data["paths"]) == 2 and data["limited"] is True
    for path in data["paths"]:
        for step in path:
            assert {"from", "relation", "to", "direction", "quote"} <= step.keys()
            assert step["direction"] in ("forward", "backward")
    assert data["paths"][0][0]["relation"] == "interacts with"


def test_unknown_name_is_one_line_with_suggestions(capsys):
    code, out, err = run(capsys, "path", "glutamine", "Dilantn")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "did you mean: Dilantin" in err


def test_no_path_is_reported_not_an_error(capsys):
    # Two drugs that share no edge: no path of one hop.
    code, out, _ = run(capsys, "path", "phenytoin", "lactulose", "--max-hops", "1")
    assert code == 0 and out.startswith("no path found between phenytoin and lactulose within 1 hops")
    code, out, _ = run(capsys, "path", "phenytoin", "lactulose", "--max-hops", "1", "--format", "json")
    assert json.loads(out)["paths"] == []


def test_bounds_are_checked(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["path", "glutamine", "phenytoin", "--max-hops", "99"])
    assert exc.value.code == 2
    code, _, err = run(capsys, "path", "glutamine", "L-glutamine")
    assert code == 2 and "same entity" in err


def test_kg_explain(capsys):
    code, out, _ = run(capsys, "explain", "glutamine", "lactulose")
    assert code == 0
    assert "L-glutamine —converted to→ ammonia ←lowers— lactulose" in out
    assert '"Glutamine is changed into ammonia in the body."' in out
    code, out, _ = run(capsys, "explain", "glutamine", "MSG", "--format", "json")
    data = json.loads(out)
    assert data["direct"] == [] and any(
        [s["relation"] for s in p] == ["converted to", "form of"] for p in data["paths"])


def test_kg_neighbours_centrality_metapaths(capsys):
    code, out, _ = run(capsys, "neighbours", "lactulose", "--format", "json")
    data = json.loads(out)
    assert code == 0 and {n["label"] for n in data["neighbours"]} == {"L-glutamine", "ammonia"}
    assert all(n["distance"] == 1 for n in data["neighbours"])
    code, out, _ = run(capsys, "centrality", "--top", "1", "--type", "Substance")
    assert code == 0 and "L-glutamine" in out
    code, out, _ = run(capsys, "metapaths", "glutamine", "phenytoin", "--dwpc", "--format", "json")
    data = json.loads(out)
    assert {"metapath": "Substance —interacts with→ DrugClass —has member→ Drug", "hops": 2, "count": 1} \
        == {k: v for k, v in data["metapaths"][0].items() if k != "dwpc"}
    assert data["metapaths"][0]["dwpc"] > 0
