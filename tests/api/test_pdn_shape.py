import pytest

from lacs.api.pdn import PdnQueryError, paginated, parse_query

SORTABLE = {"nombres", "rfc"}
FILTERS = {"nombres", "id"}


def test_defaults_follow_the_specification():
    query = parse_query({}, sortable=SORTABLE, filters=FILTERS)
    assert (query.page, query.page_size, query.sort, query.query) == (1, 10, {}, {})


@pytest.mark.parametrize(
    "body",
    [
        {"pageSize": 0},
        {"pageSize": 201},
        {"pageSize": "10"},
        {"page": 0},
        {"page": True},
        {"sort": {"nombres": "up"}},
        {"sort": {"salario": "asc"}},
        {"query": {"color": "x"}},
        {"query": []},
        {"extra": 1},
        ["not", "an", "object"],
        {"rfcSolicitante": 5},
    ],
)
def test_malformed_bodies_are_refused_with_a_code_and_message(body):
    with pytest.raises(PdnQueryError) as raised:
        parse_query(body, sortable=SORTABLE, filters=FILTERS)
    assert raised.value.status_code == 400 and str(raised.value.detail)


def test_pagination_block_counts_and_says_whether_more_follow():
    query = parse_query({"page": 2, "pageSize": 3}, sortable=SORTABLE, filters=FILTERS)
    body = paginated(query, list(range(8)), 8, lambda n: {"id": str(n)})
    assert body["pagination"] == {"pageSize": 3, "page": 2, "totalRows": 8, "hasNextPage": True}
    assert [r["id"] for r in body["results"]] == ["3", "4", "5"]
    last = paginated(
        parse_query({"page": 3, "pageSize": 3}, sortable=SORTABLE, filters=FILTERS),
        list(range(8)),
        8,
        str,
    )
    assert last["pagination"]["hasNextPage"] is False and last["results"] == ["6", "7"]
