"""The facts as Quarto metadata: plain text stays plain, Markdown facts stay Markdown, switches follow the facts."""

from __future__ import annotations

import yaml

from analysis import metadata


def test_plain_facts_are_escaped_so_pandoc_shows_them_as_written():
    meta = metadata.metadata({"path": "data/repos/topic_*.json", "who": "@someone [x](y) **b**"})
    assert meta["path"] == r"data/repos/topic\_\*.json"
    assert meta["who"] == r"\@someone \[x\](y) \*\*b\*\*"


def test_markdown_facts_and_switches():
    facts = {
        "followup_paper": "**Fates.** A list:\n\n- one",
        "compare_paper": "",
        "unfinished": "",
        "topics_supported": False,
        "growth_supported": True,
        "enriched": True,
    }
    meta = metadata.metadata(facts)
    assert meta["followup_paper"] == facts["followup_paper"]
    assert meta["supports-topics"] is False and meta["supports-growth"] is True
    assert meta["unfinished-snapshot"] is False and meta["has-comparison"] is False
    assert "enriched" not in meta  # not a string: nothing a document prints
    assert metadata.conditions(
        {**facts, "unfinished": "interrupted", "compare_paper": "x", "followup_recorded": True}
    ) == {
        "supports-topics": False,
        "supports-growth": True,
        "unfinished-snapshot": True,
        "has-comparison": True,
        "has-followup": True,
        "has-shortfalls": True,
    }


def test_the_follow_up_and_shortfall_slides_are_switched_by_the_facts():
    """No follow-up (an empty title) hides its slide; a snapshot without a recorded provenance but with
    every analysis supported has no shortfall to show."""
    switches = metadata.conditions({"followup_headline": "", "provenance_supported": False, "growth_supported": True})
    assert switches["has-followup"] is False and switches["has-shortfalls"] is False


def test_written_file_reads_back(tmp_path):
    path = metadata.write({"n_repos": "1,007", "note": "a: b", "growth_supported": True}, tmp_path)
    assert path.name == metadata.FILE
    assert yaml.safe_load(path.read_text()) == {
        "n_repos": "1,007",
        "note": "a: b",
        "supports-growth": True,
        "unfinished-snapshot": False,
        "has-comparison": False,
        "has-followup": False,
        "has-shortfalls": False,
    }


def test_a_model_that_beats_its_null_reference_switches_its_finding_on():
    switches = metadata.conditions({"topics_finding": False, "tags_finding": True, "tags_supported": True})
    assert switches["finding-topics"] is False and switches["finding-tags"] is True
