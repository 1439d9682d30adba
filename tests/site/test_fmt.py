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
    (None, "—"),
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
    (None, "—"),
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
    (None, "—"),
])
def test_tokens(n, expected):
    assert fmt.tokens(n) == expected


@pytest.mark.parametrize("n, unit, expected", [
    (24_000_000_000, "GB", "24 GB"),
    (4_800_000_000, "GB", "4.8 GB"),
    (3_350_000_000_000, "GB/s", "3,350 GB/s"),
    (103_079_215_104, "GB", "103.079215104 GB"),   # 96 GiB: every digit kept
    (1, "GB", "0.000000001 GB"),
    (None, "GB", "—"),
])
def test_gb_exact(n, unit, expected):
    assert fmt.gb_exact(n, unit) == expected
