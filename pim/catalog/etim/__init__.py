"""Import of the ETIM classification model (ETIMIXF 1.0 XML) into families, attributes,
options and units.

- :mod:`.reader` streams and validates the XML (safely: no DTD, no entities, no network).
- :mod:`.unit_mapping` decides which of our units each ETIM unit is.
- :mod:`.importer` writes the model into the catalog, idempotently and in one transaction.

The management command ``import_etim`` is the entry point for operators.
"""
