"""Display formatting at unit and decimal boundaries.

Every expected string below is worked out by hand: three significant figures,
halves rounded up, and the unit chosen after rounding (so a value that rounds
to 1000 of one unit is written as 1.00 of the next unit).
"""

import pytest

from generator.site import fmt


@pytest.mark.parametrize("n, expected", [
    (0, "0"),
    (999, "999"),                          # below 1,000: the plain integer
    (1_000, "1.00K"),
    (999_499, "999K"),                     # 999.499K -> 999K
    (999_500, "1.00M"),                    # 999.5K rounds to 1000K = 1.00M
    (9_994_999, "9.99M"),                  # 9.994999M
    (9_995_000, "10.0M"),                  # rounds to 10.0M: one decimal, not "10.00M"
    (99_949_999, "99.9M"),
    (99_950_000, "100M"),                  # rounds to 100M: no decimal, not "100.0M"
    (999_499_999, "999M"),
    (999_500_000, "1.00B"),
    (999_885_952, "1.00B"),                # Gemma 3 1B (published count), was "1000M"
    (999_950_000, "1.00B"),                # 999.95M
    (999_950_000_000, "1.00T"),            # 999.95B
    (999_499_999_999, "999B"),
    (2_614_341_888, "2.61B"),              # Gemma 2 2B (published count)
    (8_030_261_248, "8.03B"),              # Llama 3.1 8B
    (46_702_792_704, "46.7B"),             # Mixtral 8x7B
    (684_489_845_504, "684B"),             # DeepSeek-V3 checkpoint
    (1_500_000_000_000, "1.50T"),
    (999_500_000_000_000, "1000T"),        # 'T' is the largest unit
    (-8_030_261_248, "-8.03B"),
    (None, "unknown"),
])
def test_params_boundaries(n, expected):
    assert fmt.params(n) == expected


@pytest.mark.parametrize("n, expected", [
    (0, "0.00 GB"),
    (5_902_058_752, "5.90 GB"),
    (9_994_999_999, "9.99 GB"),
    (9_995_000_000, "10.0 GB"),            # 9.995 GB rounds to 10.0, written with one decimal
    (17_049_683_200, "17.0 GB"),
    (99_949_999_999, "99.9 GB"),
    (99_950_000_000, "100 GB"),            # 99.95 GB rounds to 100: no decimal
    (1_370_499_999_999, "1,370 GB"),
    (1_370_500_000_000, "1,371 GB"),
    (2_500_000.0, "0.00 GB"),              # floats are accepted
    (None, "unknown"),
])
def test_gb_boundaries(n, expected):
    assert fmt.gb(n) == expected


@pytest.mark.parametrize("n, expected", [
    (131_072, "128K"),                     # 128 x 1024
    (1_048_576, "1M"),                     # 2**20
    (1_000_000, "1M"),                     # decimal million (not a multiple of 1024)
    (32_000, "32K"),                       # 32 x 1000 (not a multiple of 1024)
    (163_840, "160K"),                     # 160 x 1024
    (2_000, "2K"),
    (1_500, "1,500"),                      # not a whole number of any unit
    (1_000, "1K"),
    (999, "999"),
    (None, "unknown"),
])
def test_tokens(n, expected):
    assert fmt.tokens(n) == expected


@pytest.mark.parametrize("n, unit, expected", [
    (24_000_000_000, "GB", "24 GB"),
    (4_800_000_000, "GB", "4.8 GB"),
    (3_350_000_000_000, "GB/s", "3,350 GB/s"),
    (103_079_215_104, "GB", "103.079215104 GB"),   # 96 GiB: every digit kept
    (1, "GB", "0.000000001 GB"),
    (None, "GB", "unknown"),
])
def test_gb_exact(n, unit, expected):
    assert fmt.gb_exact(n, unit) == expected


# One wording for missing values, in Python and JavaScript alike (site-review.md P12: "—" meant
# unknown, more than 64 devices and not applicable).
def test_missing_value_words():
    assert (fmt.UNKNOWN, fmt.NOT_APPLICABLE, fmt.more_than(64), fmt.more_than(1500)) == (
        "unknown", "n/a", "more than 64", "more than 1,500")
    for f in (fmt.params, fmt.exact, fmt.gb, fmt.tokens, fmt.rate, fmt.ratio, fmt.value):
        assert f(None) == "unknown", f.__name__


def test_missing_value_words_in_javascript(node_exe):
    import json
    import subprocess
    from pathlib import Path

    js = Path(__file__).resolve().parents[2] / "site" / "assets" / "js" / "format.js"
    script = (f"const f = require({json.dumps(str(js))});"
              "process.stdout.write(JSON.stringify([f.UNKNOWN, f.NA, f.moreThan(64), f.moreThan(1500),"
              " f.params(null), f.exact(null), f.gb(null), f.tokens(null), f.rate(null), f.ratio(null),"
              " f.value(null), f.DASH]));")
    out = json.loads(subprocess.run([node_exe, "-e", script], capture_output=True, text=True, check=True).stdout)
    assert out == ["unknown", "n/a", "more than 64", "more than 1,500"] + ["unknown"] * 8


def test_templates_write_no_dash_for_a_missing_value():
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "generator" / "templates"
    offenders = [f"{p.name}:{i}" for p in sorted(templates.glob("*.html"))
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
                 if "—" in line or "&mdash;" in line]
    assert not offenders, offenders
