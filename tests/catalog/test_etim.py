"""ETIM model import: reader (validation, safety), unit mapping, importer and command."""

import io
import math
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from lxml import etree

from pim.catalog import units as unit_service
from pim.catalog.etim import importer as importer_module
from pim.catalog.etim.importer import import_etim, load_model
from pim.catalog.etim.reader import EtimUnit, default_schema_path, read_ixf, safe_pull_parser
from pim.catalog.etim.unit_mapping import UnitMapper
from pim.catalog.models import (
    Attribute,
    AttributeGroup,
    AttributeOption,
    Family,
    FamilyAttribute,
    Quantity,
    Unit,
)

pytestmark = pytest.mark.django_db

REAL_ARCHIVE = Path(settings.PIM_ETIM_ARCHIVE)
needs_real_archive = pytest.mark.skipif(
    not REAL_ARCHIVE.is_file(), reason=f"ETIM archive not found at {REAL_ARCHIVE}"
)


# --- a small ETIMIXF document, valid against the official schema ------------------------------

UNITS = [
    ("EU570448", "mm", "mm", "Millimetre", "Millimeter"),
    ("EU570036", "m", "m", "Metre", "Meter"),
    ("EU570056", "bar", "bar", "Pressure", "Bar"),
    ("EU570073", "°C", "°C", "Degrees celsius", "Grad Celsius"),
    ("EU570555", "dB(A)", "dB(A)", "Decibel A weighted", "Dezibel (A)"),
    ("EU000052", "1/min", "1/min", "Per minute", "Pro Minute"),
    ("EU000023", "Rpm", "Upm", "Revolutions per minute", "Umdrehungen pro Minute"),
]
FEATURES = [
    ("EF000001", "Numeric", "Width", "Breite"),
    ("EF000002", "Numeric", "Nominal value", "Nennwert"),
    ("EF000003", "Alphanumeric", "Material", "Werkstoff"),
    ("EF000004", "Logical", "With display", "Mit Anzeige"),
    ("EF000005", "Range", "Ambient temperature", "Umgebungstemperatur"),
    ("EF000006", "Numeric", "Noise level", "Geräuschpegel"),
    ("EF000007", "Numeric", "Speed", "Drehzahl"),
    ("EF000008", "Numeric", "Max. pressure", "Max. Druck"),
    ("EF000009", "Alphanumeric", "Colour", "Farbe"),
]
VALUES = [
    ("EV000001", "Steel", "Stahl"),
    ("EV000002", "Brass", "Messing"),
    ("EV000003", "Plastic", "Kunststoff"),
    ("EV000004", "Other", "Sonstige"),
]
GROUPS = [("EG000001", "Valves", "Ventile"), ("EG000002", "Pumps", "Pumpen")]


def class_(code, group, en, de, features, synonyms_en=(), synonyms_de=(), change="Unchanged"):
    return {
        "code": code,
        "group": group,
        "en": en,
        "de": de,
        "features": features,
        "synonyms_en": list(synonyms_en),
        "synonyms_de": list(synonyms_de),
        "change": change,
    }


def feature(code, order, unit="", values=(), change="Unchanged"):
    """values: (value code, order) or (value code, order, change code)."""
    return {"code": code, "order": order, "unit": unit, "values": list(values), "change": change}


def default_classes():
    return [
        class_(
            "EC000001",
            "EG000001",
            "Ball valve",
            "Kugelhahn",
            [
                feature("EF000001", 1, "EU570448"),
                feature("EF000002", 2, "EU570448"),
                feature("EF000003", 3, values=[("EV000001", 1), ("EV000002", 2), ("EV000004", 3, "Deleted")]),
                feature("EF000004", 4),
                feature("EF000005", 5, "EU570073"),
                feature("EF000008", 6, "EU570056"),
                feature("EF000009", 7, values=[("EV000004", 1)], change="Deleted"),
            ],
            synonyms_en=["Shut-off valve", "Ball valve"],
            synonyms_de=["Absperrhahn"],
        ),
        class_(
            "EC000002",
            "EG000002",
            "Pump",
            "Pumpe",
            [
                feature("EF000001", 1, "EU570036"),
                feature("EF000002", 2, "EU570056"),
                feature("EF000003", 3, values=[("EV000003", 1), ("EV000001", 2)]),
                feature("EF000006", 4, "EU570555"),
                feature("EF000007", 5, "EU000023"),
            ],
        ),
        class_(
            "EC000003",
            "EG000001",
            "Old valve",
            "Altes Ventil",
            [feature("EF000004", 1)],
            change="Deleted",
        ),
    ]


def _translations(pairs, inner):
    lines = ["<Translations>"]
    for language, content in pairs:
        lines.append(f"<Translation language={quoteattr(language)}>{inner(content)}</Translation>")
    lines.append("</Translations>")
    return "\n".join(lines)


def _description(text):
    return f"<Description>{escape(text)}</Description>"


def ixf(
    units=UNITS,
    features=FEATURES,
    values=VALUES,
    groups=GROUPS,
    classes=None,
    prolog="",
    release="ETIM INT-E 6.0",
):
    """An ETIMIXF 1.0 document, one element per line (so error lines are meaningful)."""
    classes = default_classes() if classes is None else classes
    out = ['<?xml version="1.0" encoding="utf-8"?>']
    if prolog:
        out.append(prolog)
    out.append('<IXF xmlns="http://www.etim-international.com/etimixf/1" schemaVersion="1.0">')
    out.append("<Header>\n<ExportDate>2014-04-24T11:35:09Z</ExportDate>")
    out.append(
        f"<Publication>\n<Name>{escape(release)}</Name>\n<Number>6</Number>\n"
        "<Date>2014-04-25T08:07:57Z</Date>\n<Prerelease>false</Prerelease>\n</Publication>"
    )
    out.append("</Header>")
    out.append("<Units>")
    for code, en, de, name_en, name_de in units:
        out.append(f"<Unit>\n<Code>{code}</Code>")
        out.append(
            _translations(
                [("de-DE", (name_de, de)), ("en-GB", (name_en, en)), ("nl-NL", (name_en, en))],
                lambda c: f"{_description(c[0])}\n<Abbreviation>{escape(c[1])}</Abbreviation>",
            )
        )
        out.append("</Unit>")
    out.append("</Units>\n<Features>")
    for code, kind, en, de in features:
        out.append(f"<Feature>\n<Code>{code}</Code>\n<Type>{kind}</Type>")
        out.append(_translations([("de-DE", de), ("en-GB", en), ("nl-NL", en)], _description))
        out.append("</Feature>")
    out.append("</Features>\n<Values>")
    for code, en, de in values:
        out.append(f"<Value>\n<Code>{code}</Code>")
        out.append(_translations([("de-DE", de), ("en-GB", en)], _description))
        out.append("</Value>")
    out.append("</Values>\n<Groups>")
    for code, en, de in groups:
        out.append(f"<Group>\n<Code>{code}</Code>")
        out.append(_translations([("de-DE", de), ("en-GB", en)], _description))
        out.append("</Group>")
    out.append("</Groups>\n<Classes>")
    for etim_class in classes:
        out.append(f'<Class changeCode="{etim_class["change"]}">')
        out.append(f"<Code>{etim_class['code']}</Code>\n<Version>3</Version>")

        def with_synonyms(content):
            text, synonyms = content
            inner = "".join(f"\n<Synonym>{escape(s)}</Synonym>" for s in synonyms)
            return _description(text) + (f"\n<Synonyms>{inner}\n</Synonyms>" if synonyms else "")

        out.append(
            _translations(
                [
                    ("de-DE", (etim_class["de"], etim_class["synonyms_de"])),
                    ("en-GB", (etim_class["en"], etim_class["synonyms_en"])),
                ],
                with_synonyms,
            )
        )
        if etim_class["features"]:
            out.append("<Features>")
            for item in etim_class["features"]:
                out.append(f'<Feature changeCode="{item["change"]}">')
                out.append(f"<FeatureCode>{item['code']}</FeatureCode>")
                if item["unit"]:
                    out.append(f"<UnitCode>{item['unit']}</UnitCode>")
                out.append(f"<OrderNumber>{item['order']}</OrderNumber>")
                if item["values"]:
                    out.append("<Values>")
                    for value in item["values"]:
                        code, order, change = (*value, "Unchanged")[:3]
                        out.append(
                            f'<Value changeCode="{change}">\n<ValueCode>{code}</ValueCode>\n'
                            f"<OrderNumber>{order}</OrderNumber>\n</Value>"
                        )
                    out.append("</Values>")
                out.append("</Feature>")
            out.append("</Features>")
        out.append(f"<Status>Published</Status>\n<GroupCode>{etim_class['group']}</GroupCode>\n</Class>")
    out.append("</Classes>\n</IXF>\n")
    return "\n".join(out)


@pytest.fixture
def write_ixf(tmp_path):
    def write(text=None, name="etim.xml", **kwargs):
        path = tmp_path / name
        path.write_text(ixf(**kwargs) if text is None else text, encoding="utf-8")
        return path

    return write


def run_command(*args):
    out = io.StringIO()
    call_command("import_etim", "--no-progress", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot():
    """Everything the import writes, without primary-key-free noise (there are no timestamps)."""
    link = FamilyAttribute.allowed_options.through
    return {
        "quantities": list(Quantity.objects.order_by("code").values()),
        "units": list(Unit.objects.order_by("code").values()),
        "groups": list(AttributeGroup.objects.order_by("code").values()),
        "attributes": list(Attribute.objects.order_by("code").values()),
        "options": list(AttributeOption.objects.order_by("attribute__code", "code").values()),
        "families": list(Family.objects.order_by("code").values()),
        "family_attributes": list(
            FamilyAttribute.objects.order_by("family__code", "attribute__code").values()
        ),
        "allowed": sorted(link.objects.values_list("familyattribute_id", "attributeoption_id")),
    }


def natural_snapshot():
    """The imported catalog by natural keys (codes), comparable across databases."""
    link = FamilyAttribute.allowed_options.through
    return {
        "units": sorted(
            Unit.objects.exclude(etim_code="").values_list(
                "etim_code", "code", "symbol", "quantity__code", "pint_expression"
            )
        ),
        "attributes": sorted(
            Attribute.objects.values_list(
                "code", "type", "etim_code", "quantity__code", "display_unit__code", "name"
            )
        ),
        "options": sorted(
            AttributeOption.objects.values_list("attribute__code", "code", "sort_order", "etim_code", "name")
        ),
        "families": sorted(
            Family.objects.values_list(
                "code", "etim_class_code", "etim_version", "etim_group_code", "name", "synonyms"
            )
        ),
        "family_attributes": sorted(
            FamilyAttribute.objects.values_list(
                "family__code", "attribute__code", "sort_order", "display_unit__code", "group__code"
            )
        ),
        "allowed": sorted(
            link.objects.values_list(
                "familyattribute__family__code", "familyattribute__attribute__code", "attributeoption__code"
            )
        ),
    }


def family_attribute(family, attribute):
    return FamilyAttribute.objects.select_related("display_unit", "group").get(
        family__code=family, attribute__code=attribute
    )


def allowed_codes(family, attribute):
    return {option.code for option in family_attribute(family, attribute).allowed_options.all()}


# --- the fixture itself ----------------------------------------------------------------------


def test_fixture_document_is_valid_against_the_official_schema():
    schema = etree.XMLSchema(etree.parse(str(default_schema_path())))
    document = etree.fromstring(ixf().encode())
    assert schema.validate(document), schema.error_log


# --- import of the small document ------------------------------------------------------------


def test_import_creates_families_attributes_options_and_units(write_ixf):
    summary = import_etim(write_ixf())

    assert summary.release == "6.0"
    assert summary.classes == 2
    assert summary.deleted_classes_skipped == 1
    assert not Family.objects.filter(code="EC000003").exists()

    valve = Family.objects.get(code="EC000001")
    assert valve.name == {"en": "Ball valve", "de": "Kugelhahn"}
    assert valve.synonyms == {"en": ["Shut-off valve", "Ball valve"], "de": ["Absperrhahn"]}
    assert (valve.etim_class_code, valve.etim_version, valve.etim_group_code) == (
        "EC000001",
        "6.0",
        "EG000001",
    )

    types = dict(Attribute.objects.values_list("code", "type"))
    assert types == {
        "EF000001": "number",
        "EF000002": "number",
        "EF000003": "enum",
        "EF000004": "boolean",
        "EF000005": "range",
        "EF000006": "number",
        "EF000007": "number",
        "EF000008": "number",
    }  # EF000009 appears only as a deleted class feature
    width = Attribute.objects.get(code="EF000001")
    assert width.name == {"en": "Width", "de": "Breite"}
    assert width.etim_code == "EF000001"
    assert (width.quantity.code, width.display_unit.code) == ("length", "mm")
    temperature = Attribute.objects.get(code="EF000005")
    assert (temperature.quantity.code, temperature.display_unit.code) == ("temperature", "degC")
    assert Attribute.objects.get(code="EF000004").quantity is None

    material = Attribute.objects.get(code="EF000003")
    options = {option.code: option for option in material.options.all()}
    assert set(options) == {"EV000001", "EV000002", "EV000003"}  # EV000004 only as a deleted value
    assert options["EV000002"].name == {"en": "Brass", "de": "Messing"}
    assert options["EV000002"].etim_code == "EV000002"
    assert [o.code for o in material.options.order_by("sort_order", "code")] == [
        "EV000001",
        "EV000003",
        "EV000002",
    ]

    assert allowed_codes("EC000001", "EF000003") == {"EV000001", "EV000002"}
    assert allowed_codes("EC000002", "EF000003") == {"EV000003", "EV000001"}
    pressure_row = family_attribute("EC000001", "EF000008")
    assert pressure_row.sort_order == 6
    assert pressure_row.group.code == "etim"
    assert pressure_row.group.name == {"en": "Technical data", "de": "Technische Daten"}
    assert list(
        FamilyAttribute.objects.filter(family__code="EC000002")
        .order_by("sort_order")
        .values_list("attribute__code", flat=True)
    ) == ["EF000001", "EF000002", "EF000003", "EF000006", "EF000007"]


def test_units_map_onto_seeded_units_or_become_new_ones(write_ixf):
    import_etim(write_ixf())

    bar = Unit.objects.get(code="bar")
    assert bar.etim_code == "EU570056"
    assert Unit.objects.get(code="mm").etim_code == "EU570448"
    assert Unit.objects.get(code="degC").etim_code == "EU570073"
    assert Attribute.objects.get(code="EF000008").display_unit == bar

    # dB(A): a unit of its own, in a quantity that does not convert
    decibel = Unit.objects.get(etim_code="EU570555")
    assert (decibel.code, decibel.symbol, decibel.pint_expression) == ("EU570555", "dB(A)", "")
    assert decibel.quantity.code == "sound_pressure_level_a"
    assert decibel.quantity.canonical_unit == ""
    assert decibel.name == {"en": "Decibel A weighted", "de": "Dezibel (A)"}

    # 1/min is our rpm; "Rpm"/"Upm" is a second unit of rotational speed that converts 1:1
    assert Unit.objects.get(code="rpm").etim_code == "EU000052"
    revolutions = Unit.objects.get(etim_code="EU000023")
    assert revolutions.quantity.code == "rotational_speed"
    assert revolutions.alias_list() == ["Upm"]
    assert math.isclose(revolutions.to_canonical(1500), Unit.objects.get(code="rpm").to_canonical(1500))
    assert Unit.objects.filter(etim_code__startswith="EU").count() == len(UNITS)


def test_class_units_set_family_display_units_and_conflicts_are_reported(write_ixf):
    summary = import_etim(write_ixf())

    # same quantity, another unit: the family attribute shows the class's unit
    assert family_attribute("EC000001", "EF000001").display_unit.code == "mm"
    assert family_attribute("EC000002", "EF000001").display_unit.code == "m"
    # EF000002 is length (mm in its first class); bar in the pump class is a conflict
    assert Attribute.objects.get(code="EF000002").quantity.code == "length"
    assert family_attribute("EC000002", "EF000002").display_unit is None
    assert [(c.class_code, c.feature_code, c.unit_code) for c in summary.conflicts] == [
        ("EC000002", "EF000002", "EU570056")
    ]
    assert "1 unit conflicts" in "\n".join(summary.lines())


def test_second_run_changes_nothing(write_ixf):
    path = write_ixf()
    run_command("--file", str(path))
    before = snapshot()

    summary = import_etim(path)

    assert snapshot() == before
    assert not summary.changed
    assert all(c.created == 0 and c.updated == 0 and c.deleted == 0 for c in summary.counts.values())
    assert summary.counts["family_attributes"].unchanged == FamilyAttribute.objects.count() == 11
    assert "Nothing to change" in run_command("--file", str(path))


def test_reimport_updates_what_changed_and_keeps_other_languages(write_ixf):
    path = write_ixf()
    import_etim(path)
    width = Attribute.objects.get(code="EF000001")
    width.name = {**width.name, "fr": "Largeur"}
    width.save()
    Attribute.objects.filter(code="EF000003").update(type="multi_enum")

    features = [("EF000001", "Numeric", "Overall width", "Gesamtbreite"), *FEATURES[1:]]
    classes = default_classes()
    classes[0]["features"][2]["values"] = [("EV000001", 1)]  # EV000002 no longer allowed
    summary = import_etim(write_ixf(features=features, classes=classes))

    width.refresh_from_db()
    assert width.name == {"en": "Overall width", "de": "Gesamtbreite", "fr": "Largeur"}
    assert summary.counts["attributes"].updated == 1
    assert summary.counts["attributes"].created == 0
    assert allowed_codes("EC000001", "EF000003") == {"EV000001"}
    assert summary.counts["allowed_options"].deleted == 1
    assert AttributeOption.objects.filter(code="EV000002").exists()  # options are never deleted
    assert Attribute.objects.get(code="EF000003").type == "multi_enum"  # the editor's choice stays


def test_existing_attribute_quantity_is_kept(write_ixf):
    Attribute.objects.create(
        code="EF000002",
        name={"en": "Nominal value"},
        type="number",
        quantity=Quantity.objects.get(code="pressure"),
    )
    summary = import_etim(write_ixf())

    nominal = Attribute.objects.get(code="EF000002")
    assert nominal.quantity.code == "pressure"
    assert nominal.display_unit.code == "bar"  # the first class unit of that quantity is EC000002's
    assert family_attribute("EC000002", "EF000002").display_unit.code == "bar"
    assert family_attribute("EC000001", "EF000002").display_unit is None
    assert [c.class_code for c in summary.conflicts] == ["EC000001"]


# --- selections ------------------------------------------------------------------------------


def test_classes_option_imports_only_those_classes(write_ixf):
    run_command("--file", str(write_ixf()), "--classes", "EC000002")

    assert list(Family.objects.values_list("code", flat=True)) == ["EC000002"]
    assert set(Attribute.objects.values_list("code", flat=True)) == {
        "EF000001",
        "EF000002",
        "EF000003",
        "EF000006",
        "EF000007",
    }
    assert set(AttributeOption.objects.values_list("code", flat=True)) == {"EV000003", "EV000001"}
    # the attribute's unit is that of its first use in the file, selected or not (mm in EC000001)
    assert Attribute.objects.get(code="EF000001").display_unit.code == "mm"
    linked = set(Unit.objects.exclude(etim_code="").values_list("etim_code", flat=True))
    assert linked == {"EU570448", "EU570036", "EU570056", "EU570555", "EU000023"}


def test_selection_result_matches_the_full_import(write_ixf):
    """Importing class by class ends where the full import ends (the selection changes what
    is imported, not how)."""
    path = write_ixf()
    import_etim(path, classes=["EC000002"])
    import_etim(path, classes=["EC000001"])
    partial = natural_snapshot()

    for model in (FamilyAttribute, AttributeOption, Attribute, Family):
        model.objects.all().delete()
    Unit.objects.filter(sort_order=importer_module.NEW_UNIT_SORT_ORDER).delete()
    Unit.objects.update(etim_code="")
    import_etim(path)
    full = natural_snapshot()

    for kind in ("attributes", "options", "families", "family_attributes", "allowed"):
        assert full[kind] == partial[kind], kind
    # the full import also links the units no class uses (here 1/min); the rest is the same
    assert set(partial["units"]) < set(full["units"])
    assert {row[0] for row in set(full["units"]) - set(partial["units"])} == {"EU000052"}


def test_groups_option_imports_the_classes_of_the_group(write_ixf):
    out = run_command("--file", str(write_ixf()), "--groups", "EG000001")

    assert list(Family.objects.values_list("code", flat=True)) == ["EC000001"]
    assert "1 classes imported" in out
    assert "1 classes marked deleted" in out  # EC000003 is in that group


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--classes", "EC999999"], "classes not in the file: EC999999"),
        (["--classes", "EC000003"], "classes deleted in this release: EC000003"),
        (["--groups", "EG000009"], "groups not in the file: EG000009"),
        (["--classes", "EC12"], "“EC12” is not an ETIM code"),
    ],
)
def test_bad_selection_is_a_clear_error_and_writes_nothing(write_ixf, args, message):
    with pytest.raises(CommandError, match=message):
        run_command("--file", str(write_ixf()), *args)
    assert not Family.objects.exists()
    assert not Unit.objects.exclude(etim_code="").exists()


# --- bad input -------------------------------------------------------------------------------


def test_schema_violation_names_file_and_line_and_writes_nothing(write_ixf):
    classes = default_classes()
    classes[1]["code"] = "EC00002X"  # pattern EC[0-9]{6}; the last class, after valid ones
    text = ixf(classes=classes)
    path = write_ixf(text)
    line = text[: text.index("<Code>EC00002X")].count("\n") + 1

    with pytest.raises(CommandError) as error:
        run_command("--file", str(path))

    message = str(error.value)
    assert message.startswith(f"{path}, line {line}:")
    assert "schema" in message and "EC00002X" in message
    assert not Family.objects.exists()
    assert not Attribute.objects.exists()
    assert not Unit.objects.exclude(etim_code="").exists()


def test_unexpected_element_is_reported_with_its_line(write_ixf):
    text = ixf().replace("<Type>Logical</Type>", "<Type>Logical</Type>\n<Unit>EU570448</Unit>")
    path = write_ixf(text)
    line = text[: text.index("<Unit>EU570448</Unit>")].count("\n") + 1

    with pytest.raises(
        CommandError, match=rf"line {line}: does not match the ETIMIXF 1.0 schema: Feature EF000004"
    ):
        run_command("--file", str(path))


def test_reference_to_an_unknown_feature_is_an_error(write_ixf):
    classes = default_classes()
    classes[1]["features"].append(feature("EF000099", 9))
    text = ixf(classes=classes)
    path = write_ixf(text)
    line = text[: text.index("<Code>EC000002")].count("\n")  # the <Class> line above it

    with pytest.raises(
        CommandError, match=rf"line {line}: Class EC000002: feature EF000099 is not in the Features"
    ):
        run_command("--file", str(path))
    assert not Family.objects.exists()


def test_not_well_formed_xml_names_the_line(write_ixf):
    text = ixf().replace("</Description>", "</Descriptio>", 1)
    path = write_ixf(text)
    line = text[: text.index("</Descriptio>")].count("\n") + 1

    with pytest.raises(CommandError, match=rf"line {line}: not well-formed XML"):
        run_command("--file", str(path))


def test_other_xml_is_refused(write_ixf):
    path = write_ixf('<?xml version="1.0"?>\n<catalog><item/></catalog>\n')
    with pytest.raises(CommandError, match="not an ETIM IXF file"):
        run_command("--file", str(path))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        run_command("--file", str(tmp_path / "nope.zip"))


def _entity_document(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    prolog = f'<!DOCTYPE IXF [<!ENTITY xxe SYSTEM "{secret.as_uri()}"><!ENTITY lol "lolol">]>'
    return ixf(prolog=prolog).replace(
        "<Description>Width</Description>", "<Description>&xxe;&lol;</Description>"
    )


def test_documents_with_entities_are_refused(write_ixf, tmp_path):
    path = write_ixf(_entity_document(tmp_path))

    with pytest.raises(CommandError, match="DOCTYPE") as error:
        run_command("--file", str(path))
    assert "TOP-SECRET" not in str(error.value)
    assert not Attribute.objects.exists()


def test_the_parser_itself_neither_reads_files_nor_expands_entities(tmp_path):
    """Second line of defence, under the DOCTYPE refusal: the parser configuration."""
    parser = safe_pull_parser()
    parser.feed(_entity_document(tmp_path).encode())
    root = parser.close()
    text = etree.tostring(root, encoding="unicode")
    assert "TOP-SECRET" not in text
    assert "lolol" not in text
    assert "&xxe;" in text  # left as an unresolved reference


def test_failure_while_writing_rolls_everything_back(write_ixf, monkeypatch):
    def broken(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer_module._Writer, "_write_families", broken)
    with pytest.raises(RuntimeError):
        import_etim(write_ixf())
    assert not Attribute.objects.exists()
    assert not AttributeGroup.objects.filter(code="etim").exists()
    assert not Unit.objects.exclude(etim_code="").exists()


# --- archives --------------------------------------------------------------------------------


def test_zip_archive_with_one_xml_is_read(tmp_path):
    archive = tmp_path / "etim.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zip_file:
        zip_file.writestr("E6 - TEST.xml", ixf())
        zip_file.writestr("readme.txt", "not xml")
    out = run_command("--file", str(archive))
    assert "2 classes imported" in out
    assert Family.objects.count() == 2


def test_zip_archive_with_two_xml_files_is_refused(tmp_path):
    archive = tmp_path / "etim.zip"
    with zipfile.ZipFile(archive, "w") as zip_file:
        zip_file.writestr("a.xml", ixf())
        zip_file.writestr("b.xml", ixf())
    with pytest.raises(CommandError, match="exactly one XML file; it holds 2: a.xml, b.xml"):
        run_command("--file", str(archive))


# --- the real ETIM 6.0 model -----------------------------------------------------------------


@pytest.fixture(scope="module")
def real_units():
    return [
        record for record in read_ixf(REAL_ARCHIVE, languages=["en", "de"]) if isinstance(record, EtimUnit)
    ]


@needs_real_archive
def test_every_real_etim_unit_gets_exactly_one_unit(real_units):
    units = list(Unit.objects.select_related("quantity"))
    decisions = UnitMapper(units, Quantity.objects.all()).decide(real_units)

    assert len(decisions) == len(real_units) == 114
    matched = [d.unit.code for d in decisions.values() if d.unit is not None]
    assert len(matched) == len(set(matched)), "a seeded unit took two ETIM codes"
    by_abbreviation = {d.etim.abbreviation: d for d in decisions.values()}

    def outcome(abbreviation):
        decision = by_abbreviation[abbreviation]
        return (decision.unit.code if decision.unit else None, decision.quantity.code)

    assert outcome("Nm") == ("Nm", "torque")
    assert outcome("J") == ("J", "energy")
    assert outcome("W") == ("W", "power")
    assert outcome("VA") == ("VA", "apparent_power")
    assert outcome("1/min") == ("rpm", "rotational_speed")
    assert outcome("Rpm") == (None, "rotational_speed")
    assert outcome("Ohm") == ("Ohm", "resistance")
    assert outcome("Mohm") == ("MOhm", "resistance")
    assert outcome("µm") == ("um", "length")
    assert outcome("m²") == ("m2", "area")
    assert outcome("inch") == ("in", "length")
    assert outcome("°") == ("deg", "angle")
    assert outcome("%") == ("percent", "ratio")
    assert outcome("MB") == ("MB", "data_size")
    assert outcome("Mbyte") == (None, "data_size")
    assert outcome("kvar") == (None, "reactive_power")
    assert outcome("c/min") == (None, "switching_frequency")
    assert outcome("c (contacts)") == (None, "switching_cycles")
    assert outcome("MP") == (None, "pixel_count")
    assert outcome("dB(A)") == (None, "sound_pressure_level_a")
    assert outcome("kWh/year") == (None, "energy_consumption")
    # new convertible units really convert within their quantity
    per_day = by_abbreviation["kW/24h"]
    assert math.isclose(unit_service.convert(1, per_day.pint, per_day.quantity.canonical_unit), 365.25)
    joule_integral = by_abbreviation["kJ/Ohm"]
    assert math.isclose(
        unit_service.convert(1, joule_integral.pint, joule_integral.quantity.canonical_unit), 1000
    )
    for decision in decisions.values():
        if decision.pint and decision.quantity.canonical_unit:
            unit_service.convert(1, decision.pint, decision.quantity.canonical_unit)  # raises if not


@needs_real_archive
def test_real_pump_and_safety_valve_classes():
    out = run_command("--classes", "EC000428,EC001225")
    assert "2 classes imported" in out

    pump = Family.objects.get(code="EC000428")
    assert pump.name == {"en": "Pump", "de": "Pumpe"}
    assert "Tauchpumpe" in pump.synonyms["de"]
    assert (pump.etim_version, pump.etim_group_code) == ("6.0", "EG000034")

    construction = Attribute.objects.get(code="EF000767")
    assert construction.name == {"en": "Construction type", "de": "Bauform"}
    assert construction.type == "enum"
    assert allowed_codes("EC000428", "EF000767") == {"EV001197", "EV003144", "EV000154"}
    assert AttributeOption.objects.get(attribute=construction, code="EV000154").name == {
        "en": "Other",
        "de": "sonstige",
    }

    assert Attribute.objects.get(code="EF000522").type == "boolean"
    width = Attribute.objects.get(code="EF000008")
    assert width.name == {"en": "Width", "de": "Breite"}
    assert (width.type, width.quantity.code) == ("number", "length")
    assert family_attribute("EC000428", "EF000008").display_unit == Unit.objects.get(code="mm")
    assert Unit.objects.get(code="mm").etim_code == "EU570448"

    set_pressure = Attribute.objects.get(code="EF002299")
    assert set_pressure.name["en"] == "Set pressure"
    assert (set_pressure.quantity.code, set_pressure.display_unit.code) == ("pressure", "bar")
    assert Unit.objects.get(code="bar").etim_code == "EU570056"

    speed = Attribute.objects.get(code="EF000250")
    assert speed.quantity.code == "rotational_speed"
    assert speed.display_unit.etim_code == "EU000023"


def _live_classes_and_features(archive: Path) -> tuple[set[str], set[str]]:
    """Counted independently of the importer, with plain lxml."""
    ns = "{http://www.etim-international.com/etimixf/1}"
    classes, features = set(), set()
    with zipfile.ZipFile(archive) as zip_file:
        name = next(n for n in zip_file.namelist() if n.lower().endswith(".xml"))
        with zip_file.open(name) as stream:
            for _event, element in etree.iterparse(stream, tag=f"{ns}Class", resolve_entities=False):
                if element.get("changeCode") != "Deleted":
                    classes.add(element.findtext(f"{ns}Code"))
                    for item in element.iterfind(f"{ns}Features/{ns}Feature"):
                        if item.get("changeCode") != "Deleted":
                            features.add(item.findtext(f"{ns}FeatureCode"))
                element.clear()
    return classes, features


@needs_real_archive
@pytest.mark.slow
def test_full_real_import_matches_the_file_and_is_idempotent():
    live_classes, live_features = _live_classes_and_features(REAL_ARCHIVE)

    first = import_etim(REAL_ARCHIVE)
    assert set(Family.objects.values_list("code", flat=True)) == live_classes
    assert set(Attribute.objects.values_list("code", flat=True)) == live_features
    assert Unit.objects.exclude(etim_code="").count() == 114
    assert first.counts["families"].created == len(live_classes)

    before = snapshot()
    second = import_etim(REAL_ARCHIVE)
    assert not second.changed
    assert snapshot() == before


def test_load_model_keeps_all_units_but_only_selected_classes(write_ixf):
    model = load_model(write_ixf(), classes=["EC000001"], languages=["en", "de"])
    assert [c.code for c in model.classes] == ["EC000001"]
    assert len(model.units) == len(UNITS)
    assert model.feature_units["EF000007"] == ["EU000023"]  # from EC000002, not selected
    assert model.feature_units["EF000002"] == ["EU570448", "EU570056"]
    assert [f.feature_code for f in model.classes[0].features][-1] == "EF000008"  # deleted one dropped


def test_command_help_lists_the_options():
    from pim.catalog.management.commands.import_etim import Command

    text = Command().create_parser("manage.py", "import_etim").format_help()
    for option in ("--file", "--classes", "--groups", "--demo-subset", "--no-progress"):
        assert option in text
    assert "ETIM classification model" in text
