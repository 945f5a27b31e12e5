from random import Random

import pytest

from pim.assets.demo import attach_demo_assets
from pim.assets.downloads import public_assets_for
from pim.assets.models import Asset, AssetKind
from pim.catalog.models import Category, ProductModel
from tests.factories import make_product


@pytest.mark.django_db
def test_demo_assets_are_attached_and_downloadable(client, family, media_root):
    root = Category.objects.create(code="valves", name={"en": "Valves"})
    leaf = Category.objects.create(code="ball", name={"en": "Ball valves"}, parent=root)
    series = ProductModel.objects.create(code="KH-S", name={"en": "KH series"}, family=family, live=True)
    variants = [make_product(family, article_number=f"KH-S-{i}", product_model=series) for i in range(2)]
    single = make_product(family, article_number="KH-1")
    single.categories.set([leaf])
    single.save()
    products = [*variants, single]

    summary = attach_demo_assets(products, Random(3))
    assert (
        summary.created == 2 * 4 + 1 + 1
    )  # per series/standalone: picture, STEP, STL, DXF; manual; certificate
    kinds = {link.kind for link in public_assets_for(single, "en")}
    assert {"datasheet", "cad_3d", "cad_2d", "manual", "certificate"} <= kinds
    variant_links = public_assets_for(variants[0], "en")
    assert any(link.format_label == "STEP model" for link in variant_links)
    for link in public_assets_for(single, "en"):
        response = client.get(link.url)
        assert response.status_code == 200, link.url
    assert Asset.objects.get(kind=AssetKind.IMAGE, links__product_model=series).image is not None

    again = attach_demo_assets(products, Random(3))
    assert again.created == 0 and again.reused == summary.created
    assert Asset.objects.count() == summary.created


@pytest.mark.django_db
def test_demo_catalog_command_attaches_demo_assets_through_its_signal(family, media_root):
    """``demo_catalog`` announces the demo products; the assets app answers with files."""
    from io import StringIO

    from pim.catalog.models import Product
    from pim.catalog.signals import demo_catalog_built

    products = [make_product(family, article_number=f"DEMO-{i}") for i in range(3)]
    out = StringIO()
    demo_catalog_built.send(
        sender=None,
        products=Product.objects.filter(pk__in=[p.pk for p in products]),
        seed=1,
        verbosity=1,
        stdout=out,
        stderr=StringIO(),
    )
    assert "Demo assets:" in out.getvalue()
    for product in products:
        kinds = {link.kind for link in public_assets_for(product, "en")}
        assert {"cad_3d", "cad_2d"} <= kinds, product


@pytest.mark.django_db
def test_every_drawing_and_model_belongs_to_the_series_it_describes(family, media_root):
    """Files of the same size were one stored asset (content de-duplication) and so linked to
    unrelated series: a compressor's "DK-130 dimension drawing" on a safety valve. Now each
    series or standalone product has its own picture, STEP, STL and DXF naming it; only the
    family manual is shared, within its family."""
    from collections import defaultdict

    from pim.assets.models import AssetLink
    from pim.catalog.models import Family

    other = Family.objects.create(
        code="compressors", name={"en": "Air compressor", "de": "Druckluftkompressor"}
    )
    products = []
    # More drawings than the demo has outline sizes (5 × 4): two were bound to coincide.
    for index in range(24):
        series = ProductModel.objects.create(
            code=f"S-{index}",
            name={"en": f"Series {index}"},
            family=family if index % 2 else other,
            live=True,
        )
        products += [
            make_product(series.family, article_number=f"S-{index}-{i}", product_model=series)
            for i in range(2)
        ]
    summary = attach_demo_assets(products, Random(1))
    assert summary.reused == 0

    reached = defaultdict(set)
    families = defaultdict(set)
    for link in AssetLink.objects.select_related("asset", "product__family", "product_model__family"):
        owner = link.product_model or link.product
        reached[link.asset].add(owner.code if link.product_model_id else owner.product_model.code)
        families[link.asset].add(owner.family.code)
    for asset, series in reached.items():
        if asset.kind == AssetKind.MANUAL:
            assert len(families[asset]) == 1, asset.title  # one family's manual
        else:
            assert len(series) == 1, (asset.title, series)
            (code,) = series
            assert asset.title["en"].startswith(f"{code} ") or asset.kind == AssetKind.IMAGE
    drawings = Asset.objects.filter(kind=AssetKind.CAD_2D)
    assert drawings.count() == 24
    for drawing in drawings:
        with drawing.current_revision.file.open("rb") as handle:
            content = handle.read().decode("ascii")
        code = drawing.title["en"].split(" ")[0]
        assert f"\n{code} " in content  # the title block names the series


def test_drawing_outline_comes_from_the_product_values():
    from pim.assets.demo import _size

    # A bolt M8 × 40 mm: length 40, wrench width 13 (as its own values say), height drawn.
    assert _size((60, 25, 30), {"EF001438": 40.0, "EF000177": 13.0}) == (40.0, 13.0, 13.0)
    assert _size((60, 25, 30), {}) == (60, 25, 30)
