"""Reading BMEcat from suppliers and ERPs: BMEcat 2005 (and its 2005fd/2005.1 namespaces or
none), the ETIM BMEcat guideline 5.0 and BMEcat 1.2, from an XML file or a ZIP with media,
safely and streaming. See :mod:`.source` (the file), :mod:`.products` (one product),
:mod:`.safety` (what is refused) and :mod:`.codes` (the catalog's code tables)."""

from .source import BmecatSource, IncomingCategory, apply_categories, open_bmecat

__all__ = ["BmecatSource", "IncomingCategory", "apply_categories", "open_bmecat"]
