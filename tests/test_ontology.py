"""The OWL ontology: documentation of every term, the vocabulary contract, and HermiT's verdict."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import owlready2
import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Namespace, URIRef

from budgetkg.ontology import CODELISTS_TTL, ONTOLOGY_IRI, ONTOLOGY_TTL, ontology_graph

REPO = Path(__file__).resolve().parents[1]
CORE_VOCABULARY = REPO.parent / "shared" / "design" / "CORE-VOCABULARY.md"
MAPPINGS_README = REPO / "mappings" / "README.md"
MAPPINGS_VOCAB = REPO / "mappings" / "vocab.json"
CASES = Path(__file__).parent / "cases" / "shapes"

BKG = Namespace("https://w3id.org/budgetkg/def#")
ORG = Namespace("http://www.w3.org/ns/org#")
QB = Namespace("http://purl.org/linked-data/cube#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
# A plain Namespace: rdflib's closed XSD namespace warns when pytest probes module attributes.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
DECLARATIONS = {
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.NamedIndividual,
}

# The OWL 2 datatype map (what HermiT supports) plus xsd:gYear, which CORE-VOCABULARY mandates and
# HermiT accepts as opaque with --ignoreUnsupportedDatatypes.
ALLOWED_RANGES = {XSD.string, XSD.decimal, XSD.integer, XSD.boolean, XSD.gYear}


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY_TTL, format="turtle")


def _bkg_terms(g: Graph) -> set[URIRef]:
    """Every bkg: IRI mentioned anywhere in the graph, declared or not."""
    return {n for n in g.all_nodes() if isinstance(n, URIRef) and str(n).startswith(str(BKG))}


def test_ontology_header(onto: Graph) -> None:
    assert (URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in onto
    assert not list(onto.objects(None, OWL.imports)), "no owl:imports: the build must work offline"


def test_every_bkg_term_is_declared_and_documented(onto: Graph) -> None:
    problems = []
    for term in sorted(_bkg_terms(onto)):
        if not set(onto.objects(term, RDF.type)) & DECLARATIONS:
            problems.append(f"{term} is used but not declared")
        langs = {label.language for label in onto.objects(term, RDFS.label)}
        if not {"zh", "en"} <= langs:
            problems.append(f"{term} lacks an rdfs:label in zh and en (has {langs})")
        if onto.value(term, RDFS.comment) is None:
            problems.append(f"{term} lacks an rdfs:comment")
    assert not problems, "\n".join(problems)


def _backticked_bkg_names(path: Path) -> set[str]:
    """`bkg:Name` spans; `bkg:fund/{key}` style IRI templates are not term names."""
    names = set()
    for span in re.findall(r"`([^`]+)`", path.read_text(encoding="utf-8")):
        names |= set(re.findall(r"bkg:([A-Za-z][A-Za-z0-9]*)(?![/\w{])", span))
    return names


def _declared(onto: Graph, name: str) -> bool:
    return bool(set(onto.objects(BKG[name], RDF.type)))


@pytest.mark.skipif(
    not CORE_VOCABULARY.is_file(), reason="../shared/design/CORE-VOCABULARY.md is not beside the checkout"
)
def test_core_vocabulary_terms_exist(onto: Graph) -> None:
    names = _backticked_bkg_names(CORE_VOCABULARY)
    assert len(names) > 40, "CORE-VOCABULARY.md parsing found too few names; has its format changed?"
    assert sorted(n for n in names if not _declared(onto, n)) == []


def test_mapping_terms_exist(onto: Graph) -> None:
    names = _backticked_bkg_names(MAPPINGS_README)
    assert names, "mappings/README.md names no bkg: terms?"
    assert sorted(n for n in names if not _declared(onto, n)) == []


@pytest.mark.skipif(not MAPPINGS_VOCAB.is_file(), reason="mappings/vocab.json not written yet")
def test_mapper_vocabulary_matches_individuals(onto: Graph) -> None:
    """Loader keys → IRIs used by the mapper: every IRI exists, and an individual's skos:notation is
    the loader key that maps to it (so either side can look the other up)."""
    vocab = json.loads(MAPPINGS_VOCAB.read_text(encoding="utf-8"))
    problems = []
    for section, table in vocab.items():
        if section.startswith("_"):
            continue
        for key, curie in table.items():
            term = BKG[curie.removeprefix("bkg:")]
            if not _declared(onto, curie.removeprefix("bkg:")):
                problems.append(f"{section}.{key} -> {curie} is not in the ontology")
            elif (term, RDF.type, OWL.NamedIndividual) in onto and str(
                onto.value(term, SKOS.notation)
            ) != key:
                problems.append(
                    f"{curie} has notation {onto.value(term, SKOS.notation)}, the mapper key is {key}"
                )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("term", "kind", "rng"),
    [
        ("fiscalYear", OWL.DatatypeProperty, XSD.gYear),
        ("issueYear", OWL.DatatypeProperty, XSD.gYear),
        ("amount", OWL.DatatypeProperty, XSD.decimal),
        ("midtermAmount", OWL.DatatypeProperty, XSD.decimal),
        ("targetValue", OWL.DatatypeProperty, XSD.decimal),
        ("unitMultiplier", OWL.DatatypeProperty, XSD.decimal),
        ("sourceLine", OWL.DatatypeProperty, XSD.integer),
        ("isTableTotal", OWL.DatatypeProperty, XSD.boolean),
        ("budgetUnit", OWL.ObjectProperty, BKG.BudgetUnit),
        ("region", OWL.ObjectProperty, BKG.Region),
        ("adminLevel", OWL.ObjectProperty, BKG.AdminLevel),
        ("hasLegalBasis", OWL.ObjectProperty, BKG.LegalBasis),
        ("hasIndicator", OWL.ObjectProperty, BKG.PerformanceIndicator),
        ("issuer", OWL.ObjectProperty, ORG.Organization),
        ("fundSource", OWL.ObjectProperty, BKG.FundSource),
    ],
)
def test_property_kinds_and_ranges(onto: Graph, term: str, kind: URIRef, rng: URIRef) -> None:
    assert (BKG[term], RDF.type, kind) in onto
    assert onto.value(BKG[term], RDFS.range) == rng


def test_basis_type_has_no_range(onto: Graph) -> None:
    """Its values are classes (punning); a range would make them members of a class of classes."""
    assert onto.value(BKG.basisType, RDFS.range) is None


def test_datatype_ranges_are_reasoner_safe(onto: Graph) -> None:
    for prop in onto.subjects(RDF.type, OWL.DatatypeProperty):
        for rng in onto.objects(prop, RDFS.range):
            assert rng in ALLOWED_RANGES, f"{prop} has range {rng}"


@pytest.mark.parametrize(
    ("sub", "sup"),
    [
        (BKG.BudgetUnit, ORG.Organization),
        (BKG.BudgetTable, QB.DataSet),
        (BKG.BudgetLine, QB.Observation),
        (BKG.Law, ELI.LegalResource),
        (BKG.PolicyDocument, ELI.LegalResource),
        (BKG.Standard, ELI.LegalResource),
        (BKG.Decision, ELI.LegalResource),
        *[
            (BKG[c], BKG.LegalBasis)
            for c in ("Law", "PolicyDocument", "Contract", "Standard", "Decision", "InformalBasis")
        ],
    ],
)
def test_subclass_axioms(onto: Graph, sub: URIRef, sup: URIRef) -> None:
    assert (sub, RDFS.subClassOf, sup) in onto


def test_contracts_and_informal_bases_are_not_legal_resources(onto: Graph) -> None:
    for c in (BKG.Contract, BKG.InformalBasis):
        assert (c, RDFS.subClassOf, ELI.LegalResource) not in onto


@pytest.mark.parametrize(
    ("cls", "members"),
    [
        (BKG.ExpenditureType, ["BasicExpenditure", "ProjectExpenditure"]),
        (BKG.AdminLevel, ["Province", "Prefecture", "County"]),
        (BKG.IssuerLevel, ["CentralLevel", "ProvincialLevel", "PrefectureLevel", "CountyLevel"]),
        (
            BKG.FundSource,
            [
                "GeneralPublicBudget",
                "GovernmentFund",
                "StateCapitalBudget",
                "FiscalSpecialAccount",
                "UnitFunds",
                "CarriedOver",
                "FiscalAppropriation",
                "SocialInsuranceFund",
                "BusinessIncome",
                "OperatingIncome",
                "HigherLevelSubsidy",
                "SubordinateRemittance",
                "NonFiscalBalance",
                "BusinessFund",
                "OtherIncome",
            ],
        ),
    ],
)
def test_closed_value_sets(onto: Graph, cls: URIRef, members: list[str]) -> None:
    assert set(onto.subjects(RDF.type, cls)) == {BKG[m] for m in members}


def test_ontology_graph_helper_holds_ontology_and_code_lists() -> None:
    g = ontology_graph()
    assert (URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in g
    assert (URIRef("https://w3id.org/budgetkg/def/code/function/2010301"), None, None) in g
    assert ontology_graph() is g  # cached
    assert len(g) == len(Graph().parse(ONTOLOGY_TTL)) + len(Graph().parse(CODELISTS_TTL))


# --- HermiT -----------------------------------------------------------------------------------------


def _hermit(g: Graph, tmp_path: Path) -> list[str]:
    """Run HermiT over g; return the unsatisfiable classes, fail on an inconsistent ontology."""
    path = tmp_path / "merged.nt"
    g.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load()
    try:
        # xsd:gYear is outside the OWL 2 datatype map: HermiT treats it as opaque with this flag.
        owlready2.sync_reasoner_hermit(
            world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
        )
    except owlready2.OwlReadyInconsistentOntologyError:
        pytest.fail("HermiT: the ontology (with the given data) is inconsistent")
    return sorted(c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing)


needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs java on PATH")


@needs_java
def test_hermit_ontology_and_code_lists_are_consistent(tmp_path: Path) -> None:
    assert _hermit(ontology_graph(), tmp_path) == []


@needs_java
def test_hermit_accepts_the_conforming_shape_cases(tmp_path: Path) -> None:
    """Data the shapes accept must not contradict the ontology's domains, ranges, disjointness and
    functional properties; it also exercises bkg:basisType punning (values are classes)."""
    g = Graph()
    g += ontology_graph()
    g.parse(CASES / "shared.ttl", format="turtle")
    for case in sorted(CASES.glob("conforming-*/data.ttl")):
        g.parse(case, format="turtle")
    assert (None, BKG.basisType, BKG.Law) in g
    assert _hermit(g, tmp_path) == []
