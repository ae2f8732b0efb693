"""Our compiled releases are ocdsmerge's, over generated releases: OCDS 1.1 packages (objects
without ``id`` appended) and 1.0 packages (lists of objects without ``id`` replaced whole, the
rule a 1.0 schema gives them), with nulls, repeated organisations, amendments and lists of
plain values."""

from __future__ import annotations

import copy
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procurement import ocds

ocdsmerge = pytest.importorskip("ocdsmerge")
from ocdsmerge.rules import get_merge_rules  # noqa: E402

OCID = "ocds-test-0001"
# Lists whose objects never carry an id in the generated data (in the schema or not).
IDLESS = (("tender", "tenderers"), ("x_notes",), ("awards", "x_notes"))


def _maybe(strategy):
    return st.one_of(st.none(), strategy)


text = st.sampled_from(["a", "b", "Constructora Azteca", "", "ñ"])
org_ids = st.sampled_from(["MX-RFC-AAA010101AA1", "MX-RFC-BBB020202BB2", "MX-RFC-CCC030303CC3"])
org_ref = st.fixed_dictionaries({"id": org_ids}, optional={"name": _maybe(text)})
party = st.fixed_dictionaries(
    {"id": org_ids},
    optional={
        "name": _maybe(text),
        "roles": _maybe(st.lists(st.sampled_from(["buyer", "supplier", "tenderer"]), max_size=2)),
        "address": _maybe(st.fixed_dictionaries({}, optional={"locality": _maybe(text)})),
    },
)
value = st.fixed_dictionaries(
    {}, optional={"amount": _maybe(st.integers(0, 10)), "currency": _maybe(st.just("MXN"))}
)
change = st.fixed_dictionaries({"property": text}, optional={"former_value": _maybe(text)})
amendment = st.fixed_dictionaries(
    {"id": st.sampled_from(["am1", "am2"])},
    optional={
        "description": _maybe(text),
        "changes": _maybe(st.lists(change, max_size=2)),
        "date": _maybe(st.just("2024-02-01T00:00:00Z")),
    },
)
note = st.fixed_dictionaries({"text": _maybe(text)}, optional={"lang": _maybe(text)})
item = st.fixed_dictionaries(
    {"id": st.sampled_from(["i1", "i2", "i3"])},
    optional={"description": _maybe(text), "quantity": _maybe(st.integers(0, 3))},
)
award = st.fixed_dictionaries(
    {"id": st.sampled_from(["aw1", "aw2"])},
    optional={
        "status": _maybe(st.sampled_from(["pending", "active", "cancelled"])),
        "value": _maybe(value),
        "suppliers": _maybe(st.lists(org_ref, max_size=2)),
        "items": _maybe(st.lists(item, max_size=2)),
        "amendments": _maybe(st.lists(amendment, max_size=2)),
        "x_notes": _maybe(st.lists(note, min_size=1, max_size=2)),
    },
)
tender = st.fixed_dictionaries(
    {},
    optional={
        "id": _maybe(st.just("t1")),
        "title": _maybe(text),
        "value": _maybe(value),
        "submissionMethod": _maybe(
            st.lists(_maybe(st.sampled_from(["electronicSubmission", "written"])), max_size=2)
        ),
        "items": _maybe(st.lists(item, max_size=3)),
        "tenderers": _maybe(
            st.lists(st.fixed_dictionaries({"name": text}), min_size=1, max_size=2)
        ),
        "amendments": _maybe(st.lists(amendment, max_size=2)),
    },
)
dates = st.sampled_from(["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z"])


@st.composite
def releases(draw):
    count = draw(st.integers(1, 4))
    out = []
    for index in range(count):
        release = {
            "ocid": OCID,
            "id": f"r{index}",
            "date": draw(dates),
            "tag": draw(st.sampled_from([["tender"], ["award"], ["compiled"]])),
        }
        for key, strategy in (
            ("tender", _maybe(tender)),
            ("parties", _maybe(st.lists(party, max_size=3))),
            ("buyer", _maybe(org_ref)),
            ("awards", _maybe(st.lists(award, max_size=2))),
            ("x_notes", _maybe(st.lists(note, min_size=1, max_size=2))),
            ("x_scalar", _maybe(text)),
        ):
            if draw(st.booleans()):
                release[key] = draw(strategy)
        out.append(release)
    return out


def theirs(data: list[dict], rules: dict) -> dict:
    merger = ocdsmerge.Merger(merge_rules=rules)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return merger.create_compiled_release(copy.deepcopy(data))


@pytest.fixture(scope="module")
def rules_1_1() -> dict:
    return get_merge_rules(str(ocds.SCHEMA_PATH))


SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(data=releases())
def test_compiled_releases_of_1_1_packages_are_ocdsmerges(rules_1_1, data):
    before = copy.deepcopy(data)
    assert ocds.compile_releases(data, "1.1") == theirs(data, rules_1_1)
    assert data == before  # the releases are never written into


@SETTINGS
@given(data=releases())
def test_compiled_releases_of_1_0_packages_replace_lists_without_ids(rules_1_1, data):
    rules = {**rules_1_1, **dict.fromkeys(IDLESS, "wholeListMerge")}
    assert ocds.compile_releases(data, "1.0") == theirs(data, rules)


def test_our_rules_are_ocdsmerges_rules_for_the_schema(rules_1_1):
    whole, omit = ocds.merge_rules()
    assert whole == {k for k, v in rules_1_1.items() if v == "wholeListMerge"}
    assert omit == {k for k, v in rules_1_1.items() if v == "omitWhenMerged"}


def test_objects_without_id_are_appended_in_1_1_and_replace_the_list_in_1_0():
    first = {"ocid": OCID, "id": "1", "date": "2024-01-01T00:00:00Z"}
    second = {**first, "id": "2", "date": "2024-01-02T00:00:00Z"}
    first["tender"] = {"tenderers": [{"name": "A"}]}
    second["tender"] = {"tenderers": [{"name": "B"}]}
    assert ocds.compile_releases([first, second], "1.1")["tender"]["tenderers"] == [
        {"name": "A"},
        {"name": "B"},
    ]
    assert ocds.compile_releases([first, second], "1.0")["tender"]["tenderers"] == [{"name": "B"}]
