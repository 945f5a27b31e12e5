"""Small XML output layer shared by the BMEcat writers.

:class:`StreamOut` writes through ``lxml.etree.xmlfile`` (each element is serialized as it is
closed: memory does not grow with the document). :class:`TreeOut` builds the same document as
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


class StreamOut:
    """Writes elements to an ``xmlfile`` as they are produced."""

    def __init__(self, xf, namespace: str):
        self.xf = xf
        self.tags = _Tags(namespace)

    def el(self, name: str, attrs: dict | None = None):
        return self.xf.element(self.tags[name], attrs or {})

    def leaf(self, name: str, text, attrs: dict | None = None) -> None:
        with self.xf.element(self.tags[name], attrs or {}):
            self.xf.write(clean_text(text))

    @classmethod
    @contextmanager
    def document(cls, stream, namespace: str, root: str, attrs: dict):
        with etree.xmlfile(stream, encoding="utf-8") as xf:
            xf.write_declaration()
            out = cls(xf, namespace)
            with xf.element(out.tags[root], attrs, nsmap={None: namespace}):
                yield out


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
