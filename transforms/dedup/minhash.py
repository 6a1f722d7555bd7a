"""MinHash signatures, bit-identical to datasketch's, computed for all shingles of a document at once.

datasketch's `MinHash(num_perm, seed, hashfunc)` hashes each shingle with `hashfunc` (a Python call per
shingle), then permutes every hash with `(a * h + b) mod (2^61 - 1)`, masked to 32 bits (uint64
arithmetic, so `a * h` wraps mod 2^64), and keeps the minimum per permutation. Here the shingle hash is
one that numpy computes for every shingle of a document in a few array operations: a polynomial hash
of the shingle's UTF-8 bytes mod 2^64 (`sum(byte[i] * P^i)`, read off prefix sums as
`(H[end] - H[start]) * P^-start`, since P is odd and so invertible mod 2^64), finished with splitmix64
and cut to 32 bits, as datasketch's hash functions return. `shingle_hash` is the same function for one
shingle: passed as `hashfunc` to `datasketch.MinHash`, it gives the same signature (tests check it). The
permutation uses datasketch's `a`, `b` (drawn from `numpy.random.RandomState(seed)`) and reduces mod the
Mersenne prime with shifts instead of a division (identical values).

Shingles (Broder 1997; FineWeb and datatrove: word 5-grams): word n-grams of the normalized text, or, for
languages written without spaces (`char_languages`: ja, zh, th, ...), character n-grams of the text with
white space removed. A text shorter than n units is one shingle; an empty one has no signature.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import xxhash

from corpusforge.pipeline.config import ConfigError, MinHashConfig
from corpusforge.transforms.dedup.normalize import normalize_text

MERSENNE_PRIME = (1 << 61) - 1
MAX_HASH = (1 << 32) - 1
_P = 0x100000001B3  # the 64-bit FNV prime: odd, so it has an inverse mod 2^64
_P_INV = pow(_P, -1, 1 << 64)
_MASK64 = (1 << 64) - 1
_SHINGLES_PER_BLOCK = 2048  # shingles hashed and permuted at a time: (num_perm × block) uint64, ~1.8 MB
_PRIME, _MAX, _SHIFT, _ONE = np.uint64(MERSENNE_PRIME), np.uint64(MAX_HASH), np.uint64(61), np.uint64(1)


def _splitmix64(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def shingle_hash(shingle: bytes) -> int:
    """The 32-bit hash of one shingle, as `MinHasher` computes it for many: a datasketch `hashfunc`."""
    h = 0
    power = 1
    for byte in shingle:
        h = (h + byte * power) & _MASK64
        power = (power * _P) & _MASK64
    return _splitmix64(h) >> 32


def _splitmix64_array(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def shingles(normalized: str, *, n: int, chars: bool) -> list[bytes]:
    """The shingles of a normalized text, one by one: the plain definition `MinHasher` vectorizes."""
    if chars:
        units, sep = list("".join(normalized.split())), ""
    else:
        units, sep = normalized.split(), " "
    if not units:
        return []
    return [sep.join(units[i : i + n]).encode("utf-8") for i in range(max(1, len(units) - n + 1))]


def lsh_bands(config: MinHashConfig) -> tuple[int, int]:
    """(bands, rows): the config's, or datasketch's optimum for the threshold (`optimal_bands`), weighting
    misses heavily: 0.05/0.95 at 112 permutations and 0.8 gives FineWeb's 14 × 8."""
    if (config.bands is None) != (config.rows is None):
        raise ConfigError("dedup.near.bands and dedup.near.rows: set both, or neither (chosen for the threshold)")
    if config.bands is not None:
        if config.bands * config.rows > config.num_perm:
            raise ConfigError(
                f"dedup.near.bands: {config.bands} bands × {config.rows} rows need more than num_perm={config.num_perm} values"
            )
        return config.bands, config.rows
    return optimal_bands(config.threshold, config.num_perm, config.false_positive_weight)


def optimal_bands(threshold: float, num_perm: int, false_positive_weight: float) -> tuple[int, int]:
    """The (bands, rows) of datasketch's `MinHashLSH(threshold, num_perm, weights=(fp, 1 - fp))`, without its
    import of scipy (0.45 s): the pair with bands × rows ≤ `num_perm` minimizing fp × P(false positive) +
    (1 - fp) × P(miss), the areas under the S-curve `1 - (1 - J^r)^b` left of the threshold and over it right
    of it; verification then removes most false positives, so misses are weighted up.

    The curve is a polynomial of degree b × r ≤ num_perm, so Gauss-Legendre quadrature with num_perm / 2 + 1
    nodes integrates it exactly (datasketch uses scipy's adaptive `quad`; tests check that both choose the
    same pair over a grid of settings). At a weight of 0 (misses only) every one-row choice misses next to
    nothing and scipy's rounding decides among them; here the most bands win, the exact optimum. An optimum
    of one band is refused, as datasketch refuses it.
    """
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)

    def points(lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:  # nodes and weights mapped to [lo, hi]
        half = (hi - lo) / 2
        return half * nodes + (hi + lo) / 2, half * weights

    below, below_w = points(0.0, threshold)
    above, above_w = points(threshold, 1.0)
    best, choice = float("inf"), (0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            false_positives = below_w @ (1 - (1 - below**r) ** b)
            misses = above_w @ ((1 - above**r) ** b)
            error = false_positives * false_positive_weight + misses * (1 - false_positive_weight)
            if error < best:
                best, choice = error, (b, r)
    if choice[0] < 2:
        raise ConfigError(
            f"dedup.near: the optimum for threshold {threshold} and num_perm {num_perm} is one band "
            f"of {choice[1]} rows; set dedup.near.bands and rows"
        )
    return choice


def verify_threshold(config: MinHashConfig) -> float:
    """The estimated Jaccard a candidate pair needs: the threshold less `verify_sigmas` standard errors.

    The estimate from n permutations has standard error sqrt(J (1 - J) / n) (0.038 at J = 0.8, n = 112);
    requiring the full threshold would miss about half the pairs right at it.
    """
    t = config.threshold
    return t - config.verify_sigmas * (t * (1 - t) / config.num_perm) ** 0.5


def band_keys(signature: np.ndarray, bands: int, rows: int) -> list[int]:
    """One 64-bit bucket key per band: the band's values hashed, seeded by the band index."""
    data = signature[: bands * rows].reshape(bands, rows)
    return [xxhash.xxh3_64_intdigest(data[i].tobytes(), seed=i) for i in range(bands)]


def estimated_jaccard(signature: np.ndarray, others: np.ndarray) -> np.ndarray:
    """The share of equal values between `signature` and each row of `others`."""
    return (others == signature).mean(axis=1)


def shingle_bytes(normalized: str, chars: bool) -> np.ndarray:
    """The UTF-8 bytes of a normalized text that its shingles are read from: without white space (character
    shingles), or its words separated by single spaces."""
    return np.frombuffer(("" if chars else " ").join(normalized.split()).encode("utf-8"), dtype=np.uint8)


def shingle_spans(data: np.ndarray, n: int, chars: bool) -> tuple[np.ndarray, np.ndarray]:
    """Byte offsets where each shingle of `n` units of `shingle_bytes` starts and ends (`shingles` does the same
    one shingle at a time): a text of at most n units is one shingle, an empty one has none."""
    length = len(data)
    if chars:  # a character starts at every byte that is not a UTF-8 continuation byte
        unit_starts = np.flatnonzero((data & 0xC0) != 0x80)
        unit_ends = np.append(unit_starts[1:], length)
    else:  # words, separated by single spaces
        spaces = np.flatnonzero(data == 0x20)
        unit_starts = np.concatenate(([0], spaces + 1)) if length else spaces
        unit_ends = np.append(spaces, length) if length else spaces
    units = len(unit_starts)
    if units <= n:
        return unit_starts[:1], unit_ends[-1:]
    return unit_starts[: units - n + 1], unit_ends[n - 1 :]


class ShingleHasher:
    """The 64-bit hashes of every shingle of a text, a block of shingles at a time: `shingle_hash` without its
    cut to 32 bits (MinHash keeps those 32; decontamination looks the 64 up in a set).

    Holds the tables of P^i and P^-i (8 bytes each per byte), grown to the longest block of
    `_SHINGLES_PER_BLOCK` shingles seen (about 12 KB of English); one per DoFn instance or filter.
    """

    def __init__(self) -> None:
        self._powers = self._inverse_powers = np.ones(1, dtype=np.uint64)

    def blocks(self, data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
        """(index of the block's first shingle, its shingles' hashes), block by block: memory stays bounded
        whatever the text's length."""
        for first in range(0, len(starts), _SHINGLES_PER_BLOCK):  # the bytes of a block of shingles at a time
            block_starts = starts[first : first + _SHINGLES_PER_BLOCK]
            block_ends = ends[first : first + _SHINGLES_PER_BLOCK]
            low, high = block_starts[0], block_ends.max()
            yield first, self._hashes(data[low:high], block_starts - low, block_ends - low)

    def _tables(self, length: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self._powers) <= length:
            size = max(length + 1, 2 * len(self._powers))
            self._powers = _power_table(_P, size)
            self._inverse_powers = _power_table(_P_INV, size)
        return self._powers, self._inverse_powers

    def _hashes(self, data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        powers, inverse_powers = self._tables(len(data))
        prefix = np.zeros(len(data) + 1, dtype=np.uint64)
        np.cumsum(data.astype(np.uint64) * powers[: len(data)], out=prefix[1:])
        spans = (prefix[ends] - prefix[starts]) * inverse_powers[starts]
        return _splitmix64_array(spans)


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's `MinHash(num_perm, seed).permutations`: `num_perm` pairs (a in [1, p), b in [0, p)), p the
    Mersenne prime 2^61 - 1, drawn in turn from `numpy.random.RandomState(seed)` (tests compare them)."""
    gen = np.random.RandomState(seed)
    pairs = [
        (gen.randint(1, _PRIME, dtype=np.uint64), gen.randint(0, _PRIME, dtype=np.uint64)) for _ in range(num_perm)
    ]
    a, b = np.array(pairs, dtype=np.uint64).T
    return a, b


class MinHasher:
    """Signatures (uint32 arrays of `num_perm` values) of documents, the same as datasketch's `MinHash`
    with `hashfunc=shingle_hash` over `shingles(normalize_text(text))`; one per DoFn instance."""

    def __init__(self, config: MinHashConfig):
        self._config = config
        self._char_languages = frozenset(config.char_languages)
        a, b = permutations(config.num_perm, config.seed)
        self._a = a[:, None]
        self._b = b[:, None]
        self._hasher = ShingleHasher()

    def uses_chars(self, lang: str | None) -> bool:
        return lang in self._char_languages

    def signature(self, text: str, lang: str | None = None) -> np.ndarray | None:
        """The signature of `text`, or None when it has no shingle (nothing left after normalization)."""
        chars = self.uses_chars(lang)
        data = shingle_bytes(normalize_text(text, self._config.normalize), chars)
        n = self._config.char_ngram if chars else self._config.ngram
        starts, ends = shingle_spans(data, n, chars)
        if not len(starts):
            return None
        signature = np.full(self._a.shape[0], MAX_HASH, dtype=np.uint64)
        for _, hashes in self._hasher.blocks(data, starts, ends):
            np.minimum(signature, self._permute(hashes >> np.uint64(32)), out=signature)
        return signature.astype(np.uint32)

    def _permute(self, hashes: np.ndarray) -> np.ndarray:
        """Per permutation, the min over `hashes` of ((a * h + b) mod (2^61 - 1)) & (2^32 - 1).

        x mod p for x < 2^64 is r = (x & p) + (x >> 61), less p once if r >= p; r >= p exactly when
        bit 61 of r + 1 is set, and subtracting p = 2^61 - 1 leaves the low 32 bits of r + 1: so the
        masked result is (r + ((r + 1) >> 61)) & (2^32 - 1), with no division and no branch.
        """
        x = np.multiply(self._a, hashes[None, :])  # (num_perm, shingles); wraps mod 2^64, as datasketch's
        x += self._b
        low = x & _PRIME
        x >>= _SHIFT
        x += low
        np.add(x, _ONE, out=low)
        low >>= _SHIFT
        x += low
        x &= _MAX
        return x.min(axis=1)


def _power_table(base: int, size: int) -> np.ndarray:
    """base^0 .. base^(size-1) mod 2^64."""
    table = np.empty(size, dtype=np.uint64)
    table[0] = 1
    if size > 1:
        table[1:] = np.cumprod(np.full(size - 1, base, dtype=np.uint64))  # uint64 products wrap mod 2^64
    return table
