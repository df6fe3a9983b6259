"""LZ-String for any input (hypothesis): the fast port round-trips and equals the old one.

- compress then decompress gives back any Unicode text, astral-plane characters included.
- The compressed text is the one the previous (bit-by-bit) port produced, which matched
  the JavaScript vectors: for arbitrary text, text with lone surrogates (JavaScript
  strings may hold them) and long text whose dictionary codes take 16 bits.
- Decompressing any string of the URI-safe alphabet, mostly truncated or corrupt
  streams, gives what the previous port gave (text, ``""`` or ``None``).

The previous port is frozen in ``libs/bpjs-bridging/bench/lzstring_bench.py`` (the
benchmark's baseline) and loaded from there, so there is one reference copy.
"""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from types import ModuleType

from bpjs_bridging.lzstring import (
    compress_to_encoded_uri_component,
    decompress_from_encoded_uri_component,
)
from hypothesis import given
from hypothesis import strategies as st

_BASELINE_FILE = Path(__file__).parents[3] / "libs/bpjs-bridging/bench/lzstring_bench.py"
_URI_SAFE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$"


def _load_baseline() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lzstring_baseline", _BASELINE_FILE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_BASELINE = _load_baseline()

# Few distinct characters make long phrases, many make many literals: draw both.
_TEXT = st.one_of(st.text(), st.text(alphabet="ab\u00e9\u4e2d\U0001f600", max_size=300))
_WITH_SURROGATES = st.text(
    alphabet=st.one_of(st.characters(), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF))
)


@given(_TEXT)
def test_decompress_inverts_compress(text: str) -> None:
    assert decompress_from_encoded_uri_component(compress_to_encoded_uri_component(text)) == text


@given(_TEXT)
def test_compressed_text_is_the_previous_ports(text: str) -> None:
    assert compress_to_encoded_uri_component(text) == _BASELINE.old_compress(text)


@given(_WITH_SURROGATES)
def test_lone_surrogates_compress_as_the_previous_port_did(text: str) -> None:
    assert compress_to_encoded_uri_component(text) == _BASELINE.old_compress(text)


@given(st.text(alphabet=_URI_SAFE_ALPHABET + " ", min_size=1, max_size=200))
def test_any_uri_safe_string_decompresses_as_the_previous_port_did(compressed: str) -> None:
    expected = _BASELINE.old_decompress(compressed)
    assert decompress_from_encoded_uri_component(compressed) == expected


def test_sixteen_bit_codes_with_sixteen_bit_literals_match_the_previous_port() -> None:
    chooser = random.Random(20261129)  # noqa: S311 - test data, not a secret
    alphabet = [chr(code) for code in range(0x4E00, 0x4E00 + 2000)] + list("abc")
    text = "".join(chooser.choices(alphabet, k=40000))
    compressed = compress_to_encoded_uri_component(text)
    assert compressed == _BASELINE.old_compress(text)
    assert decompress_from_encoded_uri_component(compressed) == text
