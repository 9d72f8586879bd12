"""How a delimited text file is written: its encoding, byte-order mark, delimiter, quote.

Detected once from the first bytes of the file and used by every reader of it (the
preview, the profile, the streaming pass), so all of them read the file the same way.
Encodings: a BOM decides; else strict UTF-8; else charset-normalizer's best guess; a
file that is not text at all (NUL bytes outside UTF-16/32) is said to be binary.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

from charset_normalizer import from_bytes

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SNIFF_LINES = 50
_LATIN_PAGES = frozenset(
    {"cp1250", "cp1257", "cp775", "cp850", "cp437", "mac_latin2", "mac_roman", "latin_1"}
    | {f"iso8859_{n}" for n in (1, 2, 3, 4, 9, 10, 13, 14, 15, 16)}
)
_MULTI_BYTE = frozenset(
    {
        "johab",
        "big5",
        "gb2312",
        "gb18030",
        "euc_kr",
        "euc_jp",
        "shift_jis",
        "cp932",
        "cp949",
        "cp950",
    }
)


def delimiter_name(delimiter: str | None) -> str:
    """The delimiter as a person names it ("semicolon"), or as written when it has no name."""
    return DELIMITER_NAMES.get(delimiter or ",", repr(delimiter))


class NotText(Exception):
    """The bytes are not text in any encoding the app can tell; the message says why."""


@dataclass(frozen=True)
class TextFormat:
    encoding: str  # a Python codec name that reads the whole file (BOM included)
    bom: bool
    delimiter: str
    quotechar: str = '"'

    @property
    def encoding_label(self) -> str:
        """The encoding as people and pandas name it (`utf-8-sig` is UTF-8 with a BOM)."""
        return "utf-8" if self.encoding == "utf-8-sig" else self.encoding


def detect_encoding(sample: bytes) -> tuple[str, bool]:
    """(codec, has BOM) for a file whose first bytes are `sample`."""
    for bom, codec in _BOMS:
        if sample.startswith(bom):
            return codec, True
    if b"\x00" in sample:
        utf16 = _utf16_without_bom(sample)
        if utf16 is None:
            raise NotText("it looks like a binary file, not text")
        return utf16, False
    if _is_utf8(sample):
        return "utf-8", False
    return _guess_single_byte(sample), False


def _guess_single_byte(sample: bytes) -> str:
    """charset-normalizer's guess, with the tie broken for Windows-1252 (what spreadsheet
    programs write most): on a short sample many code pages read equally well."""
    matches = list(from_bytes(sample))
    if not matches:
        raise NotText("its bytes are not text in any encoding the app recognises")
    best = matches[0]
    tied = [m.encoding for m in matches if m.chaos <= best.chaos + 0.01]
    if "cp1252" in tied:
        return "cp1252"
    if best.encoding in _LATIN_PAGES and all(b < 0x80 or b >= 0xC0 for b in sample):
        return "cp1252"  # only the accented letters the Latin code pages share
    few_accents = sum(b > 0x7F for b in sample) < max(8, 0.02 * len(sample))
    if best.encoding in _MULTI_BYTE and few_accents and _decodes(sample, "cp1252"):
        return "cp1252"  # a few accented letters mistaken for a CJK code page
    return codecs.lookup(best.encoding).name


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        sample.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _is_utf8(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        return exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data"
    return True


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 text without a BOM has NULs in every other byte (for ASCII-heavy text)."""
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode_sample(sample: bytes, encoding: str) -> str:
    """The sample as text, without a character the cut at its end left incomplete."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(sample, final=False)


def detect_delimiter(text: str, default: str = ",") -> str:
    """The candidate that splits the first lines into the same number of fields (more
    than one) most often; `default` when none does."""
    lines = _first_records(text)
    best, best_score = default, 0.0
    for candidate in DELIMITERS:
        counts = [len(row) for row in csv.reader(io.StringIO(lines), delimiter=candidate)]
        if not counts:
            continue
        widest = max(set(counts), key=counts.count)
        if widest < 2:
            continue
        score = counts.count(widest) / len(counts) + widest / 1000
        if score > best_score:
            best, best_score = candidate, score
    return best


def _first_records(text: str) -> str:
    lines = text.splitlines(keepends=True)
    if len(lines) > _SNIFF_LINES + 1:
        lines = lines[:_SNIFF_LINES]  # the last line of a sample may be cut: left out
    return "".join(lines)


def detect_text_format(sample: bytes, default_delimiter: str = ",") -> TextFormat:
    """The format of a delimited text file from its first bytes. Raises NotText."""
    encoding, bom = detect_encoding(sample)
    text = decode_sample(sample, encoding).lstrip("\ufeff")
    return TextFormat(encoding, bom, detect_delimiter(text, default_delimiter))
