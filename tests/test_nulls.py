"""Known answers for each null comparison: planted structure beats its null reference, planted noise does not,
and the noise scores well enough that only the null reference tells it from structure."""

from __future__ import annotations

from collections import Counter

import numpy as np
import polars as pl
import pytest

from analysis import cluster_null, nulls, players, tags, topic_null

WORDS = [f"w{chr(97 + i)}{chr(97 + j)}" for i in range(3) for j in range(10)]  # 30 words, 3 blocks of 10


def documents(n: int = 90, length: int = 8, seed: int = 0) -> list[str]:
    """n texts of `length` words, each from one of three blocks of 10 words: three planted topics."""
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS[10 * (i % 3) : 10 * (i % 3) + 10], size=length, replace=False)) for i in range(n)]


def test_margin_interval_and_verdict():
    c = nulls.compare("score", [1.0, 1.1, 0.9], [0.0, 0.1, -0.1])
    assert c.margin == pytest.approx(1.0) and c.interval[0] > 0 and c.beats
    same = nulls.compare("score", [0.0, 0.1, -0.1], [0.05, -0.05, 0.0])
    assert not same.beats and same.interval[0] < 0 < same.interval[1]
    assert "do not beat" in nulls.verdict(same, "The x", "y", "3 seeds")


def test_word_shuffle_keeps_each_words_descriptions_and_each_descriptions_length():
    texts = documents()
    shuffled = topic_null.shuffle_words(texts, seed=3)
    assert [len(set(t.split())) for t in shuffled] == [len(t.split()) for t in texts]
    assert Counter(" ".join(shuffled).split()) == Counter(" ".join(texts).split())
    blocks = [{w[1] for w in t.split()} for t in shuffled]
    assert sum(len(b) > 1 for b in blocks) > len(texts) / 2  # most descriptions now mix the planted topics


def test_planted_topics_beat_shuffled_words():
    c = topic_null.compare_texts(documents(), k=3, seeds=(1, 2, 3))
    assert c.beats and c.real_mean > 0.5


def test_planted_noise_does_not_beat_shuffled_words():
    """Words drawn at random, in descriptions of 2 or 16 words: long descriptions make every pair of words
    co-occur more than chance, so the topics score well above zero, and only the null reference (which keeps
    the lengths) shows them to be noise."""
    rng = np.random.default_rng(0)
    texts = [" ".join(rng.choice(WORDS, size=2 if i % 2 else 16, replace=False)) for i in range(90)]
    c = topic_null.compare_texts(texts, k=3, seeds=(1, 2, 3))
    assert not c.beats
    assert c.real_mean > 0.1 and nulls.compare(c.measure, c.real, [0.0, 0.0, 0.0]).beats  # zero is no null


def test_planted_clusters_beat_their_permuted_features():
    rng = np.random.default_rng(1)
    centres = np.array([[0, 0, 0, 0, 0], [6, 6, 0, 0, 0], [0, 6, 6, 6, 0]], dtype=float)
    x = np.vstack([c + rng.normal(size=(50, 5)) for c in centres])
    c = cluster_null.compare_features(x, seeds=(1, 2, 3))
    assert c.beats and c.real_mean > 0.5


def test_one_correlated_blob_does_not_beat_its_permuted_features():
    """One Gaussian blob with strongly correlated features: k-means still splits it with a silhouette well above
    zero, and only the null reference (which keeps the spread along each principal axis) shows it is one blob."""
    rng = np.random.default_rng(2)
    mixing = np.array([[1, 0.9, 0.8, 0, 0], [0, 0.4, 0.3, 0, 0], [0, 0, 0.3, 0, 0], [0, 0, 0, 1, 0.5], [0, 0, 0, 0, 1]])
    x = rng.normal(size=(150, 5)) @ mixing
    c = cluster_null.compare_features(x, seeds=(1, 2, 3))
    assert not c.beats
    assert c.real_mean > 0.2 and nulls.compare(c.measure, c.real, [0.0, 0.0, 0.0]).beats  # zero is no null


def test_the_permuted_reference_keeps_the_correlations_and_each_axis_values():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 3)) @ np.array([[2, 1, 0], [0, 1, 0], [0, 0, 0.5]])
    null = cluster_null.permuted(x, seed=4)
    assert np.allclose(np.corrcoef(null.T), np.corrcoef(x.T), atol=0.15)
    assert np.allclose(
        np.sort(np.linalg.norm(null - null.mean(axis=0), axis=0)),
        np.sort(np.linalg.norm(x - x.mean(axis=0), axis=0)),
        rtol=0.1,
    )
    assert not np.allclose(null, x)


TAGS = [f"t{g}{i}" for g in range(3) for i in range(6)]  # 18 tags, 3 blocks of 6


def test_planted_tag_communities_beat_rewired_tags():
    rng = np.random.default_rng(5)
    sets = [list(rng.choice(TAGS[6 * (i % 3) : 6 * (i % 3) + 6], size=3, replace=False)) for i in range(120)]
    c, parts = tags.compare_sets(sets, seeds=(1, 2), rewirings=8)
    assert c.beats
    assert sorted(sorted(p) for p in parts) == [TAGS[0:6], TAGS[6:12], TAGS[12:18]]


def test_random_tags_do_not_beat_rewired_tags():
    """Tags drawn at random: Louvain still finds communities with positive modularity, which only the rewired
    reference shows to be what any tags of these frequencies would give."""
    rng = np.random.default_rng(6)
    sets = [list(rng.choice(TAGS, size=int(rng.integers(2, 5)), replace=False)) for _ in range(120)]
    c, _ = tags.compare_sets(sets, seeds=(1, 2), rewirings=8)
    assert not c.beats
    assert c.real_mean > 0.05 and nulls.compare(c.measure, c.real, [0.0, 0.0]).beats  # zero is no null


def test_rewiring_keeps_each_repositorys_and_each_tags_count():
    sets = [["a", "b"], ["b", "c", "d"], ["a"], ["c", "d"], ["a", "d"]]
    rewired = nulls.rewire(sets, seed=1)
    assert [len(s) for s in rewired] == [len(s) for s in sets]
    assert Counter(t for s in rewired for t in s) == Counter(t for s in sets for t in s)
    assert all(len(set(s)) == len(s) for s in rewired)


def test_tag_communities_name_their_denominator():
    sets = [["a", "b"], ["a", "b"], ["c", "d"], [], ["c"]]
    tools = [("x", "serving"), ("x", "serving"), None, None, ("y", "version")]  # tool x is two repositories
    table = tags.describe(sets, [{"a", "b"}, {"c", "d"}], tools)
    first = table.row(0, named=True)
    assert (first["repos"], first["share"]) == (2, 2 / 5)  # of all five repositories, the untagged one included
    assert table["tasks"].to_list() == ["serving (1)", "version (1)"]


def test_tag_communities_match_the_curated_list_as_it_is_now(tmp_path, monkeypatch):
    """The communities are cached; the curated tools among them are not: an edit to the list shows at once."""
    monkeypatch.setenv("MLOPS_PROJECT_ROOT", str(tmp_path))
    listed = tmp_path / "curated.csv"
    monkeypatch.setattr(players, "curated_tools_file", lambda: listed)
    repos = pl.DataFrame(
        {
            "name": [f"repo{i}" for i in range(12)],
            "owner_login": [f"owner{i}" for i in range(12)],
            "topics": [["a", "b", "c"] if i % 2 else ["d", "e", "f"] for i in range(12)],
        }
    )
    tasks = []
    for task in ("serving", "monitoring"):
        listed.write_text(f"name,type\nrepo1,{task}\n")
        tasks.append(tags.communities(repos, 2, ()).communities["tasks"].to_list())
    assert [task for found in tasks for task in found if task] == ["serving (1)", "monitoring (1)"]


def test_tag_communities_do_not_depend_on_string_hashing():
    """Louvain with a seed gives one answer whatever order Python's hashing puts the tags in."""
    import subprocess
    import sys

    code = (
        "import numpy as np; from analysis import tags; rng = np.random.default_rng(6);"
        "sets = [[f'tag{i}' for i in rng.choice(40, size=int(rng.integers(2, 6)), replace=False)] for _ in range(150)];"
        "print(sorted(sorted(p) for p in tags.best_partition(tags.graph(sets), 1)[0]))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], env={"PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(runs) == 1


@pytest.mark.parametrize(
    ("verdicts", "headline"),
    [
        (
            {"topics": False, "clusters": True, "tags": True},
            "Clusters and tag communities beat their null references; topics do not",
        ),
        (
            {"topics": True, "clusters": True, "tags": True},
            "Topics, clusters and tag communities beat their null references",
        ),
        (
            {"topics": None, "clusters": False, "tags": None},
            "Clusters do not beat their null references; topics and tag communities are not fitted on this snapshot",
        ),
    ],
)
def test_the_null_references_headline_names_what_beats_them(verdicts, headline):
    """A title for the deck's slide of null references: None stands for a model the snapshot is too small for."""
    from analysis import facts

    said = {f"{m}_supported": v is not None for m, v in verdicts.items()} | {
        f"{m}_finding": bool(v) for m, v in verdicts.items()
    }
    assert facts.nulls_headline(said) == headline
