"""Every language share the documents state names its denominator, and equals a count done by hand."""

from __future__ import annotations

import polars as pl
from test_analyses import repos_frame

from analysis import eda, facts, talk

#: Ten repositories, three of which GitHub gives no language.
LANGUAGES = ["Python"] * 4 + ["Jupyter Notebook"] * 2 + ["Go"] + [None] * 3


def planted() -> pl.DataFrame:
    return repos_frame(
        [
            {"language": lang, "created_at": "2021-01-01", "pushed_at": "2022-12-01", "stargazers_count": i + 1}
            for i, lang in enumerate(LANGUAGES)
        ]
    )


def test_language_shares_name_their_denominator_and_match_a_hand_count():
    repos = planted()
    stated = facts.profile_facts(repos)
    # By hand: Python 4 of all 10 and 4 of the 7 with a language; Jupyter Notebook 2 of 10 and 2 of 7.
    assert (stated["top_language"], stated["top_language_share"], stated["top_language_share_known"]) == (
        "Python",
        "40%",
        "57%",
    )
    assert (stated["second_language"], stated["second_language_share"], stated["second_language_share_known"]) == (
        "Jupyter Notebook",
        "20%",
        "29%",
    )
    assert stated["with_language"] == "7"
    assert eda.share_text(repos, "Python") == "40% of all 10 (57% of the 7 with a language)"
    assert eda.share_text(repos, "Jupyter Notebook") == "20% of all 10 (29% of the 7 with a language)"


def test_no_language_is_never_named_the_top_language():
    languages = [None] * 6 + ["Python"] * 4 + ["Go"] * 2
    repos = repos_frame([{"language": x, "created_at": "2021-01-01", "pushed_at": "2022-12-01"} for x in languages])
    assert facts.profile_facts(repos)["top_language"] == "Python"


def test_the_talk_table_compares_like_with_like():
    """The talk's language shares were over repositories with a language: the table says so and shows both."""
    values = talk.stated()
    shares = values.filter(values["kind"] == "share")
    assert all("with a language" in q for q in shares["quantity"])
    table = talk.reconcile(values, {f"study_{k}": eda.share_text(planted(), "Python") for k in values["key"]})
    study = table.filter(table["quantity"].str.starts_with("Python"))["study"][0]
    assert "of all 10" in study and "of the 7 with a language" in study
    assert not any("same denominator" in why for why in values["why"])
