"""The one CSV writer: text that a spreadsheet would run as a formula is made inert."""

import csv
import io

import pytest

from lacs.spreadsheets import csv_response, safe_cell


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_starts_like_a_formula_is_prefixed(start):
    payload = f'{start}HYPERLINK("http://x.invalid","a")'
    assert safe_cell(payload) == "'" + payload


def test_numbers_and_plain_text_are_left_alone():
    assert safe_cell(-3) == -3
    assert safe_cell("Proveedora SA") == "Proveedora SA"
    assert safe_cell("<5") == "<5"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_cell_of_a_csv_download_is_guarded(start):
    response = csv_response("x.csv", ["name", "value"], [[f"{start}1+1", 2]])
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == [f"'{start}1+1", "2"]
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
