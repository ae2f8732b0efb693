"""Every example in Cardinal's documentation of its eleven red flags and its settings file, as a
test: the worked examples (the "Atlantis" figures), the demonstrations' outputs, the output
values, the exclusions and the settings each page describes. Inputs are written here to produce
the figures the pages give; the pages are MIT-licensed (OCDS Cardinal, Open Contracting
Partnership)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from procurement.indicators import CARDINAL_CODES, Settings, fences, indicators_compute

SETTINGS = "".join(f"[{code}]\n" for code in CARDINAL_CODES)


def run(releases, ini=SETTINGS):
    return indicators_compute(releases, Settings.from_ini(ini))


def bid(tenderer, amount=None, status="valid", date=None, tenderers=None):
    out = {"status": status, "tenderers": tenderers or [{"id": tenderer}]}
    if amount is not None:
        out["value"] = {"amount": amount, "currency": "USD"}
    if date:
        out["date"] = date
    return out


def award(supplier, status="active", items=(), suppliers=None):
    out = {"status": status, "suppliers": suppliers or [{"id": supplier}]}
    if items:
        out["items"] = [{"classification": {"id": code}} for code in items]
    return out


def priced(ocid, winner, winning, second, loser="L", **extra):
    """A process won by ``winner`` at ``winning``, ``loser``'s valid bid second at ``second``."""
    return {
        "ocid": ocid,
        "bids": {"details": [bid(winner, winning), bid(loser, second)]},
        "awards": [award(winner)],
        **extra,
    }


def period(ocid, start, end, **tender):
    return {
        "ocid": ocid,
        "tender": {"tenderPeriod": {"startDate": start, "endDate": end}, **tender},
    }


# --- R003 Short submission period --------------------------------------------------------------
def test_r003_a_five_day_submission_period_is_flagged():
    # The National Rail Service publishes on March 15 with a submission deadline of March 20.
    releases = [
        period("F", "2024-03-15T00:00:00Z", "2024-03-20T00:00:00Z"),
        period("long", "2024-03-01T00:00:00Z", "2024-03-20T00:00:00Z"),
    ]
    assert run(releases) == {"OCID": {"F": {"R003": 1.0}}}


def test_r003_counts_whole_days_against_the_threshold_of_fifteen():
    releases = [
        period("14.9", "2024-03-01T00:00:00Z", "2024-03-15T23:00:00Z"),
        period("15", "2024-03-01T00:00:00Z", "2024-03-16T00:00:00Z"),
    ]
    assert run(releases) == {"OCID": {"14.9": {"R003": 1.0}}}


def test_r003_threshold_per_setting_per_method_details_and_per_method():
    releases = [
        period("9 days", "2024-03-01T00:00:00Z", "2024-03-10T00:00:00Z"),
        period(
            "cotizacion",
            "2024-03-01T00:00:00Z",
            "2024-03-08T00:00:00Z",
            procurementMethodDetails="Cotización",
        ),
        period(
            "licitacion",
            "2024-03-01T00:00:00Z",
            "2024-03-10T00:00:00Z",
            procurementMethodDetails="Licitación",
            procurementMethod="direct",
        ),
    ]
    ini = "[R003]\nthreshold = 10\n[R003.procurement_method_details]\nCotización = 7\nLicitación = 10\n"
    assert run(releases, ini) == {"OCID": {"9 days": {"R003": 1.0}, "licitacion": {"R003": 1.0}}}
    ini += "[R003]\nprocurement_methods = open|selective|limited\n"
    assert run(releases, ini) == {}


# --- R018 Single bid received ------------------------------------------------------------------
def test_r018_a_competitive_process_with_one_tenderer_is_flagged():
    # The Ministry of Education publishes an open opportunity and receives a single bid.
    releases = [
        {"ocid": "F", "tender": {"procurementMethod": "open", "numberOfTenderers": 1}},
        {"ocid": "two", "tender": {"procurementMethod": "open", "numberOfTenderers": 2}},
        {"ocid": "direct", "tender": {"procurementMethod": "direct", "numberOfTenderers": 1}},
    ]
    assert run(releases) == {"OCID": {"F": {"R018": 1.0}}}
    assert run(releases, "[R018]\nprocurement_methods = direct\n") == {
        "OCID": {"direct": {"R018": 1.0}}
    }


# --- R024 Price close to winning bid and R058 Heavily discounted bid ---------------------------
def atlantis_differences():
    """Processes whose differences have Q1 = 5% and Q3 = 7%, as in the pages' examples."""
    gaps = [105] * 7 + [106] * 5 + [107] * 7
    return [priced(f"p{i}", f"W{i}", 100, gap, loser=f"L{i}") for i, gap in enumerate(gaps)]


def test_r024_collusion_corp_a_one_percent_difference_under_a_two_percent_fence():
    releases = [*atlantis_differences(), priced("F", "CollusionCorp", 100_000, 101_000, "PM")]
    lower, _upper = fences([0.01] + [0.05] * 7 + [0.06] * 5 + [0.07] * 7)
    assert lower == pytest.approx(0.02)
    assert run(releases, "[R024]\n") == {
        "OCID": {"F": {"R024": 0.01}},
        "Tenderer": {"CollusionCorp": {"R024": 0.0}, "PM": {"R024": 0.0}},
    }


def test_r024_demonstration_flags_the_process_its_winner_and_second_lowest_bidder():
    releases = [priced("F", "W", 1, 2), priced("far", "X", 1, 5, loser="Y")]
    assert run(releases, "[R024]\nthreshold = 1\n") == {
        "OCID": {"F": {"R024": 1.0}},
        "Tenderer": {"L": {"R024": 0.0}, "W": {"R024": 0.0}},
    }


R024_EXCLUSIONS = {
    "pending award": {"awards": [award("W"), {"status": "pending"}]},
    "invalid award": {"awards": [award("W"), {"status": "invalid"}]},
    "winning bid not the lowest": {"bids": {"details": [bid("W", 2), bid("L", 1)]}},
    "several active awards": {"awards": [award("W"), award("W")]},
    "bid by several tenderers": {
        "bids": {"details": [bid("W", 1), bid("L", 1, tenderers=[{"id": "L"}, {"id": "M"}])]}
    },
    "award to several suppliers": {"awards": [award("W", suppliers=[{"id": "W"}, {"id": "X"}])]},
}


@pytest.mark.parametrize("case", sorted(R024_EXCLUSIONS))
@pytest.mark.parametrize("code", ["R024", "R058"])
def test_r024_and_r058_exclusions(code, case):
    release = {**priced("F", "W", 1, 1), **R024_EXCLUSIONS[case]}
    threshold = "0" if code == "R058" else "100"
    assert run([release], f"[{code}]\nthreshold = {threshold}\n") == {}


def test_r058_lemon_industries_a_fifteen_percent_difference_over_a_ten_percent_fence():
    releases = [*atlantis_differences(), priced("F", "Lemon", 100_000, 115_000, "FairDeal")]
    _lower, upper = fences([0.15] + [0.05] * 7 + [0.06] * 5 + [0.07] * 7)
    assert upper == pytest.approx(0.1)
    assert run(releases, "[R058]\n") == {
        "OCID": {"F": {"R058": 0.15}},
        "Tenderer": {"Lemon": {"R058": 0.0}},
    }


def test_r058_demonstration_flags_the_process_and_its_winner_with_zero():
    releases = [priced(f"p{i}", f"W{i}", 100, 101 + i, f"L{i}") for i in range(4)]
    releases.append(priced("F", "W", 1, 100))
    assert run(releases) == {"OCID": {"F": {"R058": 99.0}}, "Tenderer": {"W": {"R058": 0.0}}}


def test_price_comparisons_follow_the_global_method_settings():
    releases = [
        priced("npc", "W", 1, 1, tender={"procurementMethodDetails": "Sorteo de Obras"}),
        priced("auction", "X", 1, 1, "Y", tender={"procurementMethodDetails": "Reverse Auction"}),
        priced("unnamed", "Z", 1, 1, "V"),
    ]
    ini = "no_price_comparison_procurement_methods = Random Selection|Sorteo de Obras\n"
    assert set(run(releases, ini + "[R024]\nthreshold = 0\n")["OCID"]) == {"auction", "unnamed"}
    ini = "price_comparison_procurement_methods = Reverse Auction\n"
    assert set(run(releases, ini + "[R024]\nthreshold = 0\n")["OCID"]) == {"auction"}


# --- R025 Excessive unsuccessful bids ----------------------------------------------------------
def bids_of(tenderer, count, wins, prefix):
    """``count`` processes with a valid bid of ``tenderer``, ``wins`` of them won by it and the
    rest by a supplier who did not bid."""
    return [
        {
            "ocid": f"{prefix}{i}",
            "bids": {"details": [bid(tenderer)]},
            "awards": [award(tenderer if i < wins else "X")],
        }
        for i in range(count)
    ]


def test_r025_unethical_bid_wins_fifteen_of_its_hundred_and_fifty_bids():
    # 75% of bidders submitted at most 100 bids; half and three quarters win a ratio of 1/2 and
    # 3/4: a lower fence of 1/8. UnethicalBid Ltd. won 15 of 150 (1/10).
    releases = []
    for i, wins in enumerate((50, 50, 60, 70, 75, 75, 80)):
        releases += bids_of(f"T{i}", 100, wins, f"t{i}-")
    releases += bids_of("UnethicalBid", 150, 15, "u-")
    assert run(releases, "[R025]\n") == {"Tenderer": {"UnethicalBid": {"R025": 0.1}}}


def test_r025_demonstration_one_win_in_six():
    releases = bids_of("F", 6, 1, "f-") + bids_of("G", 1, 1, "g-")
    assert run(releases, "[R025]\nthreshold = 0.5\n") == {
        "Tenderer": {"F": {"R025": 0.16666666666666666}}
    }


def test_r025_an_excluded_process_does_not_count_so_the_ratio_is_one_in_five():
    releases = bids_of("F", 6, 1, "f-") + bids_of("G", 1, 1, "g-")
    releases[-2]["awards"].append(award("Y"))  # several active awards: excluded
    assert run(releases, "[R025]\nthreshold = 0.5\n") == {"Tenderer": {"F": {"R025": 0.2}}}


def test_r025_counts_a_tenderer_once_per_process_and_follows_the_exclusions():
    releases = bids_of("F", 6, 1, "f-") + bids_of("G", 1, 1, "g-")
    releases[1]["bids"]["details"].append(bid("F"))  # a second valid bid in the same process
    releases[2]["awards"].append({"status": "pending"})
    releases[3]["awards"][0]["suppliers"].append({"id": "Z"})
    releases[4]["bids"]["details"].append(bid("M", tenderers=[{"id": "M"}, {"id": "N"}]))
    # Left: the process won, the one with two bids from F, and the last one.
    assert run(releases, "[R025]\nthreshold = 0.5\n") == {
        "Tenderer": {"F": {"R025": 0.3333333333333333}}
    }


def test_r025_only_top_tenderers_at_or_above_the_percentile_are_flagged():
    releases = bids_of("F", 6, 0, "f-") + bids_of("G", 2, 0, "g-") + bids_of("H", 9, 9, "h-")
    assert run(releases, "[R025]\nthreshold = 0.5\npercentile = 50\n") == {
        "Tenderer": {"F": {"R025": 0.0}}
    }


# --- R028 Identical bid prices -----------------------------------------------------------------
def test_r028_bribe_corp_matches_the_lowest_price():
    releases = [
        {
            "ocid": "F",
            "bids": {"details": [bid("D", 10, "disqualified"), bid("V", 10), bid("O", 12)]},
            "awards": [award("V")],
        },
        {"ocid": "same tenderer", "bids": {"details": [bid("S", 5), bid("S", 5)]}},
    ]
    assert run(releases, "[R028]\n") == {
        "OCID": {"F": {"R028": 1.0}},
        "Tenderer": {"D": {"R028": 1.0}, "V": {"R028": 1.0}},
    }
    assert run(releases, "no_price_comparison_procurement_methods = x\n[R028]\n") != {}
    for release in releases:
        release["tender"] = {"procurementMethodDetails": "x"}
    assert run(releases, "no_price_comparison_procurement_methods = x\n[R028]\n") == {}


# --- R030 Late bid won -------------------------------------------------------------------------
def test_r030_corruptx_bids_after_the_deadline_and_wins():
    tender = {
        "tenderPeriod": {"startDate": "2024-01-01T00:00:00Z", "endDate": "2024-03-15T00:00:00Z"}
    }
    releases = [
        {
            "ocid": "F",
            "tender": tender,
            "bids": {
                "details": [
                    bid("W", date="2024-04-01T00:00:00Z"),
                    bid("O", date="2024-03-01T00:00:00Z"),
                ]
            },
            "awards": [award("W")],
        },
        {
            "ocid": "late loser",
            "tender": tender,
            "bids": {"details": [bid("Q", date="2024-04-01T00:00:00Z")]},
            "awards": [award("O")],
        },
    ]
    assert run(releases) == {"OCID": {"F": {"R030": 1.0}}, "Tenderer": {"W": {"R030": 1.0}}}


# --- R035 All except winning bid disqualified --------------------------------------------------
def test_r035_four_of_five_bids_disqualified_the_fifth_wins():
    details = [bid("V")] + [bid(f"D{i}", status="disqualified") for i in range(4)]
    releases = [{"ocid": "F", "bids": {"details": details}, "awards": [award("V")]}]
    assert run(releases, "[R035]\n") == {
        "OCID": {"F": {"R035": 4.0}},
        "Tenderer": {"V": {"R035": 0.0}},
    }
    assert run(releases, "[R035]\nthreshold = 5\n") == {}


def test_r035_demonstration_and_exclusions():
    details = [bid("V"), bid("D", status="disqualified")]
    release = {"ocid": "F", "bids": {"details": details}, "awards": [award("V")]}
    ini = "[R035]\n"
    assert run([release], ini) == {"OCID": {"F": {"R035": 1.0}}, "Tenderer": {"V": {"R035": 0.0}}}
    for status in ("pending", "invalid"):
        excluded = {**release, "awards": [award("V"), {"status": status}]}
        assert run([excluded], ini) == {}
    other_winner = {**release, "awards": [award("X")]}
    assert run([other_winner], ini) == {}


# --- R036 Lowest bid disqualified --------------------------------------------------------------
def test_r036_fairdeal_disqualified_with_the_lowest_price():
    details = [bid("FairDeal", 100_000, "disqualified"), bid("BribeCorp", 111_111)]
    release = {"ocid": "F", "bids": {"details": details}, "awards": [award("BribeCorp")]}
    ini = "[R036]\n"
    assert run([release], ini) == {"OCID": {"F": {"R036": 1.0}}}
    assert run([{**release, "awards": [award("BribeCorp", status="cancelled")]}], ini) == {}
    no_valid = [bid("FairDeal", 100_000, "disqualified"), bid("BribeCorp", 111_111, "pending")]
    assert run([{**release, "bids": {"details": no_valid}}], ini) == {}
    predetermined = {**release, "tender": {"procurementMethodDetails": "x"}}
    assert run([predetermined], "no_price_comparison_procurement_methods = x\n[R036]\n") == {}


# --- R038 Excessive disqualified bids ----------------------------------------------------------
def disqualifying(ocid, disqualified, submitted=100, tenderer=None, **extra):
    details = [
        bid(tenderer or f"{ocid}-{i}", status="disqualified" if i < disqualified else "valid")
        for i in range(submitted)
    ]
    return {"ocid": ocid, "bids": {"details": details}, **extra}


def test_r038_state_water_corporation_disqualifies_59_percent():
    # Buyers disqualify 2% (Q1) to 22% (Q3) of bids: an upper fence of 52%.
    shares = {"B1": 2, "B2": 2, "B3": 2, "B4": 10, "B5": 20, "B6": 22, "B7": 22, "SWC": 59}
    releases = [disqualifying(b, d, buyer={"id": b}) for b, d in shares.items()]
    assert run(releases, "[R038]\n") == {"Buyer": {"SWC": {"R038": 0.59}}}


def test_r038_misconduct_corp_has_73_percent_of_its_bids_disqualified():
    # Tenderers have no disqualified bids (Q1) to 24% (Q3): an upper fence of 60%.
    shares = {"T1": 0, "T2": 0, "T3": 0, "T4": 10, "T5": 20, "T6": 24, "T7": 24, "MC": 73}
    releases = [disqualifying(t, d, tenderer=t) for t, d in shares.items()]
    assert run(releases, "[R038]\n") == {"Tenderer": {"MC": {"R038": 0.73}}}


def test_r038_demonstration_and_minimums():
    releases = [disqualifying("0", 1, 2, buyer={"id": "B"})]
    releases += [disqualifying(str(i), 0, 1, buyer={"id": str(i)}) for i in range(1, 5)]
    assert run(releases) == {"Buyer": {"B": {"R038": 0.5}}}
    one_bid = [disqualifying("x", 1, 1, tenderer="D"), disqualifying("y", 0, 1, tenderer="E")]
    assert run(one_bid, "[R038]\nthreshold = 0.5\n") == {}
    assert run(one_bid, "[R038]\nthreshold = 0.5\nminimum_submitted_bids = 1\n") == {
        "Tenderer": {"D": {"R038": 1.0}}
    }


# --- R048 Heterogeneous supplier ---------------------------------------------------------------
def supplying(supplier, variety, processes=20):
    codes = [f"{k:02d}000000" for k in range(variety)]
    return [
        {"ocid": f"{supplier}-{i}", "awards": [award(supplier, items=codes)]}
        for i in range(processes)
    ]


def test_r048_rent_seekers_supply_twenty_categories_over_a_fence_of_eight_and_a_half():
    releases = []
    for i, variety in enumerate((1, 1, 1, 2, 3, 4, 4)):
        releases += supplying(f"S{i}", variety)
    releases += supplying("RentSeekers", 20)
    # A supplier awarded in fewer processes is left out of the fence, not out of the flags.
    releases += supplying("Newcomer", 9, processes=1)
    releases += supplying("Small", 8, processes=1)
    assert run(releases, "[R048]\n") == {
        "Tenderer": {"Newcomer": {"R048": 9.0}, "RentSeekers": {"R048": 20.0}}
    }
    ini = "[R048]\nminimum_contracting_processes = 1\n"
    assert "Small" not in run(releases, ini).get("Tenderer", {})


def test_r048_demonstration_digits_and_the_several_suppliers_exclusion():
    releases = [
        {"ocid": "1", "awards": [award("F", items=["10100000", "20100000"])]},
        {"ocid": "2", "awards": [award("G", items=["10100000", "10200000"])]},
        {
            "ocid": "3",
            "awards": [
                award("G", items=["30000000", "40000000"], suppliers=[{"id": "G"}, {"id": "H"}])
            ],
        },
    ]
    assert run(releases, "[R048]\nthreshold = 2\n") == {"Tenderer": {"F": {"R048": 2.0}}}
    assert run(releases, "[R048]\nthreshold = 2\ndigits = 3\n") == {
        "Tenderer": {"F": {"R048": 2.0}, "G": {"R048": 2.0}}
    }


# --- the settings file and the exclusions shared by every indicator ----------------------------
def test_global_exclusions_ocid_cancelled_method_details_and_organisation_ids():
    flagged = {"tender": {"procurementMethod": "open", "numberOfTenderers": 1}}
    releases = [
        {"ocid": "F", **flagged},
        {"ocid": 7, **flagged},
        {"ocid": "cancelled", "tender": {**flagged["tender"], "status": "cancelled"}},
        {"ocid": "sorteo", "tender": {**flagged["tender"], "procurementMethodDetails": "Sorteo"}},
    ]
    ini = "[exclusions]\nprocurement_method_details = Random Selection|Sorteo\n[R018]\n"
    assert run(releases, ini) == {"OCID": {"F": {"R018": 1.0}}}
    no_id = {"ocid": "n", "bids": {"details": [{"status": "disqualified", "tenderers": [{}]}]}}
    assert run([no_id], "[R038]\nthreshold = 0\nminimum_submitted_bids = 1\n") == {}


def test_the_main_currency_is_the_setting_or_the_first_one_seen():
    usd = priced("usd", "W", 1, 1)
    mxn = priced("mxn", "X", 1, 1, "Y")
    for b in mxn["bids"]["details"]:
        b["value"]["currency"] = "MXN"
    ini = "[R024]\nthreshold = 0\n"
    assert set(run([usd, mxn], ini)["OCID"]) == {"usd"}
    assert set(run([usd, mxn], "currency = MXN\n" + ini)["OCID"]) == {"mxn"}


def test_an_indicator_runs_only_if_its_section_is_present():
    release = {"ocid": "F", "tender": {"procurementMethod": "open", "numberOfTenderers": 1}}
    assert run([release], "; [R018]\n[R003]\n") == {}
    assert run([release], "[R018]\n") == {"OCID": {"F": {"R018": 1.0}}}


def test_the_documented_command_line_runs(tmp_path):
    # ocdscardinal indicators --settings settings.ini --no-meta 018.jsonl
    (tmp_path / "settings.ini").write_text(SETTINGS)
    release = {"ocid": "F", "tender": {"procurementMethod": "open", "numberOfTenderers": 1}}
    (tmp_path / "018.jsonl").write_text(json.dumps(release) + "\n")
    out = io.StringIO()
    call_command(
        "red_flags",
        "indicators",
        "--settings",
        str(tmp_path / "settings.ini"),
        "--no-meta",
        str(tmp_path / "018.jsonl"),
        stdout=out,
    )
    assert out.getvalue().strip() == '{"OCID":{"F":{"R018":1.0}}}'
