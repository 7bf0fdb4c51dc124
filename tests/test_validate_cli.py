"""``kg validate``: exit 0 when the graph conforms, 1 on violations, 2 when it cannot be loaded."""

from __future__ import annotations

from kg.cli.main import main


def test_shipped_graph_conforms(capsys):
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "conforms: yes" in out and "shacl" in out and "provenance" in out


def test_built_graph_file_with_a_violation_exits_1(tmp_path, capsys):
    assert main(["build", "--out", str(tmp_path)]) == 0
    nt = tmp_path / "graph.nt"
    # Drop the severity of the lactulose interaction: the Interaction shape requires exactly one.
    lines = [line for line in nt.read_text(encoding="utf-8").splitlines(keepends=True)
             if not ("statement/glutamine/int-lactulose>" in line and "#severity>" in line)]
    nt.write_text("".join(lines), encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", "--graph", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "conforms: no" in out and "int-lactulose" in out and "severity" in out


def test_unparsable_graph_exits_2(tmp_path, capsys):
    bad = tmp_path / "graph.ttl"
    bad.write_text("this is not turtle <<<", encoding="utf-8")
    assert main(["validate", "--graph", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kg validate: error:") and err.count("\n") == 1 and "cannot parse graph" in err


def test_missing_graph_exits_2(tmp_path, capsys):
    assert main(["validate", "--graph", str(tmp_path / "nope")]) == 2
    assert "no such graph file or folder" in capsys.readouterr().err
