"""The demo catalog: realistic technical products built from real ETIM classes.

``python manage.py demo_catalog`` runs :class:`~pim.catalog.demo.generator.DemoCatalogGenerator`.
The modules: :mod:`.specs` (how a value is drawn), :mod:`.profiles` (what each ETIM class
becomes), :mod:`.vocabulary` (manufacturers, category tree, sentences), :mod:`.texts`
(names, descriptions, article numbers) and :mod:`.generator` (chunked bulk insert).
"""
