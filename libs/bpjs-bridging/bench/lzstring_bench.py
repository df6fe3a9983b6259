"""Old-vs-new LZ-String timing in one process, for a typical peserta answer.

Why: the simulator compresses and the gateway decompresses every BPJS answer, and a
profile put the pure-Python bit writer at most of the simulator's handler CPU. The
baseline below is the implementation as it was before the rewrite (frozen copy, do not
edit); ``tests/unit/bpjs/test_lzstring_properties.py`` also uses it as the reference the
new code must match byte for byte.

Run: ``uv run --frozen python libs/bpjs-bridging/bench/lzstring_bench.py``
"""

from __future__ import annotations

import json
import timeit
from collections.abc import Callable

from bpjs_bridging.lzstring import (
    compress_to_encoded_uri_component,
    decompress_from_encoded_uri_component,
)

# --- baseline: lzstring.py before the rewrite, verbatim ------------------------------

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


def old_compress(text: str) -> str:
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


def old_decompress(compressed: str) -> str | None:
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


# --- benchmark ---------------------------------------------------------------------


def _peserta(index: int) -> dict[str, object]:
    """A synthetic ``response.peserta`` (invented values, same shape as VClaim v2)."""
    return {
        "noKartu": f"000{index:010d}",
        "nik": f"3171{index:012d}",
        "nama": f"PESERTA SINTETIS NOMOR {index}",
        "pisa": "1",
        "sex": "P" if index % 2 else "L",
        "tglLahir": "1985-03-17",
        "tglCetakKartu": "2019-01-01",
        "hakKelas": {"kode": "3", "keterangan": "KELAS III"},
        "jenisPeserta": {"kode": "14", "keterangan": "PBI (APBD)"},
        "statusPeserta": {"kode": "0", "keterangan": "AKTIF"},
        "provUmum": {"kdProvider": "0114U163", "nmProvider": "PUSKESMAS KECAMATAN CONTOH"},
        "tglTMT": "2019-01-01",
        "tglTAT": "2099-12-31",
        "umur": {"umurSaatPelayanan": "41 tahun", "umurSekarang": "41 tahun"},
        "mr": {"noMR": None, "noTelepon": None},
        "informasi": {"dinsos": None, "prolanisPRB": None, "noSKTM": None, "eSEP": None},
        "cob": {"noAsuransi": None, "nmAsuransi": None, "tglTMT": None, "tglTAT": None},
    }


def _answer() -> str:
    """Two peserta of one household: ~1.5 KB, as ``encrypt_response`` serialises it."""
    return json.dumps({"peserta": [_peserta(1), _peserta(2)]}, ensure_ascii=False)


def _ms_per_call(
    old: Callable[[str], object], new: Callable[[str], object], argument: str
) -> tuple[float, float]:
    """Best of seven interleaved runs each: on a shared machine, load hits both alike."""
    old_timer = timeit.Timer(lambda: old(argument))
    new_timer = timeit.Timer(lambda: new(argument))
    number, _ = old_timer.autorange()
    old_best = new_best = float("inf")
    for _ in range(7):
        old_best = min(old_best, old_timer.timeit(number))
        new_best = min(new_best, new_timer.timeit(number))
    return old_best / number * 1000, new_best / number * 1000


def main() -> None:
    """Print ms per call old vs new and the ratio, after checking both agree."""
    text = _answer()
    compressed = old_compress(text)
    if compress_to_encoded_uri_component(text) != compressed:
        raise SystemExit("new compressor differs from the baseline")
    if decompress_from_encoded_uri_component(compressed) != text:
        raise SystemExit("new decompressor does not restore the input")
    print(f"input {len(text.encode())} bytes UTF-8, compressed {len(compressed)} chars")
    for label, old, new, argument in (
        ("compress", old_compress, compress_to_encoded_uri_component, text),
        ("decompress", old_decompress, decompress_from_encoded_uri_component, compressed),
    ):
        old_ms, new_ms = _ms_per_call(old, new, argument)
        print(
            f"{label:10s} old {old_ms:.3f} ms  new {new_ms:.3f} ms  old/new {old_ms / new_ms:.2f}x"
        )


if __name__ == "__main__":
    main()
