"""Bad data files get one clear line naming file and line or record, exit 2, and nothing written.

Each test starts from a small valid monograph (a made-up herb, written here) and breaks one thing.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kg.graph.build import build
from kg.cli.main import main
from kg.errors import DataError, QuoteNotFound

TEXT = """Cloudberry leaf is a made-up herb used in these tests.

Possibly Effective for:

Sleeplessness. Taking cloudberry leaf by mouth seems to shorten the time it takes to fall asleep.

Interactions with other drugs and medications:

Minor Interaction Be watchful with this combination:

Drowsamine interacts with CLOUDBERRY LEAF

Cloudberry leaf might add to the sleepiness caused by drowsamine.

Side effects:

Cloudberry leaf is LIKELY SAFE for most adults when taken by mouth in doses up to 3 grams daily.
"""

BASE = {
    "format": "skg-monograph/1",
    "monograph": {
        "id": "cloudberry-leaf",
        "title": "Cloudberry leaf",
        "substance": "cloudberry-leaf",
        "source_text": "cloudberry.txt",
        "licence": "https://creativecommons.org/licenses/by/4.0/",
        "version": "1.0.0",
        "documents": [{"id": "clinical", "title": "Cloudberry leaf monograph"}],
        "sections": [
            {"id": "overview", "title": "Overview", "document": "clinical",
             "starts": "Cloudberry leaf is a made-up herb"},
            {"id": "possibly-effective", "title": "Possibly Effective for", "document": "clinical",
             "starts": "Possibly Effective for:"},
            {"id": "interactions", "title": "Interactions", "document": "clinical",
             "starts": "Interactions with other drugs and medications:"},
            {"id": "side-effects", "title": "Side effects", "document": "clinical", "starts": "Side effects:"},
        ],
    },
    "entities": [
        {"id": "cloudberry-leaf", "type": "Substance", "label": "cloudberry leaf"},
        {"id": "sleeplessness", "type": "Condition", "label": "sleeplessness"},
        {"id": "drowsamine", "type": "Drug", "label": "drowsamine", "brands": ["Drowsex"]},
        {"id": "adults", "type": "Population", "label": "adults"},
    ],
    "effectiveness": [
        {"id": "eff-sleep", "condition": "sleeplessness", "level": "possibly-effective", "routes": ["oral"],
         "quote": "Taking cloudberry leaf by mouth seems to shorten the time it takes to fall asleep."},
    ],
    "interactions": [
        {"id": "int-drowsamine", "interactant": "drowsamine", "severity": "minor", "likelihood": "possible",
         "effect": "more sleepiness", "recommendation": "Be watchful with this combination",
         "quote": ["Drowsamine interacts with CLOUDBERRY LEAF",
                   "Cloudberry leaf might add to the sleepiness caused by drowsamine."]},
    ],
    "safety_limits": [
        {"id": "limit-adults", "route": "oral", "population": "adults", "max_amount": 3, "unit": "g",
         "per_kg": False, "period": "P1D", "rating": "likely-safe",
         "quote": "LIKELY SAFE for most adults when taken by mouth in doses up to 3 grams daily"},
    ],
}


def write(tmp_path: Path, data, text: str = TEXT, name: str = "cloudberry.yaml") -> Path:
    (tmp_path / "cloudberry.txt").write_text(text, encoding="utf-8")
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def broken(change) -> dict:
    data = copy.deepcopy(BASE)
    change(data)
    return data


def test_the_base_fixture_builds(tmp_path):
    # The starting point is valid: 3 records in, 3 statements out.
    result = build([write(tmp_path, BASE)])
    assert (result.records_in, result.statements_out, result.missing) == (3, 3, [])


def _set(path: str, value):
    def change(data):
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        if value is _DELETE:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value

    return change


_DELETE = object()

CASES = [
    ("unknown field", _set("interactions.0.severty", "minor"), r"record 'int-drowsamine': unknown field 'severty'"),
    ("unknown evidence level", _set("effectiveness.0.level", "sort-of-effective"), r"unknown evidence value 'sort-of-effective'"),
    ("unknown severity", _set("interactions.0.severity", "catastrophic"), r"unknown severity value 'catastrophic'"),
    ("unknown unit", _set("safety_limits.0.unit", "pounds"), r"unknown unit value 'pounds'"),
    ("number that is not a number", _set("safety_limits.0.max_amount", "forty"), r"max_amount: must be a number, not 'forty'"),
    ("negative amount", _set("safety_limits.0.max_amount", -3), r"max_amount: must be at least 0"),
    ("boolean as text", _set("safety_limits.0.per_kg", "no"), r"per_kg: must be true or false"),
    ("bad duration", _set("safety_limits.0.period", "daily"), r"period: must be an ISO 8601 duration"),
    ("dangling reference", _set("interactions.0.interactant", "drowsamin"), r"unknown entity 'drowsamin' \(did you mean drowsamine"),
    ("reference of wrong type", _set("interactions.0.interactant", "adults"), r"entity 'adults' is a Population; expected Drug or DrugClass"),
    ("missing required field", _set("interactions.0.severity", _DELETE), r"missing field 'severity'"),
    ("missing likelihood", _set("interactions.0.likelihood", _DELETE), r"missing field 'likelihood'"),
    ("unknown likelihood", _set("interactions.0.likelihood", "certain"), r"unknown likelihood value 'certain'"),
    # "Cloudberry leaf might add to the sleepiness caused by drowsamine.": "might" is possible, not probable.
    ("likelihood stronger than the wording", _set("interactions.0.likelihood", "probable"),
     r"record 'int-drowsamine': likelihood 'probable' overstates the quote, which says 'might'"),
    ("missing quote", _set("effectiveness.0.quote", _DELETE), r"record 'eff-sleep': missing field 'quote'"),
    ("unknown entity type", _set("entities.1.type", "Disease"), r"unknown entity type 'Disease'"),
    ("bad format marker", _set("format", "other/2"), r"format must be 'skg-monograph/1'"),
    ("unknown monograph field", _set("monograph.auther", "x"), r"unknown field 'auther' in monograph"),
    ("missing source text", _set("monograph.source_text", "nowhere.txt"), r"source text not found"),
    ("source text as URL", _set("monograph.source_text", "https://example.org/x.txt"), r"must be a local path, not a URL"),
    ("section start not in text", _set("monograph.sections.1.starts", "Probably Effective for:"), r"section 'possibly-effective': start .* is not in the source text"),
]


@pytest.mark.parametrize("name,change,message", CASES, ids=[c[0] for c in CASES])
def test_bad_record_is_reported_with_file_and_record(tmp_path, name, change, message):
    path = write(tmp_path, broken(change))
    with pytest.raises(DataError, match=message) as info:
        build([path])
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_quote_not_in_source_names_file_record_and_quote(tmp_path):
    path = write(tmp_path, broken(_set("effectiveness.0.quote", "Taking cloudberry leaf cures everything.")))
    with pytest.raises(QuoteNotFound) as info:
        build([path])
    message = str(info.value)
    assert str(path) in message and "eff-sleep" in message and "cures everything" in message


def test_quote_matches_across_line_breaks(tmp_path):
    # Whitespace is normalised: a quote wrapped differently from the source still matches.
    text = TEXT.replace("to fall asleep.", "to fall\n   asleep.")
    result = build([write(tmp_path, BASE, text=text)])
    assert result.statements_out == 3


def test_duplicate_ids(tmp_path):
    def change(data):
        data["interactions"][0]["id"] = "eff-sleep"

    with pytest.raises(DataError, match=r"duplicate id 'eff-sleep' \(first in effectiveness at line \d+\)"):
        build([write(tmp_path, broken(change))])


def test_ids_that_collide_after_normalisation(tmp_path):
    def change(data):
        data["interactions"][0]["id"] = "Eff_Sleep"

    with pytest.raises(DataError, match=r"id 'Eff_Sleep' collides after normalisation with 'eff-sleep'"):
        build([write(tmp_path, broken(change))])


def test_malformed_yaml_names_the_line(tmp_path):
    path = write(tmp_path, "format: skg-monograph/1\nmonograph: {id: x\nentities: [\n")
    with pytest.raises(DataError, match=r"line \d+: malformed YAML"):
        build([path])


def test_yaml_alias_bomb_is_refused(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b]\n"
    with pytest.raises(DataError, match="YAML aliases are not allowed"):
        build([write(tmp_path, bomb)])


def test_yaml_object_construction_is_refused(tmp_path):
    evil = "!!python/object/apply:os.system ['echo pwned']\n"
    with pytest.raises(DataError, match="malformed YAML"):
        build([write(tmp_path, evil)])


def test_data_path_that_is_a_url_is_refused():
    with pytest.raises(DataError, match="must be a local path, not a URL"):
        build(["https://example.org/monograph.yaml"])


def test_missing_data_file():
    with pytest.raises(DataError, match="no such file or folder"):
        build(["/nonexistent/monograph.yaml"])


def test_cli_reports_one_line_exit_2_and_writes_nothing(tmp_path, capsys):
    path = write(tmp_path, broken(_set("interactions.0.severity", "catastrophic")))
    out = tmp_path / "out"
    code = main(["build", "--monographs", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("kg build: error:") and "catastrophic" in err
    assert not out.exists()


def test_cli_keeps_previous_output_when_a_later_build_fails(tmp_path, capsys):
    good = write(tmp_path, BASE)
    out = tmp_path / "out"
    assert main(["build", "--monographs", str(good), "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    write(tmp_path, broken(_set("effectiveness.0.level", "nonsense")))
    assert main(["build", "--monographs", str(good), "--out", str(out)]) == 2
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_killed_build_leaves_previous_output_intact(tmp_path):
    # A build killed while writing leaves only complete files: the old ones or the new ones.
    good = write(tmp_path, BASE)
    out = tmp_path / "out"
    assert main(["build", "--monographs", str(good), "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    names_before = {p.name for p in out.iterdir()}  # files and the Oxigraph store folder
    code = (
        "import os, kg.fileio as f\n"
        "real = os.replace\n"
        "def die(*a, **k):\n    os._exit(9)\n"
        "f.os.replace = die\n"
        "from kg.cli.main import main\n"
        f"main(['build', '--monographs', {str(good)!r}, '--out', {str(out)!r}])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 9
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.endswith(".part")}
    assert after == before
    # The interrupted temporary file is the only extra, and it is hidden and marked partial.
    extras = [p.name for p in out.iterdir() if p.name not in names_before]
    assert all(name.startswith(".") and name.endswith(".part") for name in extras)


def test_unreadable_output_folder_is_a_clear_error(tmp_path, capsys):
    good = write(tmp_path, BASE)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(["build", "--monographs", str(good), "--out", str(blocker / "sub")])
    assert code == 2
    assert "cannot create output folder" in capsys.readouterr().err
    assert os.path.isfile(blocker)
