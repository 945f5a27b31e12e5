"""BMEcat details receivers read as meant: price validity in the DATETIME form, a MIME_TYPE
on every medium (pictures as JPEG renditions), each file valid against its schema."""

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from wagtail.images import get_image_model

from pim.assets import samples
from pim.assets.models import AssetLink, LinkRole
from pim.assets.services import create_asset, link_asset
from pim.catalog.models import ProductPrice
from pim.exports import source
from pim.exports.mime import MimeEntry, bmecat2005_mime_type
from pim.exports.models import ExportFormat, RunStatus
from pim.exports.runs import run_export

from .conftest import assert_valid, make_channel

pytestmark = pytest.mark.django_db

NS_2005 = {"b": "http://www.bmecat.org/bmecat/2005"}
NS_12 = {"b": "http://www.bmecat.org/XMLSchema/1.2/bmecat_new_catalog"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def export(channel):
    run = run_export(channel)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def element(document, path, ns, **variables):
    found = document.xpath(path, namespaces=ns, **variables)
    assert len(found) == 1, f"{path} matches {len(found)} elements"
    return found[0]


def mime_rows(product, ns):
    return [
        (
            m.findtext("b:MIME_TYPE", namespaces=ns),
            m.findtext("b:MIME_SOURCE", namespaces=ns),
            m.findtext("b:MIME_PURPOSE", namespaces=ns),
        )
        for m in product.xpath("b:MIME_INFO/b:MIME", namespaces=ns)
    ]


# -- price validity ---------------------------------------------------------------------------


def test_three_tiers_and_a_future_price_block_carry_their_validity_as_datetime(catalog, export_root):
    full = catalog.products["full"]
    future = date.today() + timedelta(days=30)
    ProductPrice.objects.create(
        product=full, price_type="net_list", currency="EUR", amount=Decimal("10.20"), min_quantity=100
    )
    for quantity, amount in ((1, "13.10"), (50, "11.60"), (100, "10.80")):
        ProductPrice.objects.create(
            product=full,
            price_type="net_list",
            currency="EUR",
            amount=Decimal(amount),
            min_quantity=quantity,
            valid_from=future,
        )

    run = export(make_channel())
    document = assert_valid(run.file_path(), "2005")
    assert b"VALID_START_DATE" not in run.file_path().read_bytes()
    assert b"VALID_END_DATE" not in run.file_path().read_bytes()
    product = element(document, "//b:PRODUCT[b:SUPPLIER_PID='KH-100']", NS_2005)

    blocks = {}
    for block in product.xpath("b:PRODUCT_PRICE_DETAILS", namespaces=NS_2005):
        start = block.findtext("b:DATETIME[@type='valid_start_date']/b:DATE", namespaces=NS_2005)
        end = block.findtext("b:DATETIME[@type='valid_end_date']/b:DATE", namespaces=NS_2005)
        tiers = [
            (
                price.get("price_type"),
                price.findtext("b:LOWER_BOUND", namespaces=NS_2005),
                price.findtext("b:PRICE_AMOUNT", namespaces=NS_2005),
            )
            for price in block.xpath("b:PRODUCT_PRICE", namespaces=NS_2005)
        ]
        blocks[(start, end)] = tiers
    gross = full.prices.get(price_type="gros_list")
    assert blocks == {
        (None, None): [("net_list", "1", "12.5"), ("net_list", "50", "11"), ("net_list", "100", "10.2")],
        (future.isoformat(), None): [
            ("net_list", "1", "13.1"),
            ("net_list", "50", "11.6"),
            ("net_list", "100", "10.8"),
        ],
        (gross.valid_from.isoformat(), gross.valid_to.isoformat()): [("gros_list", "1", "14.88")],
    }


# -- MIME_TYPE for every medium ---------------------------------------------------------------


@pytest.fixture
def product_media(catalog):
    """KH-100 with a PNG main picture, a WebP gallery picture, STEP, STL and DXF files."""
    product = catalog.products["full"]
    files = {
        "main": (samples.picture("KH main"), "kh.png", "image"),
        "gallery": (samples.picture("KH side", fmt="WEBP"), "kh-side.webp", "image"),
        "step": (samples.step_box("KH"), "kh.step", "cad_3d"),
        "stl": (samples.stl_box_binary("KH"), "kh.stl", "cad_3d"),
        "dxf": (samples.dxf_rectangle(title="KH"), "kh.dxf", "cad_2d"),
    }
    assets = {}
    for key, (data, name, kind) in files.items():
        revision = create_asset(ContentFile(data, name=name), kind=kind, title={"en": key})
        link_asset(revision.asset, product)
        assets[key] = revision.asset
    roles = dict(AssetLink.objects.filter(product=product).values_list("asset_id", "role"))
    assert roles[assets["main"].pk] == LinkRole.MAIN_IMAGE
    assert roles[assets["gallery"].pk] == LinkRole.GALLERY
    return assets


def assert_public_jpeg(client, source):
    response = client.get("/" + source)  # anonymous, as a receiver's importer fetches it
    assert response.status_code == 200, source
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


def test_bmecat2005_gives_every_medium_a_mime_type_and_pictures_as_jpeg(product_media, export_root, client):
    run = export(make_channel(media_base_url="http://testserver/"))
    document = assert_valid(run.file_path(), "2005")
    product = element(document, "//b:PRODUCT[b:SUPPLIER_PID='KH-100']", NS_2005)
    rows = mime_rows(product, NS_2005)

    assert all(mime_type for mime_type, _source, _purpose in rows), rows
    main, gallery = rows[0], rows[1]
    assert main[0] == "image/jpeg" and main[2] == "normal"
    assert gallery[0] == "image/jpeg" and gallery[2] == "detail"
    for picture in (main, gallery):
        assert picture[1].endswith(".jpg")
        assert_public_jpeg(client, picture[1])
    types = {source.rsplit(".", 1)[-1]: mime_type for mime_type, source, _purpose in rows}
    assert types["step"] == "step"
    assert types["stl"] == "stl"
    assert types["dxf"] == "dxf"
    assert [t for t, _s, purpose in rows if purpose == "data_sheet"] == ["application/pdf"] * 2


def test_bmecat12_sends_the_main_picture_as_jpeg(product_media, export_root, client):
    run = export(make_channel(ExportFormat.BMECAT_12, media_base_url="http://testserver/"))
    document = assert_valid(run.file_path(), "1.2-new")
    article = element(document, "//b:ARTICLE[b:SUPPLIER_AID='KH-100']", NS_12)
    rows = mime_rows(article, NS_12)

    main = rows[0]
    assert main[0] == "image/jpeg" and main[2] == "normal" and main[1].endswith(".jpg")
    assert_public_jpeg(client, main[1])
    types = {source.rsplit(".", 1)[-1]: mime_type for mime_type, source, _purpose in rows}
    assert types["step"] == "model/step"  # 1.2 takes any media type: the real one


def test_a_picture_whose_original_is_gone_is_sent_as_the_file_itself(product_media, export_root):
    image = product_media["main"].image
    image.file.storage.delete(image.file.name)
    run = export(make_channel())
    document = assert_valid(run.file_path(), "2005")
    product = element(document, "//b:PRODUCT[b:SUPPLIER_PID='KH-100']", NS_2005)
    main = mime_rows(product, NS_2005)[0]
    assert main[0] == "png" and main[1].endswith(".png")  # the download, typed as the schema allows


def test_the_etim_variant_keeps_the_original_picture(product_media, export_root):
    run = export(make_channel(ExportFormat.BMECAT_2005_ETIM))
    document = assert_valid(run.file_path(), "etim")
    ns = {"e": "https://www.etim-international.com/bmecat/50"}
    sources = document.xpath(
        "//e:PRODUCT[e:SUPPLIER_PID='KH-100']//e:UDX.EDXF.MIME/e:UDX.EDXF.MIME_SOURCE/text()", namespaces=ns
    )
    assert sources[0].endswith(".png")


@pytest.mark.parametrize(
    ("mime_type", "expected"),
    [
        ("application/pdf", "application/pdf"),
        ("image/jpeg", "image/jpeg"),
        ("text/html; charset=utf-8", "text/html"),
        ("model/step", "step"),
        ("model/iges", "iges"),
        ("model/stl", "stl"),
        ("image/vnd.dxf", "dxf"),
        ("image/vnd.dwg", "dwg"),
        ("application/zip", "zip"),
        ("image/png", "png"),
        ("image/svg+xml", "svg"),
        ("application/octet-stream", "octet-stream"),
        ("application/vnd.ms-excel", "ms-excel"),
        ("application/x_t", "x-t"),  # "_" is punctuation to XSD: not in the token
        ("", ""),
    ],
)
def test_mime_types_map_to_what_the_2005_pattern_accepts(mime_type, expected):
    assert bmecat2005_mime_type(mime_type) == expected


def test_every_mapped_mime_type_validates(catalog, export_root, monkeypatch):
    full = catalog.products["full"]
    types = ["model/step", "image/vnd.dxf", "application/x_t", "image/svg+xml", "application/zip", "url"]
    monkeypatch.setattr(
        source,
        "mime_entries_for",
        lambda products, **options: {
            full.pk: [
                MimeEntry(source=f"files/{index}", purpose="others", mime_type=mime_type)
                for index, mime_type in enumerate(types)
            ]
        },
    )
    run = export(make_channel())
    document = assert_valid(run.file_path(), "2005")
    product = element(document, "//b:PRODUCT[b:SUPPLIER_PID='KH-100']", NS_2005)
    assert [row[0] for row in mime_rows(product, NS_2005)] == ["step", "dxf", "x-t", "svg", "zip", "url"]


# -- ETIM media codes -------------------------------------------------------------------------


def firmware_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("firmware/readme.txt", "Controller firmware 2.1")
        archive.writestr("firmware/controller.bin", bytes(range(256)) * 4)
    return buffer.getvalue()


def test_etim_variant_codes_each_asset_kind(catalog, export_root):
    product = catalog.products["full"]
    pdf = samples.simple_pdf
    files = {
        "main picture": (samples.picture("KH"), "kh.png", "image"),
        "gallery picture": (samples.picture("KH side"), "kh-side.png", "image"),
        "datasheet": (pdf("Datasheet", ["KH-100"]), "datasheet.pdf", "datasheet"),
        "manual": (pdf("Manual", ["Operating instructions"]), "manual.pdf", "manual"),
        "certificate": (pdf("Certificate", ["DVGW"]), "certificate.pdf", "certificate"),
        "declaration": (pdf("Declaration", ["EU declaration"]), "declaration.pdf", "declaration"),
        "drawing": (samples.dxf_rectangle(title="KH"), "kh.dxf", "cad_2d"),
        "model": (samples.step_box("KH"), "kh.step", "cad_3d"),
        "firmware": (firmware_zip(), "firmware.zip", "software"),
    }
    for title, (data, name, kind) in files.items():
        revision = create_asset(ContentFile(data, name=name), kind=kind, title={"en": title})
        link_asset(revision.asset, product)

    run = export(make_channel(ExportFormat.BMECAT_2005_ETIM, languages="en"))
    document = assert_valid(run.file_path(), "etim")
    ns = {"e": "https://www.etim-international.com/bmecat/50"}
    rows = [
        (
            mime.findtext("e:UDX.EDXF.MIME_DESIGNATION", namespaces=ns),
            mime.findtext("e:UDX.EDXF.MIME_CODE", namespaces=ns),
        )
        for mime in document.xpath("//e:PRODUCT[e:SUPPLIER_PID='KH-100']//e:UDX.EDXF.MIME", namespaces=ns)
    ]
    # the German generated datasheet has no English designation
    assert [code for designation, code in rows if designation is None] == ["MD22"]
    codes = {designation: code for designation, code in rows if designation is not None}
    assert codes == {
        "main picture": "MD01",  # product picture
        "gallery picture": "MD01",
        "datasheet": "MD22",  # product data sheet
        "Datasheet (generated from the product data)": "MD22",
        "manual": "MD14",  # instructions for use
        "certificate": "MD09",  # certificate
        "declaration": "MD52",  # declaration of conformity (CE)
        "drawing": "MD12",  # dimensioned drawing
        "model": "MD37",  # 3D / BIM object
        "firmware": "MD99",  # no code for software: others
    }


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        (MimeEntry(source="a", kind="cad_3d", purpose="others", etim_code="MD21"), "MD21"),  # given wins
        (MimeEntry(source="a", kind="manual", purpose="others"), "MD14"),
        (MimeEntry(source="a", kind="declaration", purpose="data_sheet"), "MD52"),  # kind before purpose
        (MimeEntry(source="a", purpose="data_sheet"), "MD22"),
        (MimeEntry(source="a", purpose="safety_data_sheet"), "MD03"),
        (MimeEntry(source="a", purpose="detail"), "MD01"),
        (MimeEntry(source="a", kind="software", purpose="others"), "MD99"),
    ],
)
def test_etim_code_comes_from_the_code_given_then_kind_then_purpose(entry, code):
    assert entry.etim_mime_code() == code


def test_the_jpeg_rendition_is_made_once_and_keeps_its_url(product_media, export_root):
    renditions = get_image_model().get_rendition_model().objects
    channel = make_channel()
    first = mime_rows(
        element(
            assert_valid(export(channel).file_path(), "2005"), "//b:PRODUCT[b:SUPPLIER_PID='KH-100']", NS_2005
        ),
        NS_2005,
    )
    made = renditions.count()
    second = mime_rows(
        element(
            assert_valid(export(channel).file_path(), "2005"), "//b:PRODUCT[b:SUPPLIER_PID='KH-100']", NS_2005
        ),
        NS_2005,
    )
    assert made == 2  # main and gallery picture
    assert renditions.count() == made
    assert first == second


def test_only_bmecat_file_runs_make_jpeg_renditions(catalog, product_media, export_root):
    """Completeness (a context that writes no file) and other formats read the same asset
    references without making renditions: image processing only where a file sends it."""
    renditions = get_image_model().get_rendition_model().objects
    product = catalog.products["full"]
    channel = make_channel()
    source.ExportContext(channel).load([product.pk])  # what completeness does
    export(make_channel(ExportFormat.JSONL))
    assert renditions.count() == 0
    export(channel)
    assert renditions.count() == 2
