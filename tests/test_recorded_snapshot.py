"""The real 2023 snapshot: the build agrees with values computed here from the raw JSON."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import polars as pl
import pytest

from analysis.build import build, load

pytestmark = pytest.mark.integration


def raw_observations(snapshot: Path) -> list[tuple[str, int, dict]]:
    """(query, manifest position, item) for every search result, straight from the files."""
    manifest = json.loads((snapshot / "manifest.json").read_text())
    out = []
    for position, request in enumerate(manifest["requests"]):
        for item in json.loads((snapshot / request["file"]).read_text())["items"]:
            out.append((request["params"]["q"], position, item))
    return out


@pytest.fixture(scope="module")
def built(recorded_snapshot, tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    quality = build(recorded_snapshot, out)
    return load(out).repos, quality, raw_observations(recorded_snapshot)


def test_one_row_per_repository(built):
    repos, quality, raw = built
    ids = {item["id"] for _, _, item in raw}
    assert repos["id"].n_unique() == repos.height == len(ids) == quality["repositories"]
    assert set(repos["id"].to_list()) == ids


def test_quality_counts_match_raw(built, recorded_snapshot):
    _, quality, raw = built
    manifest = json.loads((recorded_snapshot / "manifest.json").read_text())
    for q in quality["queries"]:
        items = [item for query, _, item in raw if query == q["query"]]
        totals = {
            json.loads((recorded_snapshot / r["file"]).read_text())["total_count"]
            for r in manifest["requests"]
            if r["params"]["q"] == q["query"]
        }
        unique = {i["id"] for i in items}
        assert q["items"] == len(items)
        assert q["unique"] == len(unique)
        assert q["duplicates"] == len(items) - len(unique)
        assert q["total_count"] == max(totals)
        assert q["missing"] == max(totals) - len(unique)
    assert quality["as_of"] == manifest["collected_on"]


def test_rows_follow_the_dedup_rule(built):
    """Latest updated_at wins; a tie goes to the later observation in manifest order."""
    repos, _, raw = built
    expected: dict[int, dict] = {}
    queries: dict[int, set[str]] = {}
    for query, _, item in raw:  # raw is in fetch order, so >= lets later ties win
        queries.setdefault(item["id"], set()).add(query)
        if item["id"] not in expected or item["updated_at"] >= expected[item["id"]]["updated_at"]:
            expected[item["id"]] = item
    got = {r["id"]: r for r in repos.iter_rows(named=True)}
    for rid, item in expected.items():
        row = got[rid]
        assert row["full_name"] == item["full_name"]
        assert row["stargazers_count"] == item["stargazers_count"]
        assert row["forks_count"] == item["forks_count"]
        assert row["topics"] == item["topics"]
        assert row["license_key"] == (item["license"] or {}).get("key")
        assert row["owner_type"] == item["owner"]["type"]
        assert row["created_at"].strftime("%Y-%m-%dT%H:%M:%SZ") == item["created_at"]
        assert row["pushed_at"].strftime("%Y-%m-%dT%H:%M:%SZ") == item["pushed_at"]
        assert row["matched_queries"] == sorted(queries[rid])


def test_stale_topics_counted_from_kept_rows(built):
    repos, quality, _ = built
    for q in quality["queries"]:
        query = re.fullmatch(r"topic:([\w-]+)", q["query"])
        assert query, f"{q['query']!r} is not a topic query"
        topic = query.group(1)
        matched = repos.filter(pl.col("matched_queries").list.contains(q["query"]))
        stale = sum(1 for topics in matched["topics"].to_list() if topic not in topics)
        assert q["topic_no_longer_listed"] == stale


def test_snapshot_flaws_are_visible(built):
    """The documented flaws of the recorded data show up in the report, not silently dropped."""
    _, quality, _ = built
    mlops = next(q for q in quality["queries"] if q["query"] == "topic:mlops")
    assert mlops["total_count"] > 1000 and mlops["items"] == 1000
    assert mlops["duplicates"] > 0 and mlops["missing"] > 0


def test_models_are_deterministic(built):
    """Fixed seeds: two runs of the models give identical tables (on a third of the real repositories and two
    seeds, which exercise the same code as the whole grid at a fraction of its cost)."""
    from analysis import clusters, lda

    repos = built[0].sort("id").gather_every(3)
    first, second = (lda.choose.__wrapped__(repos, ks=(3, 4), seeds=lda.SEEDS[:2]) for _ in range(2))
    assert first.grid.equals(second.grid) and first.terms.equals(second.terms)
    a, b = clusters.cluster.__wrapped__(repos, "2023-01-19"), clusters.cluster.__wrapped__(repos, "2023-01-19")
    assert a.points.equals(b.points) and a.eps == b.eps


@pytest.mark.parametrize(("k", "seed"), [(3, 43), (12, 42)])
def test_batch_lda_fits_as_scikit_learn_does(built, k, seed):
    """`BatchLDA` is scikit-learn's LDA with a vectorised E-step: on the real descriptions it gives the same topics,
    document mixtures and perplexity as scikit-learn's own loop, up to the order of floating-point sums."""
    import numpy as np
    from sklearn.decomposition import LatentDirichletAllocation

    from analysis import lda, parameters
    from analysis.batch_lda import BatchLDA

    texts = lda.documents(built[0])["text"].to_list()
    counts, _ = lda.vectorize(texts, parameters.of_notebooks()["domain_stop_words"])
    options = {"n_components": k, "learning_method": "batch", "max_iter": 25, "random_state": seed}
    ours, theirs = BatchLDA(**options).fit(counts), LatentDirichletAllocation(**options).fit(counts)
    np.testing.assert_allclose(ours.components_, theirs.components_, rtol=1e-5)
    np.testing.assert_allclose(ours.transform(counts), theirs.transform(counts), atol=1e-5)
    assert (lda.top_term_indices(ours) == lda.top_term_indices(theirs)).all()
    assert ours.perplexity(counts) == pytest.approx(theirs.perplexity(counts), rel=1e-8)


def test_embedded_files_match_their_manifest_checksums(recorded_snapshot):
    """An edit to the shipped data cannot pass unseen: every page is listed with the SHA-256 of its bytes."""
    manifest = json.loads((recorded_snapshot / "manifest.json").read_text())
    listed = {r["file"] for r in manifest["requests"]}
    assert listed == {p.name for p in recorded_snapshot.glob("topic_*.json")} and len(listed) == 11
    for request in manifest["requests"]:
        assert hashlib.sha256((recorded_snapshot / request["file"]).read_bytes()).hexdigest() == request["sha256"]
    assert manifest["provenance"]["commit"] == "f63c29c7238cfadd970fe73c2104a5d67b4ed6d1"
    assert "Isabel Zimmerman" in (recorded_snapshot.parent / "LICENSE").read_text()


def test_embedded_tool_list_matches_its_checksum():
    from analysis import config

    digest, name = (config.REFERENCE_DIR / "SHA256SUMS").read_text().split()
    assert hashlib.sha256((config.REFERENCE_DIR / name).read_bytes()).hexdigest() == digest
    assert config.curated_tools_file().name == name
