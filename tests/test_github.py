"""The client's waits, exactly as GitHub's docs prescribe, recorded instead of slept."""

from __future__ import annotations

import pytest
from fake_github import FakeGitHub, Fault, make_repos

from analysis.collection.github import GaveUp, GitHub, GitHubError, Pacing, Response

SEARCH = ("/search/repositories", {"q": "topic:mlops", "per_page": 100, "page": 1})


def client(fake: FakeGitHub, waits: list[float], **pacing) -> GitHub:
    clock = iter(range(10**9)).__next__  # search pacing sees a second pass per call
    return GitHub(fake.url, "token", Pacing(sleep=waits.append, clock=lambda: 1_700_000_000.0 + clock(), **pacing))


@pytest.mark.parametrize(
    "kind,expected",
    [("secondary", [1.0]), ("too_many", [60.0]), ("secondary_no_retry_after", [60.0, 120.0])],
)
def test_rate_limit_waits(kind, expected):
    waits: list[float] = []
    with FakeGitHub(make_repos(5), faults=[Fault("/search", kind, times=len(expected))]) as fake:
        response = client(fake, waits).get(*SEARCH)
    assert response.status == 200
    assert [w for w in waits if w >= 1] == expected


def test_primary_limit_waits_until_reset():
    waits: list[float] = []
    with FakeGitHub(make_repos(5), faults=[Fault("/search", "primary")]) as fake:
        gh = GitHub(fake.url, "token", Pacing(sleep=waits.append))
        assert gh.get(*SEARCH).status == 200
    assert len(waits) == 1 and 1.0 <= waits[0] <= 3.5  # reset is 2 s ahead, plus a second


def test_graphql_rate_limit_in_a_200_body_is_waited_out():
    waits: list[float] = []
    with FakeGitHub(make_repos(5), faults=[Fault("/graphql", "graphql_rate_limited")]) as fake:
        gh = GitHub(fake.url, "token", Pacing(sleep=waits.append))
        response = gh.graphql("query RepoCounts($ids: [ID!]!) { x }", {"ids": ["R_10000"]})
    assert response.body["data"]["nodes"][0]["databaseId"] == 10000
    assert len(waits) == 1 and waits[0] >= 1


def test_gives_up_after_bounded_rate_limit_waits():
    waits: list[float] = []
    with FakeGitHub(make_repos(5), faults=[Fault("/search", "secondary_no_retry_after", 99)]) as fake:
        with pytest.raises(GitHubError, match="still rate limited after 3 waits"):
            client(fake, waits, max_rate_limit_waits=3).get(*SEARCH)
    assert [w for w in waits if w >= 1] == [60.0, 120.0, 240.0]


def test_server_errors_back_off_exponentially_then_give_up():
    waits: list[float] = []
    with FakeGitHub(make_repos(5), faults=[Fault("/search", "500", 99)]) as fake:
        with pytest.raises(GitHubError, match="gave up after 4 tries"):
            client(fake, waits, max_transient_tries=4).get(*SEARCH)
        assert fake.count("/search", 500) == 4
    backoff = [w for w in waits if w < 59]
    assert len(backoff) == 3 and backoff[0] < backoff[-1]


def test_a_plain_403_is_returned_not_waited():
    waits: list[float] = []
    with FakeGitHub(make_repos(5)) as fake:
        gh = client(fake, waits)
        assert gh.get("/nowhere", {}).status == 404
    assert not [w for w in waits if w >= 1]


@pytest.mark.parametrize("token,interval", [("token", 2.1), (None, 6.1)])
def test_searches_are_paced_under_the_per_minute_limit(token, interval):
    waits: list[float] = []
    with FakeGitHub(make_repos(5)) as fake:
        gh = GitHub(fake.url, token, Pacing(sleep=waits.append, clock=lambda: 1_700_000_000.0))
        gh.get(*SEARCH)
        gh.get(*SEARCH)
    assert waits == [interval]  # the first search goes at once; the second waits out the interval


def test_graphql_rate_limit_points_are_read_and_waited_for():
    waits: list[float] = []
    with FakeGitHub(make_repos(5)) as fake:
        gh = GitHub(fake.url, "token", Pacing(sleep=waits.append, clock=lambda: 1_900_000_000.0))
        gh.graphql("query RepoCounts($ids: [ID!]!) { x }", {"ids": ["R_10000"]})
    assert gh.budget.graphql_cost == 1 and gh.budget.remaining["graphql"] == 4999
    assert not waits
    spent = {"data": {"rateLimit": {"cost": 3, "remaining": 0, "resetAt": "2030-03-17T17:46:40Z"}}}
    gh._note_graphql_budget(Response(200, {}, spent))  # 2030-03-17T17:46:40Z = 1,900,000,000 s
    assert waits == [1.0] and gh.budget.graphql_cost == 4


def test_a_graphql_batch_that_keeps_failing_is_given_up_soon_for_the_caller_to_split():
    waits: list[float] = []
    with FakeGitHub(make_repos(5), faults=[Fault("/graphql", "502", 99)]) as fake:
        with pytest.raises(GaveUp, match="POST /graphql: gave up after 2 tries"):
            client(fake, waits).graphql("query RepoCounts($ids: [ID!]!) { x }", {"ids": ["R_10000"]})
        assert fake.count("/graphql", 502) == 2
