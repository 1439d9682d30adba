"""Integer vectors packed into one Python int, so that a vector operation is one big-int operation.

The vector v[0..n-1] is held as P = sum(v[i] * 2**(bits * i)). Adding two packed
vectors, or multiplying one by an integer, is exact integer arithmetic on P and so
acts on every field at once: a card's weight bytes at 18 quantizations then cost
one multiplication per tensor slot instead of 18 (weights.weight_bytes_all).

Fields of intermediate values may be negative (per-layer rule corrections); P is
still the exact sum. Only the result is unpacked, and unpacking is exact when each
of its fields lies in [0, 2**bits): the caller picks ``bits`` from an upper bound
(64 covers any real model: 2**64 bytes is 18 exabytes).
"""

from __future__ import annotations

from struct import Struct
from typing import Sequence

DEFAULT_BITS = 64


class Packer:
    """Packs and unpacks vectors of length ``n`` with ``bits``-bit fields."""

    def __init__(self, n: int, bits: int = DEFAULT_BITS) -> None:
        self.n = n
        self.bits = bits
        self._struct = Struct(f"<{n}Q") if bits == 64 else None
        self._cache: dict[tuple[int, ...], int] = {}

    def pack(self, values: Sequence[int]) -> int:
        assert len(values) == self.n
        bits = self.bits
        return sum(v << (bits * i) for i, v in enumerate(values))

    def const(self, values: tuple[int, ...]) -> int:
        """pack() of a constant vector, remembered (constants are packed once per width)."""
        p = self._cache.get(values)
        if p is None:
            p = self._cache[values] = self.pack(values)
        return p

    def unpack(self, p: int) -> list[int]:
        """The fields of ``p``; each must lie in [0, 2**bits) (to_bytes raises if the top one does not)."""
        if self._struct is not None:
            # One C-level conversion instead of n shifts and masks.
            return list(self._struct.unpack(p.to_bytes(8 * self.n, "little")))
        mask = (1 << self.bits) - 1
        return [(p >> (self.bits * i)) & mask for i in range(self.n)]


def bits_for(bound: int) -> int:
    """Field width for results known to be below ``bound``: 64, or wider for absurd inputs."""
    return DEFAULT_BITS if bound < (1 << DEFAULT_BITS) else bound.bit_length() + 1
