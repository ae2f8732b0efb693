"""Indicators without a Cardinal fixture, and Mexico City's own flags."""

from __future__ import annotations

from procurement.indicators import ALL_CODES, Settings, indicators_compute, method_of


def run(releases, ini, **context):
    return indicators_compute(releases, Settings.from_ini(ini), **context)


def bid(tenderer, amount=None, status="valid", date=None):
    out = {"status": status, "tenderers": [{"id": tenderer}]}
    if amount is not None:
        out["value"] = {"amount": amount, "currency": "MXN"}
    if date:
        out["date"] = date
    return out


def award(supplier, status="active", amount=None, date=None, items=()):
    out = {"status": status, "suppliers": [{"id": supplier}], "items": list(items)}
    if amount is not None:
        out["value"] = {"amount": amount, "currency": "MXN"}
    if date:
        out["date"] = date
    return out


def test_r058_flags_a_heavily_discounted_winning_bid():
    releases = [
        {
            "ocid": f"p{i}",
            "bids": {"details": [bid("W", 100), bid("L", 110 + i)]},
            "awards": [award("W")],
        }
        for i in range(8)
    ]
    releases.append(
        {
            "ocid": "cheap",
            "bids": {"details": [bid("W", 10), bid("L", 100)]},
            "awards": [award("W")],
        }
    )
    result = run(releases, "[R058]\n")
    assert result == {"OCID": {"cheap": {"R058": 9.0}}, "Tenderer": {"W": {"R058": 0.0}}}


def test_r030_flags_a_late_winning_bid():
    tender = {"tenderPeriod": {"endDate": "2020-01-10T00:00:00Z"}}
    releases = [
        {
            "ocid": "late",
            "tender": tender,
            "bids": {"details": [bid("W", 1, date="2020-01-11T00:00:00Z"), bid("L", 2)]},
            "awards": [award("W")],
        },
        {
            "ocid": "late loser",
            "tender": tender,
            "bids": {"details": [bid("L", 1, date="2020-01-11T00:00:00Z")]},
            "awards": [award("W")],
        },
    ]
    assert run(releases, "[R030]\n") == {
        "OCID": {"late": {"R030": 1.0}},
        "Tenderer": {"W": {"R030": 1.0}},
    }


def test_r025_flags_tenderers_who_bid_often_and_rarely_win():
    releases = []
    for i in range(10):  # A wins every time; B bids ten times and never wins
        releases.append(
            {"ocid": f"a{i}", "bids": {"details": [bid("A"), bid("B")]}, "awards": [award("A")]}
        )
    for i in range(3):
        releases.append(
            {"ocid": f"c{i}", "bids": {"details": [bid(f"C{i}")]}, "awards": [award(f"C{i}")]}
        )
    result = run(releases, "[R025]\nthreshold = 0.1\n")
    assert result == {"Tenderer": {"B": {"R025": 0.0}}}


def test_r048_flags_a_supplier_with_unrelated_items():
    releases = []
    for supplier in ("S1", "S2", "S3", "S4", "H"):
        for i in range(3):
            codes = [f"{i}{j}000000" for j in range(9)] if supplier == "H" else ["43000000"]
            releases.append(
                {
                    "ocid": f"{supplier}-{i}",
                    "awards": [
                        award(supplier, items=[{"classification": {"id": c}} for c in codes])
                    ],
                }
            )
    result = run(releases, "[R048]\nminimum_contracting_processes = 3\nthreshold = 5\n")
    assert result == {"Tenderer": {"H": {"R048": 27.0}}}


def direct(ocid, buyer, supplier, amount, date):
    return {
        "ocid": ocid,
        "buyer": {"id": buyer},
        "tender": {
            "procurementMethodDetails": "Adjudicación directa",
            "procurementMethod": "limited",
        },
        "awards": [award(supplier, amount=amount, date=date)],
    }


def test_r055_flags_repeated_direct_awards_that_reach_the_open_tender_value():
    releases = [
        direct("a", "B", "S", 400_000, "2020-01-01T00:00:00Z"),
        direct("b", "B", "S", 400_000, "2020-06-01T00:00:00Z"),
        direct("c", "B", "S", 300_000, "2020-11-01T00:00:00Z"),
        direct("far", "B", "S", 900_000, "2023-01-01T00:00:00Z"),
        direct("other", "B", "T", 900_000, "2020-01-02T00:00:00Z"),
    ]
    result = run(releases, "[R055]\nthreshold = 1000000\n")
    assert set(result["OCID"]) == {"a", "b", "c"}
    assert result["OCID"]["c"]["R055"] == 1_100_000.0
    assert result["Buyer"] == {"B": {"R055": 1_100_000.0}}
    assert result["Tenderer"] == {"S": {"R055": 1_100_000.0}}


def test_mx01_flags_direct_awards_just_below_a_threshold():
    releases = [
        direct("below", "B", "S", 395_000, "2020-01-01T00:00:00Z"),
        direct("far below", "B", "S", 100_000, "2020-01-01T00:00:00Z"),
        direct("above", "B", "S", 401_000, "2020-01-01T00:00:00Z"),
    ]
    result = run(releases, "[MX01]\nthresholds = 400000|1000000\nmargin = 0.05\n")
    assert list(result["OCID"]) == ["below"]


def test_mx02_and_mx03_flag_declared_interests_and_sanctioned_suppliers():
    releases = [
        direct("linked", "B", "abc010101xyz", 10, "2020-01-01T00:00:00Z"),
        direct("sanctioned", "B", "SAN010101AAA", 10, "2020-01-01T00:00:00Z"),
        direct("clean", "B", "OK0101010AA", 10, "2020-01-01T00:00:00Z"),
    ]
    result = run(
        releases,
        "[MX02]\n[MX03]\n",
        declared_interests={"B": {"ABC010101XYZ"}},
        sanctioned={"SAN010101AAA"},
    )
    assert result["OCID"] == {"linked": {"MX02": 1.0}, "sanctioned": {"MX03": 1.0}}


def test_local_method_names_map_to_ocds_methods():
    assert method_of({"procurementMethodDetails": "Licitación Pública Nacional"}) == "open"
    assert (
        method_of(
            {"procurementMethodDetails": "Invitación restringida a cuando menos tres personas"}
        )
        == "selective"
    )
    assert (
        method_of(
            {"procurementMethodDetails": "ADJUDICACIÓN DIRECTA", "procurementMethod": "limited"}
        )
        == "direct"
    )
    assert method_of({"procurementMethod": "limited"}) == "direct"
    assert method_of({}) == ""


def test_indicators_run_only_when_their_section_exists():
    release = {"ocid": "x", "tender": {"numberOfTenderers": 1, "procurementMethod": "open"}}
    assert run([release], "[R003]\n") == {}
    assert run([release], "[R018]\n") == {"OCID": {"x": {"R018": 1.0}}}


def test_settings_with_a_non_numeric_figure_are_refused():
    import pytest

    with pytest.raises(ValueError, match="threshold"):
        Settings.from_ini("[R003]\nthreshold = quince\n")
    with pytest.raises(ValueError, match="cinco"):
        Settings.from_ini("[R003.procurement_method_details]\nx = cinco\n")
    assert Settings.from_ini("[MX01]\nthresholds = 400000|1000000\n").enabled("MX01")


def test_indicators_never_crash_on_odd_shapes():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5)
    )
    odd = st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "id",
                        "status",
                        "value",
                        "amount",
                        "currency",
                        "tenderers",
                        "suppliers",
                        "details",
                        "items",
                        "classification",
                        "date",
                        "tenderPeriod",
                        "startDate",
                        "endDate",
                        "procurementMethod",
                        "numberOfTenderers",
                        "procurementMethodDetails",
                    ]
                ),
                inner,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
    release = st.fixed_dictionaries(
        {"ocid": st.text(max_size=3)},
        optional={"tender": odd, "bids": odd, "awards": odd, "buyer": odd, "date": odd},
    )
    every = Settings.from_ini(
        "".join(f"[{code}]\n" for code in ALL_CODES) + "[R055]\nthreshold = 1\n"
    )

    @settings(max_examples=150, deadline=None)
    @given(st.lists(release, max_size=6))
    def check(releases):
        indicators_compute(releases, every)

    check()
