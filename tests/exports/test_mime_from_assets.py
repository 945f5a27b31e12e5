"""MIME_INFO from the real assets app: public downloads of the product, validated, and the
sources resolve to working download URLs under MIME_ROOT."""

import pytest
from django.core.files.base import ContentFile

from pim.assets import samples
from pim.assets.services import create_asset, link_asset
from pim.catalog.models import Category

from .conftest import assert_valid, make_channel
from .test_bmecat2005 import NS, export, product_element


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_bmecat_mime_info_lists_the_products_public_assets(catalog, export_root, client):
    product = catalog.products["full"]
    step = create_asset(
        ContentFile(samples.step_box("KH"), name="kh.step"), kind="cad_3d", title={"en": "3D model"}
    )
    link_asset(step.asset, product)
    picture = create_asset(
        ContentFile(samples.picture("KH"), name="kh.png"), kind="image", title={"en": "Front"}
    )
    link_asset(picture.asset, product)
    hidden = create_asset(
        ContentFile(samples.step_box("secret"), name="secret.step"),
        kind="cad_3d",
        title={"en": "Secret"},
        public=False,
    )
    link_asset(hidden.asset, product)
    manual = create_asset(
        ContentFile(samples.simple_pdf("Manual", ["Operating instructions"]), name="manual.pdf"),
        kind="manual",
        title={"en": "Manual"},
    )
    link_asset(manual.asset, Category.objects.get(code="valves"))  # the parent of the product's category

    run = export(make_channel(media_base_url="http://testserver/"))
    element = product_element(assert_valid(run.file_path(), "2005"), product.article_number)
    mimes = element.xpath("b:MIME_INFO/b:MIME", namespaces=NS)
    rows = [
        (m.findtext("b:MIME_SOURCE", namespaces=NS), m.findtext("b:MIME_PURPOSE", namespaces=NS))
        for m in mimes
    ]
    sources = [source for source, _purpose in rows]

    # The main image first, as a JPEG rendition of the PNG (the schema has no image/png).
    assert rows[0][1] == "normal" and rows[0][0].endswith(".jpg")
    assert mimes[0].findtext("b:MIME_TYPE", namespaces=NS) == "image/jpeg"
    assert any(source.endswith(".step") for source in sources)
    assert any("manual" in source for source in sources)  # inherited from the parent category
    assert not any("secret" in source for source in sources)  # not public: not exported
    assert sum(1 for _s, purpose in rows if purpose == "data_sheet") == 2  # generated, en + de
    for source in sources:
        response = client.get("/" + source)
        assert response.status_code == 200, source
    served = client.get("/" + sources[0])  # anonymous, like a receiver's importer
    assert served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content)[:3] == b"\xff\xd8\xff"  # JPEG bytes, not the PNG
