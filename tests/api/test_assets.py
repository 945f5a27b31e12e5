"""Contract of /api/v1/assets/: shape and values, who sees which asset (the download rule for
the public, everything for full read), ?fields=, updated_since, cursor pages, queries per page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pim.api.models import TokenScope
from pim.assets.models import Asset, LinkRole
from pim.assets.services import link_asset
from pim.catalog.models import ProductModel
from tests.api.conftest import bearer
from tests.factories import make_pdf_asset, make_product

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_asset_detail_contract(api, family, settings):
    product = make_product(family, article_number="KH-100/A")
    series = ProductModel.objects.create(code="KH", name={"en": "KH"}, family=family, live=True)
    make_product(family, article_number="KH-200", product_model=series)
    make_product(family, article_number="KH-300", product_model=series, live=False)
    asset = make_pdf_asset("KH datasheet", languages=["en", "de"])
    link_asset(asset, product, role=LinkRole.DATASHEET)
    link_asset(asset, series, role=LinkRole.MANUAL)
    revision = asset.current_revision

    response = api.get(f"/api/v1/assets/{asset.pk}/")

    assert response.status_code == 200
    data = response.json()
    assert data["id"] == asset.pk
    assert data["title"] == "KH datasheet"
    assert data["kind"] == "datasheet"
    # Roles in the download list's order; the hidden variant KH-300 is not named.
    assert data["roles"] == ["datasheet", "manual"]
    assert data["article_numbers"] == ["KH-100/A", "KH-200"]
    assert data["languages"] == ["de", "en"]  # stored normalized, sorted
    assert data["file_name"] == "KH datasheet.pdf"
    assert data["mime_type"] == "application/pdf"
    assert data["size"] == revision.size and data["size"] > 0
    assert data["sha256"] == revision.sha256 and len(data["sha256"]) == 64
    assert data["revision"] == 1
    assert data["valid_from"] is None
    assert "public" not in data and "downloadable" not in data
    assert data["url"].startswith(settings.PIM_BASE_URL + f"/downloads/{asset.pk}/")
    download = api.get(data["url"].removeprefix(settings.PIM_BASE_URL))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"


def test_public_sees_exactly_the_downloadable_assets(api, family, issue_token, settings):
    visible = make_product(family, article_number="V-1")
    hidden = make_product(family, article_number="V-H", live=False)
    downloadable = make_pdf_asset("Downloadable")
    not_public = make_pdf_asset("Internal", public=False)
    not_yet_valid = make_pdf_asset("Next year", valid_from=timezone.localdate() + timedelta(days=30))
    only_on_hidden = make_pdf_asset("Draft product sheet")
    unlinked = make_pdf_asset("Nowhere")
    for asset in (downloadable, not_public, not_yet_valid):
        link_asset(asset, visible, role=LinkRole.DATASHEET)
    link_asset(only_on_hidden, hidden, role=LinkRole.DATASHEET)
    link_asset(downloadable, hidden, role=LinkRole.MANUAL)
    refused = (not_public, not_yet_valid, only_on_hidden, unlinked)

    for headers in ({}, bearer(issue_token(TokenScope.PUBLIC_READ))):
        assert ids(api.get("/api/v1/assets/", **headers)) == {downloadable.pk}
        for asset in refused:
            assert api.get(f"/api/v1/assets/{asset.pk}/", **headers).status_code == 404
        data = api.get(f"/api/v1/assets/{downloadable.pk}/", **headers).json()
        # The link to the hidden product is not revealed, neither its role nor its article.
        assert data["article_numbers"] == ["V-1"] and data["roles"] == ["datasheet"]

    full = bearer(issue_token(TokenScope.FULL_READ))
    assert ids(api.get("/api/v1/assets/", **full)) == {a.pk for a in (downloadable, *refused)}
    data = api.get(f"/api/v1/assets/{downloadable.pk}/", **full).json()
    assert data["article_numbers"] == ["V-1", "V-H"] and data["roles"] == ["datasheet", "manual"]
    assert data["public"] is True and data["downloadable"] is True
    internal = api.get(f"/api/v1/assets/{not_public.pk}/", **full).json()
    assert internal["public"] is False and internal["downloadable"] is False
    # Listed for full read, but the URL keeps the download rule: 404 until public.
    assert api.get(internal["url"].removeprefix(settings.PIM_BASE_URL)).status_code == 404


def test_unknown_and_huge_ids_are_404(api):
    assert api.get("/api/v1/assets/999999/").status_code == 404
    assert api.get(f"/api/v1/assets/{2**70}/").status_code == 404


def test_fields_lang_and_status_fields_by_scope(api, family, issue_token):
    product = make_product(family)
    asset = make_pdf_asset("Sheet")
    Asset.objects.filter(pk=asset.pk).update(title={"en": "Datasheet", "de": "Datenblatt"})
    link_asset(asset, product)

    response = api.get(f"/api/v1/assets/{asset.pk}/?fields=id,title&lang=de")
    assert response.json() == {"id": asset.pk, "title": "Datenblatt"}
    refused = api.get("/api/v1/assets/?fields=id,public")
    assert refused.status_code == 400 and "public" in refused.json()["fields"][0]
    full = bearer(issue_token(TokenScope.FULL_READ))
    assert api.get("/api/v1/assets/?fields=id,public", **full).json()["results"] == [
        {"id": asset.pk, "public": True}
    ]
    assert api.get("/api/v1/assets/?lang=xx").status_code == 400


def test_updated_since_and_cursor_pages(api, family):
    product = make_product(family)
    assets = [make_pdf_asset(f"Sheet {index}") for index in range(5)]
    for asset in assets:
        link_asset(asset, product)
    old = timezone.now() - timedelta(days=10)
    Asset.objects.filter(pk__in=[a.pk for a in assets[:2]]).update(updated_at=old)

    since = (old + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids(api.get("/api/v1/assets/", {"updated_since": since})) == {a.pk for a in assets[2:]}
    assert api.get("/api/v1/assets/?updated_since=yesterday").status_code == 400

    seen, url = [], "/api/v1/assets/?size=2"
    while url:
        page = api.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(a.pk for a in assets) and len(seen) == len(set(seen))
    # The oldest changes come first.
    assert set(seen[:2]) == {assets[0].pk, assets[1].pk}


def test_queries_per_page_do_not_grow_with_the_page_size(api, family, issue_token):
    series = ProductModel.objects.create(code="S", name={"en": "S"}, family=family, live=True)
    products = [
        make_product(family, article_number=f"P-{i:02d}", product_model=series if i % 2 else None)
        for i in range(4)
    ]
    for index in range(30):
        asset = make_pdf_asset(f"Sheet {index:02d}")
        link_asset(asset, products[index % 4])
        link_asset(asset, series, role=LinkRole.MANUAL)

    def queries(size, **headers):
        with CaptureQueriesContext(connection) as captured:
            response = api.get(f"/api/v1/assets/?size={size}", **headers)
        assert response.status_code == 200 and len(response.json()["results"]) == size
        return len(captured)

    assert queries(10) == queries(30)
    full = bearer(issue_token(TokenScope.FULL_READ))
    api.get("/api/v1/assets/?size=1", **full)  # the token's first use is recorded once
    assert queries(10, **full) == queries(30, **full)
