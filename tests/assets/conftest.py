import pytest

from tests.factories import make_product, make_valve_family


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test writes its files into its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PIM_ASSET_DELIVERY = "django"
    settings.PIM_ASSET_SVG_POLICY = "reject"
    return settings.MEDIA_ROOT


@pytest.fixture
def family(db):
    return make_valve_family()


@pytest.fixture
def product(family):
    return make_product(
        family,
        article_number="KH-100/A",
        values={"max_pressure": "16 bar", "temperature_range": "-10 .. 120 °C", "body_material": "brass"},
        name={"en": "Ball valve DN15", "de": "Kugelhahn DN15 für Wärmeträger"},
    )


@pytest.fixture
def draft_product(family):
    return make_product(family, article_number="KH-DRAFT-1", live=False)


def stored_files(root):
    return (
        sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        if root.exists()
        else []
    )
