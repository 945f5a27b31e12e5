"""The base class of format writers.

A writer turns :class:`~pim.exports.source.ExportRecord` items into one file. The run
(:mod:`pim.exports.runs`) feeds it only records that passed :meth:`BaseWriter.problems`, so
anything a format cannot carry is reported per product before a byte is written for it.
"""

import functools
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from .models import RunKind
from .source import ExportContext, ExportRecord


class BaseWriter:
    extension = ""
    content_type = "application/octet-stream"
    # An empty file would be invalid (e.g. BMEcat update transactions need a product).
    requires_items = False
    kinds = (RunKind.FULL, RunKind.DELTA)

    def __init__(
        self,
        context: ExportContext,
        *,
        kind: str = RunKind.FULL,
        generated_at: datetime | None = None,
        catalog_version: str = "1.0",
        prev_version: int = 0,
        out_class=None,
    ):
        if kind not in self.kinds:
            raise ValueError(
                _("The format %(format)s cannot write %(kind)s exports.")
                % {"format": context.format, "kind": kind}
            )
        self.context = context
        self.channel = context.channel
        self.kind = kind
        self.generated_at = generated_at or timezone.now()
        self.catalog_version = catalog_version
        self.prev_version = prev_version
        self.out_class = out_class

    @property
    def is_delta(self) -> bool:
        return self.kind != RunKind.FULL

    def problems(self, record: ExportRecord) -> list[str]:
        """Why ``record`` cannot be written in this format ([] if it can)."""
        return []

    def write(self, stream, items) -> None:
        raise NotImplementedError


@functools.cache
def schema_unit_codes(relative_schema: str, element: str = "ORDER_UNIT") -> frozenset[str] | None:
    """The unit codes a BMEcat schema allows in ``element`` (None when the standards kit is
    not installed; the catalog's own UN/ECE format check still applies then)."""
    path = Path(settings.PIM_STANDARDS_DIR) / relative_schema
    if not path.exists():
        return None
    xs = "{http://www.w3.org/2001/XMLSchema}"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(str(path), parser).getroot()
    type_name = None
    for node in root.iter(f"{xs}element"):
        if node.get("name") == element:
            type_name = node.get("type")
            break
    if not type_name:
        return None
    for node in root.iter(f"{xs}simpleType"):
        if node.get("name") == type_name:
            return frozenset(e.get("value") for e in node.iter(f"{xs}enumeration"))
    return None
