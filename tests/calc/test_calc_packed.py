"""Packed integer vectors (generator/calc/packed.py): arithmetic on every field at once."""

from __future__ import annotations

import pytest

from generator.calc.packed import Packer, bits_for


def test_pack_add_scale_unpack_by_hand():
    p = Packer(3)
    a, b = p.pack([1, 2, 3]), p.pack([10, 0, 7])
    # 5 * [1, 2, 3] + [10, 0, 7] = [15, 10, 22]
    assert p.unpack(5 * a + b) == [15, 10, 22]
    assert p.pack([1, 2, 3]) == 1 + (2 << 64) + (3 << 128)


def test_negative_fields_in_between_are_exact():
    # A correction lowers one field and raises another; the sum's fields are all >= 0.
    p = Packer(2)
    assert p.unpack(p.pack([100, 5]) + p.pack([-40, 3])) == [60, 8]


def test_results_past_64_bits_need_wider_fields():
    assert bits_for(2**64 - 1) == 64
    assert bits_for(2**64) == 66
    wide = Packer(2, bits_for(2**70))
    assert wide.unpack(wide.pack([2**70 - 1, 3]) * 1) == [2**70 - 1, 3]
    with pytest.raises(OverflowError):
        Packer(1).unpack(1 << 64)  # a top field past 64 bits is refused, not wrapped
