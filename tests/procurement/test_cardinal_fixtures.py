"""The ``red_flags indicators`` command reproduces every one of Cardinal's golden fixtures."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from procurement.indicators import Settings, high_outlier_fence, low_outlier_fence, quantile
from tests.fixtures import CARDINAL_FIXTURES as FIXTURES

# Cardinal's own test harness marks these local method names in every fixture run.
BASE = "no_price_comparison_procurement_methods = NPC\n[exclusions]\nprocurement_method_details = EXC\n"


def settings_for(name: str) -> str:
    """``CODE[-key-value]...`` → Cardinal INI; ``+`` stands for ``|``; ``key-a-1-b-2`` a subsection."""
    code, *parts = name.split("-")
    if not parts:
        return f"{BASE}[{code}]\n"
    key, rest = parts[0], [p.replace("+", "|") for p in parts[1:]]
    if len(rest) == 1:
        return f"{BASE}[{code}]\n{key} = {rest[0]}\n"
    pairs = "".join(f"{k} = {v}\n" for k, v in zip(rest[::2], rest[1::2], strict=True))
    return f"{BASE}[{code}]\n[{code}.{key}]\n{pairs}"


NAMES = sorted(p.stem for p in FIXTURES.glob("*.jsonl"))


def test_every_fixture_is_found():
    assert len(NAMES) >= 10


@pytest.mark.parametrize("name", NAMES)
def test_command_reproduces_cardinal_fixture(name, tmp_path):
    ini = tmp_path / "settings.ini"
    ini.write_text(settings_for(name))
    out = io.StringIO()
    call_command(
        "red_flags", "indicators", "-s", str(ini), str(FIXTURES / f"{name}.jsonl"), stdout=out
    )
    expected = (FIXTURES / f"{name}.expected").read_text().strip()
    assert json.loads(out.getvalue()) == json.loads(expected)
    assert out.getvalue().strip() == expected


def test_settings_file_name_parsing():
    assert "procurement_methods = open|selective" in settings_for(
        "R003-procurement_methods-open+selective"
    )
    assert "[R003.procurement_method_details]\nx = 5\ny = 10" in settings_for(
        "R003-procurement_method_details-x-5-y-10"
    )


def test_settings_keep_case_of_local_method_names():
    settings = Settings.from_ini("[R003.procurement_method_details]\nLicitación Pública = 20\n")
    assert settings.sections["R003"]["procurement_method_details"] == {"Licitación Pública": "20"}


def test_quartiles_use_the_median_unbiased_estimator():
    values = [0, 0, 100, 100, 100, 100, 100, 100, 100]
    assert quantile(values, 0.25) == pytest.approx(66.6667, abs=1e-3)
    assert quantile(values, 0.75) == 100


def test_a_zero_upper_fence_flags_nothing_but_a_zero_lower_fence_does():
    assert high_outlier_fence([0] * 7 + [5], None) is None
    assert high_outlier_fence([0.0, 0.0, 0.0], 0.0) == 0.0  # a setting is taken as it is
    assert low_outlier_fence([0.0, 0.0, 0.0], None) == 0.0
    assert high_outlier_fence([], None) is None
