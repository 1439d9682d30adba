"""api/vram.csv lines: plain cells joined, cells with a comma, quote or line break quoted as RFC 4180 says."""

from __future__ import annotations

import csv
import io

import pytest

from generator.site.exports import vram_csv_rows


def _row(**values):
    row = {"quantization": "Q4_K_M", "context": 4096, "batch": 1, "kv_dtype": "f16", "weights_bytes": 10,
           "kv_cache_bytes": 20, "activations_bytes": None, "overhead_bytes": 500, "total_bytes": 530}
    row.update(values)
    return row


def test_plain_cells_are_joined_and_none_is_empty():
    assert vram_csv_rows("a/b", {"vram": [_row(), _row(batch=2)]}) == (
        "a/b,Q4_K_M,4096,1,f16,10,20,,500,530\n"
        "a/b,Q4_K_M,4096,2,f16,10,20,,500,530\n")


def test_cells_with_separators_are_quoted():
    rows = {"vram": [_row(quantization='a,"b'), _row(kv_dtype="x\ny")]}
    assert vram_csv_rows("a/b", rows) == (
        'a/b,"a,""b",4096,1,f16,10,20,,500,530\n'
        'a/b,Q4_K_M,4096,1,"x\ny",10,20,,500,530\n')


def test_no_derived_figures_no_lines():
    assert vram_csv_rows("a/b", None) == ""


@pytest.mark.parametrize("cell", ["a,b", "a\nb", "a\rb", 'a"b', "a\r\nb"])
def test_one_cell_needing_quotes_is_quoted_as_the_csv_module_quotes_it(cell):
    # each kind of character on its own, in one cell of one row among plain rows; the csv module
    # is the reference (it leaves a lone CR unquoted when the line ends in LF)
    rows = {"vram": [_row(), _row(kv_dtype=cell), _row(batch=2)]}
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\n").writerows(
        [["a/b", "Q4_K_M", 4096, b, kv, 10, 20, None, 500, 530]
         for b, kv in ((1, "f16"), (1, cell), (2, "f16"))])
    assert vram_csv_rows("a/b", rows) == expected.getvalue()
