"""LZ-String ``compressToEncodedURIComponent`` and its inverse, ported from lz-string 1.5.0.

BPJS compresses every response body with the JavaScript library before encrypting it,
so this port must match the JavaScript output byte for byte. JavaScript strings are
sequences of UTF-16 *code units*: a character outside the Basic Multilingual Plane
(an emoji, CJK extension B such as "𠀋") is two units, a surrogate pair, and the
algorithm builds its dictionary out of those units. This port therefore splits the
input into UTF-16 code units first and joins them back (``surrogatepass``) at the end.

Why a port instead of a PyPI package: checked against ``tests/fixtures/lzstring/
vectors.json`` (generated from the npm package), on Python 3.11:

- ``lzstring`` 1.0.4 and ``py-lzstring`` 0.1.1 iterate over code points, so every
  input with an astral-plane character differs (20/29 vectors).
- ``lzstring-optimized`` 0.8.0 (binary wheel, no source) decompresses 8/29 wrongly
  and has no URI-component variant.
- ``lean4url`` 0.1.0 has no URI-component variant and returns "" for an empty input
  where JavaScript emits "Q".
- ``lzstr`` 0.0.4 compresses bytes, not UTF-16 units (and is GPL-3.0-only).
- ``lzstring-codec`` 0.1.0 requires Python >= 3.12; this workspace supports 3.11.

Speed: the simulator compresses and the gateway decompresses every answer, so the bit
stream is not written or read bit by bit. Bits are kept in an ``int`` in stream order
from its least significant bit up; since JavaScript fills each character from its most
significant bit, a 6-bit group is turned into a character by a table indexed by the
group as it lies in the ``int`` (bit-reversed alphabet), twelve bits (two characters) at a
time. ``libs/bpjs-bridging/bench/lzstring_bench.py`` times it against the old port.

One deliberate difference: a character outside the URI-safe alphabet raises
``ValueError`` instead of being read as zero, because it can only mean corruption.
"""

from __future__ import annotations

import sys
from array import array

__all__ = ["compress_to_encoded_uri_component", "decompress_from_encoded_uri_component"]

_URI_SAFE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$"
_BITS = 6  # bits per URI-safe character
_CHUNK_BITS = 60  # ten characters: bits moved between the int and the text at once


def _reverse6(value: int) -> int:
    return int(f"{value:06b}"[::-1], 2)


# _CHAR_OF[g]: the character whose six bits, most significant first, are g's bits
# least significant first, i.e. the character for a group as it lies in the int.
_CHAR_OF = [_URI_SAFE_ALPHABET[_reverse6(group)] for group in range(1 << _BITS)]
_PAIR_OF = [_CHAR_OF[pair & 63] + _CHAR_OF[pair >> 6] for pair in range(1 << (2 * _BITS))]
# "$" (index 64) is never written; read, only its low six bits count, so it is zero.
_GROUP_OF = {char: _reverse6(index & 63) for index, char in enumerate(_URI_SAFE_ALPHABET)}


def _to_code_units(text: str) -> str:
    """Return ``text`` with one character per UTF-16 code unit (astral ones split)."""
    if text.isascii() or max(text) <= "\uffff":
        return text
    units = array("H", text.encode("utf-16-le", "surrogatepass"))
    if sys.byteorder == "big":
        units.byteswap()
    return "".join(map(chr, units))


def _from_code_units(units: str) -> str:
    """Join UTF-16 code units back into a Python string, pairing surrogates."""
    if units.isascii():
        return units
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _literal(unit: str, num_bits: int) -> tuple[int, int]:
    """A unit written as itself: code 0 and 8 bits, or code 1 and 16 bits; and the width.

    A call, unlike the rest of the writer, because it happens once per distinct unit.
    """
    code = ord(unit)
    if code < 256:
        return code << num_bits, num_bits + 8
    return 1 | code << num_bits, num_bits + 16


def compress_to_encoded_uri_component(text: str) -> str:  # noqa: PLR0915 - one loop on purpose
    """Compress ``text`` exactly as JavaScript ``LZString.compressToEncodedURIComponent``.

    One function on purpose: ``LZString._compress`` with its bit writer inlined, because
    a method call per bit was most of the cost.
    """
    dictionary: dict[str, int] = {}
    pending: set[str] = set()  # single units added to the dictionary, not yet written
    enlarge_in = 2  # compensates for the first entry, which does not count
    dict_size = 3
    num_bits = 2
    bits = 0  # pending output bits, stream order from the least significant bit
    bit_count = 0
    pair_of = _PAIR_OF
    out: list[str] = []
    append = out.append
    phrase = ""
    for unit in _to_code_units(text):
        if unit not in dictionary:
            dictionary[unit] = dict_size
            dict_size += 1
            pending.add(unit)
        extended = phrase + unit
        if extended in dictionary:
            phrase = extended
            continue
        if phrase in pending:
            pending.remove(phrase)
            value, width = _literal(phrase, num_bits)
            bits |= value << bit_count
            bit_count += width
            enlarge_in -= 1
            if enlarge_in == 0:
                enlarge_in = 1 << num_bits
                num_bits += 1
        else:
            bits |= dictionary[phrase] << bit_count
            bit_count += num_bits
        enlarge_in -= 1
        if enlarge_in == 0:
            enlarge_in = 1 << num_bits
            num_bits += 1
        while bit_count >= _CHUNK_BITS:
            append(pair_of[bits & 4095])
            append(pair_of[bits >> 12 & 4095])
            append(pair_of[bits >> 24 & 4095])
            append(pair_of[bits >> 36 & 4095])
            append(pair_of[bits >> 48 & 4095])
            bits >>= _CHUNK_BITS
            bit_count -= _CHUNK_BITS
        dictionary[extended] = dict_size
        dict_size += 1
        phrase = unit
    if phrase:
        entries = 1  # dictionary entries the last phrase counts: 2 if written as literal
        if phrase in pending:
            value, width = _literal(phrase, num_bits)
            entries = 2
        else:
            value, width = dictionary[phrase], num_bits
        bits |= value << bit_count
        bit_count += width
        # Only the end marker's width is left to decide: it grows if an entry empties
        # enlarge_in, and after a reset (1 << num_bits >= 4) the next one cannot.
        if enlarge_in <= entries:
            num_bits += 1
    out.append(_close(bits | 2 << bit_count, bit_count + num_bits))  # 2: end of stream
    return "".join(out)


def _close(bits: int, bit_count: int) -> str:
    """The last characters: JavaScript shifts in zeros until a character completes, even
    when the last one was just completed, so one character more than the bits fill."""
    chars = []
    for _ in range(bit_count // _BITS + 1):
        chars.append(_CHAR_OF[bits & 63])
        bits >>= _BITS
    return "".join(chars)


def _chunks(compressed: str) -> list[int]:
    """The bit stream as 60-bit ints, each in stream order from its least significant bit.

    Two zero chunks follow: past the end JavaScript reads NaN, which bitwise operators
    treat as 0, and one step of the decoder reads less than 120 bits past the check.
    """
    try:
        groups = [_GROUP_OF[char] for char in compressed]
    except KeyError as exc:
        raise ValueError("not an LZ-String URI-component string") from exc
    groups.extend([0] * (-len(groups) % 10 + 20))
    return [
        a | b << 6 | c << 12 | d << 18 | e << 24 | f << 30 | g << 36 | h << 42 | i << 48 | j << 54
        for a, b, c, d, e, f, g, h, i, j in zip(*[iter(groups)] * 10, strict=True)
    ]


def _decompress(chunks: list[int], total_bits: int) -> str | None:
    """Port of ``LZString._decompress``: ``""`` for a truncated stream, ``None`` if corrupt.

    The bit reader is inlined (see :func:`compress_to_encoded_uri_component`).
    """
    next_chunk = iter(chunks).__next__
    # bits: the unread bits, in stream order from the least significant bit; bit_count:
    # how many; loaded: how many bits were taken from ``chunks`` so far.
    dictionary: list[str] = ["", "", ""]  # codes 0-2 are control codes, never looked up
    enlarge_in = 4
    num_bits = 3

    bits = next_chunk()  # 60 bits: enough for the 2-bit code and a 16-bit literal
    bit_count = loaded = _CHUNK_BITS
    first = bits & 3
    width = 8 if first == 0 else 16
    bits >>= 2
    bit_count -= 2
    if first == 2:
        return ""
    entry = chr(bits & ((1 << width) - 1))
    bits >>= width
    bit_count -= width
    dictionary.append(entry)
    previous = entry
    result = [entry]
    while True:
        if loaded - bit_count >= total_bits:
            return ""
        while bit_count < num_bits + 16:
            bits |= next_chunk() << bit_count
            bit_count += _CHUNK_BITS
            loaded += _CHUNK_BITS
        code = bits & ((1 << num_bits) - 1)
        bits >>= num_bits
        bit_count -= num_bits
        if code < 2:
            width = 8 if code == 0 else 16
            dictionary.append(chr(bits & ((1 << width) - 1)))
            bits >>= width
            bit_count -= width
            code = len(dictionary) - 1
            enlarge_in -= 1
        elif code == 2:
            return "".join(result)
        if enlarge_in == 0:
            enlarge_in = 1 << num_bits
            num_bits += 1
        if code < len(dictionary):
            entry = dictionary[code]
        elif code == len(dictionary):
            entry = previous + previous[0]
        else:
            return None
        result.append(entry)
        dictionary.append(previous + entry[0])
        enlarge_in -= 1
        previous = entry
        if enlarge_in == 0:
            enlarge_in = 1 << num_bits
            num_bits += 1


def decompress_from_encoded_uri_component(compressed: str) -> str | None:
    """Inverse of :func:`compress_to_encoded_uri_component`, as JavaScript's.

    Returns ``None`` for an empty input or a corrupt stream and ``""`` for a truncated
    one, like the JavaScript original; callers that expect data must treat both as
    failures. Raises ``ValueError`` for a character outside the URI-safe alphabet.
    """
    if compressed == "":
        return None
    # A "+" turned into a space by form decoding is restored, as JavaScript does.
    compressed = compressed.replace(" ", "+")
    decompressed = _decompress(_chunks(compressed), len(compressed) * _BITS)
    return None if decompressed is None else _from_code_units(decompressed)
