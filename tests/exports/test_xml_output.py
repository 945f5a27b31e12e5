"""The streamed XML writer writes what lxml's incremental writer writes, escaping included."""

import io
import random

import pytest
from lxml import etree

from pim.exports.xml import StreamOut, TreeOut, clean_text

NS = "http://www.bmecat.org/bmecat/2005"
TRICKY = [
    "a & b < c > d",
    "quote \" and apostrophe '",
    "line\r\nbreak\ttab",
    "ümlaut €",
    "  padded  ",
    "",
    "\x01ctl",
]


def document_calls(out):
    """The same calls a writer makes: nested elements, leaves with and without attributes."""
    rng = random.Random(7)
    with out.el("HEADER"):
        out.leaf("CATALOG_ID", "cat-1")
        with out.el("EMPTY"):
            pass
    for index in range(200):
        with out.el("PRODUCT", {"mode": "new"} if index % 2 else None):
            out.leaf("SUPPLIER_PID", f"P-{index}")
            text = rng.choice(TRICKY) + rng.choice(TRICKY)
            out.leaf("DESCRIPTION_SHORT", text, {"lang": "deu"})
            out.leaf("KEYWORD", text, {"type": rng.choice(TRICKY[:-1])})  # lxml refuses control characters
            out.leaf("NUMBER", 12.5)


def lxml_incremental(stream, root_attrs):
    """The reference: lxml.etree.xmlfile with the same calls."""

    class Reference:
        def __init__(self, xf):
            self.xf = xf

        def el(self, name, attrs=None):
            return self.xf.element(f"{{{NS}}}{name}", attrs or {})

        def leaf(self, name, text, attrs=None):
            with self.xf.element(f"{{{NS}}}{name}", attrs or {}):
                self.xf.write(clean_text(text))

    with etree.xmlfile(stream, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{NS}}}BMECAT", root_attrs, nsmap={None: NS}):
            document_calls(Reference(xf))


def test_stream_writes_the_bytes_lxml_writes():
    ours, reference = io.BytesIO(), io.BytesIO()
    with StreamOut.document(ours, NS, "BMECAT", {"version": "2005"}) as out:
        document_calls(out)
    lxml_incremental(reference, {"version": "2005"})
    assert ours.getvalue() == reference.getvalue()


def test_stream_and_tree_documents_read_the_same():
    streamed, built = io.BytesIO(), io.BytesIO()
    for out_class, stream in ((StreamOut, streamed), (TreeOut, built)):
        with out_class.document(stream, NS, "BMECAT", {"version": "2005"}) as out:
            document_calls(out)
    a, b = etree.fromstring(streamed.getvalue()), etree.fromstring(built.getvalue())
    assert etree.tostring(a, method="c14n") == etree.tostring(b, method="c14n")
    texts = [node.text for node in a.iter(f"{{{NS}}}DESCRIPTION_SHORT")]
    assert all(text is None or "\x01" not in text for text in texts)


def test_large_documents_are_written_in_chunks():
    class CountingStream(io.BytesIO):
        writes = 0

        def write(self, data):
            self.writes += 1
            return super().write(data)

    stream = CountingStream()
    with StreamOut.document(stream, NS, "BMECAT", {}) as out:
        for index in range(30000):
            out.leaf("SUPPLIER_PID", index)
    assert stream.writes > 2
    assert etree.fromstring(stream.getvalue()).find(f"{{{NS}}}SUPPLIER_PID").text == "0"


@pytest.mark.parametrize("bad", ["\x00", "\x1f", "\ufffe"])
def test_characters_xml_cannot_carry_are_dropped_from_attributes(bad):
    stream = io.BytesIO()
    with StreamOut.document(stream, NS, "BMECAT", {}) as out:
        out.leaf("KEYWORD", "k", {"type": f"a{bad}b"})
    assert etree.fromstring(stream.getvalue())[0].get("type") == "ab"
