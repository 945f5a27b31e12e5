import io

import pytest
from pypdf import PdfReader

from pim.assets import samples
from pim.assets.datasheet import datasheet_for, drawable, render_pdf, sheet_data
from pim.assets.downloads import datasheet_url
from pim.assets.models import AssetKind, GeneratedDatasheet
from pim.assets.services import create_asset, link_asset
from pim.catalog.models import Lifecycle
from pim.catalog.values import set_values
from tests.factories import make_product


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _pdf_of(sheet) -> bytes:
    with sheet.file.open("rb") as handle:
        return handle.read()


@pytest.mark.django_db
def test_datasheet_contains_the_product_data_in_each_language(client, product):
    english = client.get(datasheet_url(product, "en"))
    assert english.status_code == 200
    assert english["Content-Type"] == "application/pdf"
    assert english["Content-Disposition"] == 'attachment; filename="KH-100-A_datasheet_en.pdf"'
    pdf = b"".join(english.streaming_content)
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    for expected in [
        "Ball valve DN15",
        "KH-100/A",
        "Max. operating pressure",
        "16 bar",
        "Brass",
        "°C",
        "Technical data",
    ]:
        assert expected in text, expected
    assert "/products/KH-100/A/" in text or "/products/KH-100" in text  # link back to the product page

    german = _text(b"".join(client.get(datasheet_url(product, "de")).streaming_content))
    for expected in [
        "Kugelhahn DN15 für Wärmeträger",
        "Max. Betriebsdruck",
        "Messing",
        "Gehäusewerkstoff",
        "Kenndaten",
    ]:
        assert expected in german, expected


@pytest.mark.django_db
def test_datasheet_is_cached_by_content_hash_and_regenerated_on_change(product):
    first = datasheet_for(product, "en")
    first_name, first_hash = first.file.name, first.content_hash
    again = datasheet_for(product, "en")
    assert (again.file.name, again.content_hash) == (first_name, first_hash)
    assert GeneratedDatasheet.objects.count() == 1

    set_values(product, {"max_pressure": "25 bar", "body_material": "ss316"})
    product.save()
    changed = datasheet_for(product, "en")
    assert changed.content_hash != first_hash
    assert changed.file.name != first_name
    assert not changed.file.storage.exists(first_name)  # the stale PDF is gone
    text = _text(_pdf_of(changed))
    assert "25 bar" in text and "Stainless steel 1.4401" in text
    assert "16 bar" not in text


@pytest.mark.django_db
def test_lifecycle_notice_names_the_successor(family, product):
    successor = make_product(family, article_number="KH-300", name={"en": "Ball valve DN15 Mk II"})
    product.lifecycle = Lifecycle.DISCONTINUED
    product.successor = successor
    product.save()
    text = _text(_pdf_of(datasheet_for(product, "en")))
    assert "This product is discontinued." in text
    assert "Successor: KH-300 Ball valve DN15 Mk II" in text


@pytest.mark.django_db
def test_datasheet_shows_the_main_image(product):
    photo = create_asset(io.BytesIO(samples.picture("KH")), filename="p.png", kind=AssetKind.IMAGE).asset
    link_asset(photo, product)
    data = sheet_data(product, "en")
    assert data["image_sha256"] == photo.current_revision.sha256
    pdf = _pdf_of(datasheet_for(product, "en"))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages[0].images) == 1


def test_special_characters_render():
    data = {
        "layout": "1",
        "language": "de",
        "name": "Drucksensor ≤ 0,5 µm Öl/Wasser",
        "article_number": "DS-1",
        "family": "Sensoren",
        "short_description": "Messbereich −40 … 85 °C, Ø ⌀ 12 mm, Genauigkeit ±0,1 %",
        "long_description": "",
        "lifecycle": "Aktiv",
        "notice": "",
        "identification": [["Artikelnummer", "DS-1"]],
        "key_data": [["Temperatur", "≥ 20 °C"]],
        "groups": [["Technische Daten", [["Größe", "5 µm"]]]],
        "image_sha256": "",
        "url": "https://example.com/de/produkte/DS-1/",
        "labels": {
            "key_data": "Kenndaten",
            "identification": "Identifikation",
            "technical": "Technische Daten",
            "lifecycle": "Lebenszyklus",
            "page": "Produktseite",
            "footer": "Aus den Produktdaten erzeugt.",
            "page_of": "Seite %(page)s",
            "datasheet": "Datenblatt",
        },
    }
    text = _text(render_pdf(data))
    for expected in ["≤ 0,5 µm Öl/Wasser", "Größe", "≥ 20 °C", "±0,1 %", "Ø Ø 12 mm", "−40 … 85 °C"]:
        assert expected in text, expected
    assert drawable("⌀") == "Ø"
    assert drawable("\u4e2d") == "?"  # a glyph the font lacks is replaced, never an empty box
