"""Small XML output layer shared by the BMEcat writers.

:class:`StreamOut` writes the markup as it is produced, in chunks (memory does not grow with
the document). :class:`TreeOut` builds the same document as
one in-memory tree (used by the benchmark as the baseline). Writers only use ``el`` and
``leaf``, so both produce the same bytes.
"""

import re
from contextlib import contextmanager

from lxml import etree

# ISO 639-1 (our content languages) -> ISO 639-2 codes BMEcat uses.
ISO639_2 = {
    "en": "eng",
    "de": "deu",
    "fr": "fra",
    "nl": "nld",
    "it": "ita",
    "es": "spa",
    "pt": "por",
    "pl": "pol",
    "cs": "ces",
    "sk": "slk",
    "hu": "hun",
    "da": "dan",
    "sv": "swe",
    "fi": "fin",
    "no": "nor",
    "ru": "rus",
    "tr": "tur",
    "zh": "zho",
    "ja": "jpn",
    "ko": "kor",
}

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def bmecat_language(code: str) -> str:
    try:
        return ISO639_2[code]
    except KeyError:
        raise ValueError(f"no ISO 639-2 code known for language {code!r}; add it to ISO639_2") from None


def clean_text(text) -> str:
    """Text XML can carry (control characters removed), whitespace-trimmed."""
    return _NOT_XML.sub("", str(text)).strip()


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (ending in an ellipsis when cut)."""
    text = clean_text(text)
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


class _Tags(dict):
    def __init__(self, namespace: str):
        super().__init__()
        self.namespace = namespace

    def __missing__(self, name):
        value = self[name] = f"{{{self.namespace}}}{name}"
        return value


_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\t": "&#9;", "\r": "&#13;"}
)
_FLUSH_PARTS = 8192


def _attributes(attrs: dict | None) -> str:
    if not attrs:
        return ""
    return "".join(
        f' {name}="{_NOT_XML.sub("", str(value)).translate(_ATTRIBUTE_ESCAPES)}"'
        for name, value in attrs.items()
    )


class _Closing:
    """The context of an open element: leaving it writes the end tag."""

    __slots__ = ("end", "out")

    def __init__(self, out, end: str):
        self.out = out
        self.end = end

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.out._parts.append(self.end)
        return False


class StreamOut:
    """Writes the document to the stream as it is produced, in chunks: memory does not grow
    with the document.

    The markup is written as text with XML's escaping rules (the bytes are those
    ``lxml.etree.xmlfile`` writes, which this replaced: a test compares the two). Element
    names are the writers' constants; text goes through :func:`clean_text`. Building each
    element through lxml's incremental writer cost about half of a BMEcat export's time.
    """

    def __init__(self, parts: list, namespace: str):
        self._parts = parts
        self.namespace = namespace

    def el(self, name: str, attrs: dict | None = None):
        self._parts.append(f"<{name}{_attributes(attrs)}>")
        return _Closing(self, f"</{name}>")

    def leaf(self, name: str, text, attrs: dict | None = None) -> None:
        parts = self._parts
        parts.append(f"<{name}{_attributes(attrs)}>{clean_text(text).translate(_TEXT_ESCAPES)}</{name}>")
        if len(parts) >= _FLUSH_PARTS:
            self._flush()

    def _flush(self) -> None:
        self._stream.write("".join(self._parts).encode("utf-8"))
        self._parts.clear()

    @classmethod
    @contextmanager
    def document(cls, stream, namespace: str, root: str, attrs: dict):
        out = cls([], namespace)
        out._stream = stream
        out._parts.append("<?xml version='1.0' encoding='utf-8'?>\n")
        root_attrs = {"xmlns": namespace, **attrs}
        with out.el(root, root_attrs):
            yield out
        out._flush()


class TreeOut:
    """Builds the document in memory (baseline for the benchmark; same calls, same bytes)."""

    def __init__(self, root, namespace: str):
        self.tags = _Tags(namespace)
        self.stack = [root]

    @contextmanager
    def el(self, name: str, attrs: dict | None = None):
        element = etree.SubElement(self.stack[-1], self.tags[name], attrs or {})
        self.stack.append(element)
        try:
            yield element
        finally:
            self.stack.pop()

    def leaf(self, name: str, text, attrs: dict | None = None) -> None:
        etree.SubElement(self.stack[-1], self.tags[name], attrs or {}).text = clean_text(text)

    @classmethod
    @contextmanager
    def document(cls, stream, namespace: str, root: str, attrs: dict):
        element = etree.Element(f"{{{namespace}}}{root}", attrs, nsmap={None: namespace})
        yield cls(element, namespace)
        etree.ElementTree(element).write(stream, encoding="utf-8", xml_declaration=True)
