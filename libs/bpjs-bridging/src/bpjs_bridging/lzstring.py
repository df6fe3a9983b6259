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

One deliberate difference: a character outside the URI-safe alphabet raises
``ValueError`` instead of being read as zero, because it can only mean corruption.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["compress_to_encoded_uri_component", "decompress_from_encoded_uri_component"]

_URI_SAFE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$"
_URI_SAFE_VALUE = {char: index for index, char in enumerate(_URI_SAFE_ALPHABET)}
_BITS_PER_URI_CHAR = 6


def _to_code_units(text: str) -> list[str]:
    """Split ``text`` into one-character strings, one per UTF-16 code unit."""
    data = text.encode("utf-16-le", "surrogatepass")
    return [chr(int.from_bytes(data[i : i + 2], "little")) for i in range(0, len(data), 2)]


def _from_code_units(units: str) -> str:
    """Join UTF-16 code units back into a Python string, pairing surrogates."""
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


class _BitWriter:
    """Packs values least-significant bit first into ``bits_per_char``-bit characters."""

    def __init__(self, bits_per_char: int, char_from_int: Callable[[int], str]) -> None:
        self._bits_per_char = bits_per_char
        self._char_from_int = char_from_int
        self._chars: list[str] = []
        self._value = 0
        self._position = 0

    def write(self, value: int, num_bits: int) -> None:
        for _ in range(num_bits):
            self._push_bit(value & 1)
            value >>= 1

    def _push_bit(self, bit: int) -> None:
        self._value = (self._value << 1) | bit
        if self._position == self._bits_per_char - 1:
            self._position = 0
            self._chars.append(self._char_from_int(self._value))
            self._value = 0
        else:
            self._position += 1

    def finish(self) -> str:
        # JavaScript always flushes by shifting in zeros until a character completes,
        # even when the last character was just completed: keep that quirk.
        while True:
            self._value <<= 1
            if self._position == self._bits_per_char - 1:
                self._chars.append(self._char_from_int(self._value))
                return "".join(self._chars)
            self._position += 1


class _Compressor:
    """The LZW-style dictionary state of ``LZString._compress``."""

    def __init__(self, writer: _BitWriter) -> None:
        self.writer = writer
        self.dictionary: dict[str, int] = {}
        self.pending_literals: set[str] = set()
        self.enlarge_in = 2  # compensates for the first entry, which does not count
        self.dict_size = 3
        self.num_bits = 2

    def _count_entry(self) -> None:
        self.enlarge_in -= 1
        if self.enlarge_in == 0:
            self.enlarge_in = 1 << self.num_bits
            self.num_bits += 1

    def emit(self, phrase: str) -> None:
        if phrase in self.pending_literals:
            unit = ord(phrase[0])
            if unit < 256:
                self.writer.write(0, self.num_bits)
                self.writer.write(unit, 8)
            else:
                self.writer.write(1, self.num_bits)
                self.writer.write(unit, 16)
            self._count_entry()
            self.pending_literals.discard(phrase)
        else:
            self.writer.write(self.dictionary[phrase], self.num_bits)
        self._count_entry()

    def run(self, units: list[str]) -> str:
        phrase = ""
        for unit in units:
            if unit not in self.dictionary:
                self.dictionary[unit] = self.dict_size
                self.dict_size += 1
                self.pending_literals.add(unit)
            extended = phrase + unit
            if extended in self.dictionary:
                phrase = extended
                continue
            self.emit(phrase)
            self.dictionary[extended] = self.dict_size
            self.dict_size += 1
            phrase = unit
        if phrase:
            self.emit(phrase)
        self.writer.write(2, self.num_bits)  # end of stream
        return self.writer.finish()


def compress_to_encoded_uri_component(text: str) -> str:
    """Compress ``text`` exactly as JavaScript ``LZString.compressToEncodedURIComponent``."""
    writer = _BitWriter(_BITS_PER_URI_CHAR, _URI_SAFE_ALPHABET.__getitem__)
    return _Compressor(writer).run(_to_code_units(text))


class _BitReader:
    """Reads bits most-significant first from ``bits_per_char``-bit characters."""

    def __init__(self, values: list[int], reset_value: int) -> None:
        self._values = values
        self._reset_value = reset_value
        self._value = values[0]
        self._position = reset_value
        self.index = 1

    def read(self, num_bits: int) -> int:
        result = 0
        for power in range(num_bits):
            bit = 1 if self._value & self._position else 0
            self._position >>= 1
            if self._position == 0:
                self._position = self._reset_value
                # Past the end JavaScript reads NaN, which bitwise operators treat as 0.
                self._value = self._values[self.index] if self.index < len(self._values) else 0
                self.index += 1
            result |= bit << power
        return result


def _decompress(values: list[int], reset_value: int) -> str | None:
    """Port of ``LZString._decompress``: ``""`` for a truncated stream, ``None`` if corrupt."""
    reader = _BitReader(values, reset_value)
    dictionary: list[str] = ["", "", ""]  # codes 0-2 are control codes, never looked up
    enlarge_in = 4
    num_bits = 3

    first = reader.read(2)
    if first == 2:
        return ""
    entry = chr(reader.read(8 if first == 0 else 16))
    dictionary.append(entry)
    previous = entry
    result = [entry]
    while True:
        if reader.index > len(values):
            return ""
        code = reader.read(num_bits)
        if code in (0, 1):
            dictionary.append(chr(reader.read(8 if code == 0 else 16)))
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
    try:
        values = [_URI_SAFE_VALUE[char] for char in compressed]
    except KeyError as exc:
        raise ValueError("not an LZ-String URI-component string") from exc
    decompressed = _decompress(values, 1 << (_BITS_PER_URI_CHAR - 1))
    return None if decompressed is None else _from_code_units(decompressed)
