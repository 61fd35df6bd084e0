"""Bytes → text: recognise what a file is and decode it without losing a character.

Disclosures arrive as UTF-8 (with or without a BOM), GB18030/GBK (common in China), UTF-16
(with a BOM, or without one from some Windows tools) or as PDF. :func:`sniff` says which kind of
reader a file needs; :func:`decode` turns text bytes into ``str`` and refuses anything else with a
:class:`DocumentError` naming the file and the problem.

The decoded text is kept as written (no NFKC): full-width punctuation and 〔〕 inside 发文字号 are
meaningful to the citation parser. :func:`comparison_key` is the separate, lossy key for comparing
names ("政府办公厅（室）" == "政府办公厅(室)", "收 入 总 计" == "收入总计").
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from functools import lru_cache
from typing import Literal

from budgetkg.loader.errors import DocumentError

Kind = Literal["pdf", "text"]

# Magic numbers of formats that are not plain text. PDF has its own reader; the others are refused.
_REFUSED_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (perhaps .docx/.xlsx)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office (.doc/.xls) file"),
    (b"{\\rtf", "an RTF file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _is_pdf(data: bytes) -> bool:
    # The header may follow a little junk (some servers prepend whitespace or a BOM).
    return b"%PDF-" in data[:1024]


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when NULs sit on one side of most ASCII/CJK pairs, else None."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        sample = sample[: len(sample) - (len(sample) % 2)]
    if not sample:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    # ASCII-heavy UTF-16: one byte of every pair is NUL. CJK-heavy UTF-16 has few NULs at all,
    # so also accept it when the text decodes cleanly and looks like Chinese prose (checked later).
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def sniff(data: bytes, source: str = "<bytes>") -> Kind:
    """What reader ``data`` needs: ``"pdf"`` or ``"text"``.

    Raises :class:`DocumentError` for an empty file and for formats budgetkg cannot read at all
    (archives, Office binaries, images, other binary data).
    """
    if not data or not data.strip(b" \t\r\n\x00\x0b\x0c"):
        raise DocumentError(source, "the file is empty")
    if _is_pdf(data):
        return "pdf"
    head = data[:16]
    for magic, what in _REFUSED_MAGIC:
        if head.startswith(magic):
            raise DocumentError(source, f"this is {what}; budgetkg reads text and PDF disclosures")
    if any(data.startswith(bom) for bom, _ in _BOMS) or _utf16_without_bom(data):
        return "text"
    sample = data[:8192]
    if b"\x00" in sample:
        raise DocumentError(source, "this is a binary file (it contains NUL bytes), not a text document")
    controls = sum(1 for b in sample if b < 0x20 and b not in (0x09, 0x0A, 0x0C, 0x0D, 0x1A))
    if controls > max(8, len(sample) // 100):
        raise DocumentError(source, "this is a binary file (control bytes throughout), not a text document")
    return "text"


# Characters a real disclosure is made of: CJK ideographs, ASCII, CJK/full-width punctuation,
# a few symbols (≥ ≤ ① ‰ …). Text decoded with the wrong codec is mostly something else.
def _plausibility(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    good = 0
    for ch in sample:
        o = ord(ch)
        if (
            o < 0x80
            or 0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
            or 0x3000 <= o <= 0x303F  # CJK punctuation
            or 0xFF00 <= o <= 0xFFEF  # full-width forms
            or 0x2000 <= o <= 0x27BF  # general punctuation, arrows, math, enclosed ①, dingbats
            or o in (0xA0, 0xB7, 0xD7, 0xF7, 0x3001, 0x2014)
            or 0x00C0 <= o <= 0x024F  # Latin with accents (names of foreign places, rare)
        ):
            good += 1
    return good / len(sample)


def decode(data: bytes, source: str = "<bytes>") -> str:
    """Decode a text disclosure; newlines normalised to ``\\n``, the BOM removed, nothing else changed.

    See :func:`decode_with_warnings`, which also says what had to be repaired.
    """
    return decode_with_warnings(data, source)[0]


def _lenient(data: bytes, codec: str) -> tuple[str, int] | None:
    """``data`` decoded with a few bad bytes replaced: (text, number of replacements), or None."""
    try:
        text = data.decode(codec, errors="replace")
    except LookupError:  # pragma: no cover - codecs are fixed
        return None
    bad = text.count("\ufffd") - data.decode(codec, errors="ignore").count("\ufffd")
    return text, bad


def decode_with_warnings(data: bytes, source: str = "<bytes>") -> tuple[str, list[str]]:
    """Decode a text disclosure and say what was repaired.

    Tries, in order: a BOM's codec, UTF-16 without a BOM (NUL pattern), strict UTF-8, strict
    GB18030 (a superset of GBK and GB2312). A decoding is accepted only if the result looks like
    Chinese or ASCII text, so random bytes are refused rather than turned into mojibake. A file
    cut in the middle of a character (a truncated download) or with a handful of damaged bytes
    is still read, with the damage replaced by U+FFFD and reported.
    """
    kind = sniff(data, source)
    if kind == "pdf":
        raise DocumentError(source, "this is a PDF; it needs the PDF reader, not the text parser")
    warnings: list[str] = []
    text: str | None = None
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                lenient = _lenient(data, codec)
                if lenient is None or lenient[1] > max(3, len(data) // 10000):
                    raise DocumentError(
                        source,
                        f"the file starts with a {codec} byte-order mark but is "
                        f"not valid {codec} (byte {exc.start})",
                    ) from exc
                text = lenient[0]
                warnings.append(f"decoding: {lenient[1]} damaged byte sequence(s) in {codec} replaced by �")
            break
    if text is None:
        utf16 = _utf16_without_bom(data)
        candidates = ([utf16] if utf16 else []) + ["utf-8", "gb18030"]
        best: tuple[float, str, str, int] | None = None
        for codec in candidates:
            try:
                decoded, bad = data.decode(codec), 0
            except UnicodeDecodeError:
                lenient = _lenient(data, codec)
                if lenient is None or lenient[1] > max(3, len(data) // 10000):
                    continue
                decoded, bad = lenient
            score = _plausibility(decoded)
            if score >= 0.97:
                # A few damaged bytes in otherwise valid UTF-8 still mean UTF-8: valid multi-byte
                # sequences do not happen by chance, while GB18030 would decode them as mojibake.
                text = decoded
                if bad:
                    warnings.append(
                        f"decoding: {bad} damaged byte sequence(s) in {codec} replaced by � "
                        "(a truncated or damaged file?)"
                    )
                break
            if best is None or (score, -bad) > (best[0], -best[3]):
                best = (score, decoded, codec, bad)
        if text is None:
            if best is not None and best[0] >= 0.9:
                text = best[1]
                if best[3]:
                    warnings.append(
                        f"decoding: {best[3]} damaged byte sequence(s) in {best[2]} replaced by � "
                        "(a truncated or damaged file?)"
                    )
            else:
                raise DocumentError(
                    source,
                    "cannot decode the file as text: it is not valid UTF-8, GB18030/GBK or UTF-16 "
                    "(or decodes only to unreadable characters)",
                )
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise DocumentError(source, "the decoded text contains NUL characters; the file is not plain text")
    if not text.strip():
        raise DocumentError(source, "the file contains only whitespace")
    return text, warnings


_WS = re.compile(r"\s+")
# Bracket variants that NFKC leaves distinct but that mean the same in a name or heading.
_BRACKETS = str.maketrans(
    {
        "〔": "[",
        "〕": "]",
        "【": "[",
        "】": "]",
        "［": "[",
        "］": "]",
        "〈": "<",
        "〉": ">",
        "《": "<",
        "》": ">",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
    }
)


@lru_cache(maxsize=1 << 16)
def comparison_key(text: str) -> str:
    """A lossy key for comparing names and headings: NFKC, brackets unified, no whitespace.

    Never store this; store the text as written.
    """
    return _WS.sub("", unicodedata.normalize("NFKC", text).translate(_BRACKETS))
