"""SVG safety: an SVG is a document that can carry scripts, event handlers and references
to other resources. A product image must be none of that.

:func:`active_content` lists what is dangerous in an SVG; :func:`sanitize_svg` removes it.
Parsing is safe (no DTD loading, no entity expansion, no network).
"""

import re

from django.utils.translation import gettext as _
from lxml import etree

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
MAX_SVG_BYTES = 20 * 1024 * 1024

_FORBIDDEN_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "handler", "listener"}
_SAFE_DATA_URL = re.compile(r"^data:image/(png|jpeg|jpg|webp|gif);base64,", re.IGNORECASE)
_URL_IN_CSS = re.compile(r"url\(\s*['\"]?\s*(?!#)([^)'\"\s]+)", re.IGNORECASE)
_CSS_DANGER = re.compile(r"@import|expression\s*\(|javascript:|behavior\s*:", re.IGNORECASE)


def _parser():
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
    )


def parse_xml(fileobj, max_bytes: int = MAX_SVG_BYTES):
    """Parse XML without entities or network access; ValueError when it is not XML or
    declares entities (the building block of entity-expansion bombs)."""
    fileobj.seek(0)
    data = fileobj.read(max_bytes + 1)
    fileobj.seek(0)
    if len(data) > max_bytes:
        raise ValueError(_("it is larger than %(mb)s MB") % {"mb": max_bytes // (1024 * 1024)})
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise ValueError(_("it is not well-formed XML (%(error)s)") % {"error": exc}) from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and list(dtd.iterentities()):
        raise ValueError(_("it declares XML entities"))
    return root


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _is_external_reference(value: str) -> bool:
    value = value.strip()
    if not value or value.startswith("#"):
        return False
    return not _SAFE_DATA_URL.match(value)


def _problems(root, fix: bool) -> list[str]:
    found: list[str] = []
    to_remove = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments, processing instructions
        name = _local(element.tag)
        namespace = etree.QName(element.tag).namespace
        if name in _FORBIDDEN_ELEMENTS:
            found.append(_("a <%(element)s> element") % {"element": name})
            to_remove.append(element)
            continue
        if namespace not in (None, SVG_NS) and element is not root:
            found.append(_("an element from another XML vocabulary (%(ns)s)") % {"ns": namespace})
            to_remove.append(element)
            continue
        if name in {"animate", "set", "animateTransform", "animateMotion"}:
            target = (element.get("attributeName") or "").lower()
            if target in {"href", "xlink:href"} or target.startswith("on"):
                found.append(_("an animation that changes a link or an event handler"))
                to_remove.append(element)
                continue
        if (
            name == "style"
            and element.text
            and (_CSS_DANGER.search(element.text) or _external_css(element.text))
        ):
            found.append(_("a style sheet that loads external resources"))
            to_remove.append(element)
            continue
        for attribute, value in list(element.attrib.items()):
            local = _local(attribute).lower()
            if local.startswith("on"):
                found.append(_("an event handler attribute (%(attr)s)") % {"attr": local})
                if fix:
                    del element.attrib[attribute]
            elif local in {"href", "src"} and _is_external_reference(value):
                found.append(_("a reference to an external resource (%(url)s)") % {"url": value[:80]})
                if fix:
                    del element.attrib[attribute]
            elif local == "style" and (_CSS_DANGER.search(value) or _external_css(value)):
                found.append(_("a style attribute that loads external resources"))
                if fix:
                    del element.attrib[attribute]
    if fix:
        for element in to_remove:
            parent = element.getparent()
            if parent is not None:
                parent.remove(element)
    return found


def _external_css(css: str) -> bool:
    return any(_is_external_reference(url) for url in _URL_IN_CSS.findall(css))


def active_content(root) -> list[str]:
    """Descriptions of every script, event handler and external reference in the SVG."""
    return _problems(root, fix=False)


def sanitize_svg(root) -> bytes:
    """Remove active content and return the cleaned document."""
    _problems(root, fix=True)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")
