"""ETIM guideline MIME codes (UDX.EDXF.MIME_CODE): one code per asset kind, as the guideline's
code list means it, and every kind the assets app knows is coded on purpose."""

import pytest
from django.core.files.base import ContentFile

from pim.assets import samples
from pim.assets.models import AssetKind
from pim.assets.services import create_asset, create_video_link, link_asset
from pim.exports.mime import ETIM_MIME_CODES, ETIM_OTHERS, MimeEntry
from pim.exports.models import ExportFormat, RunStatus
from pim.exports.runs import run_export

from .conftest import assert_valid, make_channel

pytestmark = pytest.mark.django_db

NS = {"e": "https://www.etim-international.com/bmecat/50"}
# The guideline's meaning of each code the export uses.
MEANINGS = {
    "MD01": "Product picture",
    "MD09": "Certificate",
    "MD12": "Dimensioned drawing",
    "MD14": "Instructions for use",
    "MD22": "Product data sheet",
    "MD37": "3D / BIM object",
    "MD45": "Product video",
    "MD52": "Declaration of conformity (CE)",
    "MD99": "Others",
}
CODE_OF_KIND = {
    AssetKind.IMAGE: "MD01",
    AssetKind.DATASHEET: "MD22",
    AssetKind.CAD_3D: "MD37",
    AssetKind.CAD_2D: "MD12",
    AssetKind.MANUAL: "MD14",
    AssetKind.CERTIFICATE: "MD09",
    AssetKind.DECLARATION: "MD52",
    AssetKind.SOFTWARE: "MD99",  # the list has no code for software or firmware
    AssetKind.VIDEO: "MD45",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_every_asset_kind_has_its_code():
    assert set(CODE_OF_KIND) == set(AssetKind.values)  # a new kind must be coded here too
    for kind, code in CODE_OF_KIND.items():
        entry = MimeEntry(source="a", kind=kind, purpose="others")
        assert entry.etim_mime_code() == code, (kind, MEANINGS[code])
    assert set(ETIM_MIME_CODES.values()) | {ETIM_OTHERS} <= set(MEANINGS)


def test_an_export_codes_drawings_and_declarations_by_their_kind(catalog, export_root):
    """The kinds that used to go out as MD99 (others) get their own codes in the file; video
    links stay out of exports (they point at another site, see pim.assets.exchange)."""
    product = catalog.products["full"]
    files = {
        "Drawing": (samples.dxf_rectangle(title="KH"), "kh.dxf", "cad_2d"),
        "EU declaration": (samples.simple_pdf("Declaration", ["EU"]), "declaration.pdf", "declaration"),
    }
    for title, (data, name, kind) in files.items():
        link_asset(create_asset(ContentFile(data, name=name), kind=kind, title={"en": title}).asset, product)
    link_asset(create_video_link("https://video.example.com/kh", title={"en": "Video"}), product)

    run = run_export(make_channel(ExportFormat.BMECAT_2005_ETIM, languages="en"))
    assert run.status == RunStatus.SUCCEEDED, run.error
    document = assert_valid(run.file_path(), "etim")
    codes = {
        mime.findtext("e:UDX.EDXF.MIME_DESIGNATION", namespaces=NS): mime.findtext(
            "e:UDX.EDXF.MIME_CODE", namespaces=NS
        )
        for mime in document.xpath("//e:PRODUCT[e:SUPPLIER_PID='KH-100']//e:UDX.EDXF.MIME", namespaces=NS)
    }
    assert codes["Drawing"] == "MD12" and codes["EU declaration"] == "MD52"
    assert "Video" not in codes
