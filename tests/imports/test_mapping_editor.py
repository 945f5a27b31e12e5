"""The mapping editor in the admin: a supplier's columns and unknown option labels edited as
tables (no JSON), saved in the mapping's JSON shape, checked by the reader's own column
planning, prefilled from a file, and used by a real import of that supplier's file."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from lxml import html

from pim.catalog.models import Attribute, AttributeType
from pim.imports import jobs
from pim.imports.models import ImportFinding, ImportJob, ImportMapping, ImportStatus, SourceFormat
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    return make_valve_family()


@pytest.fixture
def editor(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("pm", "pm@example.com", "pw"))
    return client


def edit_url(mapping):
    return reverse("import_mappings:edit", args=[mapping.pk])


def table_rows(content: str, field: str) -> list:
    return html.fromstring(content).xpath(f"//table[@id='id_{field}']/tbody/tr")


def column_rows(content: str) -> dict:
    """{header: (selected target, unit)} of the file's columns shown in the table."""
    rows = {}
    for row in table_rows(content, "columns"):
        header = row.xpath(".//input[contains(@name, '-header')]")[0]
        if header.get("type") != "hidden":
            continue  # an empty row to add a column
        selected = row.xpath(".//select//option[@selected]")
        unit = row.xpath(".//input[contains(@name, '-unit')]")[0].get("value") or ""
        rows[header.get("value")] = (selected[0].get("value") if selected else None, unit)
    return rows


def offered_targets(content: str, header: str) -> set[str]:
    for row in table_rows(content, "columns"):
        if row.xpath(".//input[contains(@name, '-header')]/@value") == [header]:
            return set(row.xpath(".//select//option/@value"))
    raise AssertionError(f"no row for {header}")


def posted(columns=(), options=(), **fields) -> dict:
    """The form's post: ``columns`` as (header, target, unit[, "added"|"remove"]) rows and
    ``options`` as (attribute, label, option code) rows, each followed by the editor's empty rows."""
    data = {
        "name": "Lieferant A",
        "supplier": "A GmbH",
        "source_format": "tabular",
        "features": "{}",
        **fields,
    }
    for index, (header, target, unit, *flags) in enumerate([*columns, ("", "", "", "added")]):
        data.update({f"columns-{index}-header": header, f"columns-{index}-target": target})
        data[f"columns-{index}-unit"] = unit
        for flag in flags:
            data[f"columns-{index}-{flag}"] = "1"
    for index, (attribute, label, option) in enumerate([*options, ("", "", "")]):
        data.update(
            {
                f"options-{index}-attribute": attribute,
                f"options-{index}-label": label,
                f"options-{index}-option": option,
            }
        )
    return data


def test_edit_view_shows_one_row_per_header_with_its_target_selected(editor, family):
    mapping = ImportMapping.objects.create(
        name="Lieferant A",
        columns={
            "Artikel-Nr.": {"target": "field:article_number"},
            "Druck max": {"target": "attribute:max_pressure", "unit": "bar"},
            "Werkstoff": "attribute:body_material",
            "Alt": {"target": "attribute:no_longer_there"},
        },
        options={"body_material": {"Messing gelb": "brass"}},
    )
    response = editor.get(edit_url(mapping))
    assert response.status_code == 200
    content = response.content.decode()

    assert column_rows(content) == {
        "Artikel-Nr.": ("field:article_number", ""),
        "Druck max": ("attribute:max_pressure", "bar"),
        "Werkstoff": ("attribute:body_material", ""),
        # a target the catalog no longer offers stays selected, so saving does not drop it
        "Alt": ("attribute:no_longer_there", ""),
    }
    assert "attribute:no_longer_there (not a target of this catalog)" in content
    assert 'name="columns"' not in content  # no JSON text box any more

    offered = offered_targets(content, "Druck max")
    assert {
        "ignore",
        "field:gtin",
        "field:net_weight",
        "localized:name:de",
        "localized:long_description:en",
        "attribute:max_pressure",
        "attribute:temperature_range:min",
        "attribute:temperature_range:max",
        "attribute:note:de",
        "price:net_list",
        "price:gros_list",
        "unit_of:Werkstoff",
        "unit_of:Artikel-Nr.",
    } <= offered
    # only what this catalog has: its languages, its attributes, the other headers of the table
    assert "localized:name:fr" not in offered
    assert "attribute:no_longer_there" not in offered
    assert "unit_of:Druck max" not in offered
    assert "Max. operating pressure (max_pressure)" in content

    option_row = table_rows(content, "options")[0]
    assert option_row.xpath(".//select//option[@selected]/@value") == ["body_material"]
    assert option_row.xpath(".//input[contains(@name, '-label')]/@value") == ["Messing gelb"]
    code = option_row.xpath(".//input[contains(@name, '-option')]")[0]
    assert code.get("value") == "brass"
    datalist = html.fromstring(content).get_element_by_id(code.get("list"))
    assert {option.get("value") for option in datalist} == {"brass", "ss316"}

    # every input of the tables has a label of its own, naming its column
    document = html.fromstring(content)
    for field in document.xpath(
        "//table[contains(@class, 'pim-mapping')]//*[self::select or self::input[@type!='hidden']]"
    ):
        labels = document.xpath(f"//label[@for='{field.get('id')}']")
        assert len(labels) == 1 and labels[0].text_content().strip(), field.get("name")
    assert document.xpath("//label[@for='id_columns-1-target']/text()") == ["What column “Druck max” fills"]


def test_posting_the_table_saves_the_json_shape(editor, family):
    mapping = ImportMapping.objects.create(
        name="Lieferant A", columns={"Alt": {"target": "ignore"}, "Artikel-Nr.": "field:article_number"}
    )
    response = editor.post(
        edit_url(mapping),
        posted(
            [
                ("Alt", "ignore", "", "remove"),
                ("Artikel-Nr.", "field:article_number", ""),
                ("  Druck max ", "attribute:max_pressure", " bar ", "added"),
                ("Druck Einheit", "unit_of:Druck max", "", "added"),
                ("Bezeichnung", "localized:name:de", "", "added"),
                ("Listenpreis", "price:net_list", "EUR", "added"),
            ]
        ),
    )
    assert response.status_code == 302, response.content.decode()
    mapping.refresh_from_db()
    assert mapping.columns == {
        "Artikel-Nr.": {"target": "field:article_number"},
        "Druck max": {"target": "attribute:max_pressure", "unit": "bar"},
        "Druck Einheit": {"target": "unit_of:Druck max"},
        "Bezeichnung": {"target": "localized:name:de"},
        "Listenpreis": {"target": "price:net_list", "unit": "EUR"},
    }
    assert mapping.options == {}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ("Werkstoff", "attribute:body_material", "bar", "added"),
            "The unit “bar” in column “Werkstoff” is ignored",
        ),
        (
            ("Bezeichnung", "localized:name:de", "mm", "added"),
            "“Bezeichnung”: the column gives localized:name:de, which has no unit",
        ),
        (
            ("Druck", "attribute:max_presure", "", "added"),
            "The import mapping gives column “Druck” the target “attribute:max_presure”",
        ),
        (("Preis", "price:net_list", "Euro", "added"), "“Preis”: “Euro” is not a currency"),
        (
            ("Einheit", "unit_of:Gewicht", "", "added"),
            "Column “Einheit” is to give the unit of column “Gewicht”",
        ),
        (("Druck", "", "", "added"), "“Druck”: choose what the column fills"),
    ],
)
def test_an_invalid_row_is_an_error_naming_the_header_and_nothing_is_saved(editor, family, row, message):
    before = {"Artikel-Nr.": {"target": "field:article_number"}}
    mapping = ImportMapping.objects.create(name="Lieferant A", columns=before)

    response = editor.post(edit_url(mapping), posted([("Artikel-Nr.", "field:article_number", ""), row]))

    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    mapping.refresh_from_db()
    assert mapping.columns == before
    # the table comes back as posted: the typed header is still in its input
    header = row[0]
    typed = html.fromstring(content).xpath(
        f"//table[@id='id_columns']//input[@type='text'][@value='{header}']"
    )
    assert typed, f"the row of {header} is not shown again"


def test_a_header_twice_is_refused(editor, family):
    response = editor.post(
        reverse("import_mappings:add"),
        posted(
            [
                ("Druck", "attribute:max_pressure", "bar", "added"),
                ("druck ", "attribute:nominal_size", "mm", "added"),
            ]
        ),
    )
    assert response.status_code == 200
    assert "“druck” is in the table twice: keep one row for it." in response.content.decode()
    assert not ImportMapping.objects.exists()


def test_option_rows_save_and_an_unknown_option_code_is_refused(editor, family):
    columns = [("Werkstoff", "attribute:body_material", "", "added")]
    refused = editor.post(
        reverse("import_mappings:add"),
        posted(columns, [("body_material", "Messing gelb", "brass"), ("body_material", "VA", "stainless")]),
    )
    assert refused.status_code == 200
    content = refused.content.decode()
    assert "“body_material”: “VA” maps to “stainless”, which is not an option of it." in content
    assert not ImportMapping.objects.exists()
    # the rows come back as typed
    shown = [
        row.xpath(".//input[contains(@name, '-option')]/@value")[0] for row in table_rows(content, "options")
    ]
    assert shown[:2] == ["brass", "stainless"]

    half = editor.post(reverse("import_mappings:add"), posted(columns, [("body_material", "VA", "")]))
    assert "Row 1: choose the attribute and write both the label" in half.content.decode()
    assert not ImportMapping.objects.exists()

    saved = editor.post(
        reverse("import_mappings:add"),
        posted(
            columns,
            [
                ("body_material", " Messing gelb ", "brass"),
                ("body_material", "VA", "ss316"),
                ("approvals", "Trinkwasser", "dvgw"),
            ],
        ),
    )
    assert saved.status_code == 302, saved.content.decode()
    assert ImportMapping.objects.get().options == {
        "body_material": {"Messing gelb": "brass", "VA": "ss316"},
        "approvals": {"Trinkwasser": "dvgw"},
    }


def test_only_enumerations_of_the_catalog_are_offered_for_option_rows(editor, family):
    Attribute.objects.create(code="orphan_enum", name={"en": "Not in a family"}, type=AttributeType.ENUM)
    content = editor.get(reverse("import_mappings:add")).content.decode()
    select = table_rows(content, "options")[0].xpath(".//select")[0]
    assert set(select.xpath(".//option/@value")) == {"", "body_material", "approvals"}
    codes = html.fromstring(content).get_element_by_id("id_options-codes")
    assert {option.get("value") for option in codes} == {"brass", "ss316", "fda", "atex", "dvgw"}
    assert "Body material (body_material): Messing" not in content  # labels in the admin's language
    assert "Body material (body_material): Brass" in content


def make_job(data: bytes, name="lieferant.csv", **options) -> ImportJob:
    job = ImportJob(original_name=name, source_format=SourceFormat.TABULAR, **options)
    job.file.save(name, ContentFile(data), save=False)
    job.save()
    return job


def test_from_job_prefills_the_rows_with_what_the_reader_understood(editor, family):
    data = (
        b"article_number;max_pressure [psi];nominal_size;nominal_size unit;Werkstoff;net_list_price [EUR]\r\n"
        b"KH-1;232;15;mm;Messing;12.50\r\n"
    )
    job = make_job(data)

    content = editor.get(f"{reverse('import_mappings:add')}?from_job={job.pk}").content.decode()

    assert column_rows(content) == {
        "article_number": ("field:article_number", ""),
        "max_pressure [psi]": ("attribute:max_pressure", "psi"),  # the header's unit is kept
        "nominal_size": ("attribute:nominal_size", ""),
        "nominal_size unit": ("unit_of:nominal_size", ""),
        "Werkstoff": ("ignore", ""),
        "net_list_price [EUR]": ("price:net_list", "EUR"),
    }
    assert html.fromstring(content).xpath("//input[@name='name']/@value") == ["lieferant"]

    # saved as it is prefilled, the mapping reads the file as the reader did without it
    rows = [(header, target, unit) for header, (target, unit) in column_rows(content).items()]
    saved = editor.post(reverse("import_mappings:add"), posted(rows, name="lieferant"))
    assert saved.status_code == 302, saved.content.decode()
    mapping = ImportMapping.objects.get()
    assert mapping.columns["nominal_size unit"] == {"target": "unit_of:nominal_size"}


def test_a_job_with_the_saved_mapping_reads_the_foreign_file(editor, family):
    make_product(
        family,
        article_number="KH-1",
        name={"en": "Ball valve", "de": "Kugelhahn"},
        values={"max_pressure": "10 bar", "body_material": "ss316", "approvals": ["fda"]},
    )
    foreign = (
        "Artikel-Nr.;Bezeichnung;Druck max;Werkstoff;Zulassung;Bemerkung\r\n"
        "KH-1;Kugelhahn;16;Messing gelb;Trinkwasser;x\r\n"
        "KH-2;Kugelhahn VA;232 psi;Edelstahl 1.4401;FDA;y\r\n"
    ).encode("cp1252")
    first = make_job(foreign)
    jobs.run_job(first, commit=False)
    first.refresh_from_db()
    assert first.status == ImportStatus.FAILED  # no article number column without a mapping

    prefill = editor.get(f"{reverse('import_mappings:add')}?from_job={first.pk}").content.decode()
    assert list(column_rows(prefill)) == [
        "Artikel-Nr.",
        "Bezeichnung",
        "Druck max",
        "Werkstoff",
        "Zulassung",
        "Bemerkung",
    ]
    response = editor.post(
        reverse("import_mappings:add"),
        posted(
            [
                ("Artikel-Nr.", "field:article_number", ""),
                ("Bezeichnung", "localized:name:de", ""),
                ("Druck max", "attribute:max_pressure", "bar"),
                ("Werkstoff", "attribute:body_material", ""),
                ("Zulassung", "attribute:approvals", ""),
                ("Bemerkung", "ignore", ""),
            ],
            [("body_material", "Messing gelb", "brass"), ("approvals", "Trinkwasser", "dvgw")],
            name="lieferant",
            default_family=str(family.pk),
        ),
    )
    assert response.status_code == 302, response.content.decode()
    mapping = ImportMapping.objects.get()

    job = make_job(foreign, mapping=mapping)
    jobs.run_job(job, commit=False)
    job.refresh_from_db()

    assert job.status == ImportStatus.CHECKED, job.message
    assert (job.created_count, job.updated_count, job.invalid_count) == (1, 1, 0), list(
        job.findings.values_list("kind", "column", "message")
    )
    assert not job.findings.filter(kind=ImportFinding.Kind.WARNING).exists()
    update = job.findings.get(kind=ImportFinding.Kind.UPDATE, article_number="KH-1")
    assert {label: (old, new) for label, old, new in update.changes} == {
        "Max. operating pressure": ("10\u00a0bar", "16\u00a0bar"),  # the mapping's unit
        "Body material": ("Stainless steel 1.4401", "Brass"),  # a label of the file, mapped
        "Approvals": ("FDA", "DVGW"),
    }
    created = job.findings.get(kind=ImportFinding.Kind.CREATE, article_number="KH-2")
    changes = {label: new for label, _old, new in created.changes}
    assert changes["Name (de)"] == "Kugelhahn VA"
    assert changes["Body material"] == "Stainless steel 1.4401"  # a German label of the catalog
    assert changes["Approvals"] == "FDA"
    assert changes["Max. operating pressure"] == "16\u00a0bar"  # 232 psi, the cell's own unit


def test_a_wide_file_gets_one_shared_list_of_targets_and_saves(editor, family):
    """A file of hundreds of columns (our own export layout has about 400) on a catalog of many
    attributes: each row's target is a text input over one shared <datalist> (a <select> per
    row would repeat every target and every other header in each row), and the post of all
    its rows is accepted."""
    headers = [f"Spalte {n}" for n in range(400)]
    columns = {"Artikel": {"target": "field:article_number"}}
    columns.update({header: {"target": "ignore"} for header in headers})
    mapping = ImportMapping.objects.create(name="Breit", columns=columns)

    response = editor.get(edit_url(mapping))

    assert response.status_code == 200
    page = html.fromstring(response.content)
    assert page.xpath("//table[@id='id_columns']//select") == []
    [datalist] = page.xpath("//datalist[@id='id_columns-targets']")
    values = set(datalist.xpath("./option/@value"))
    assert {"field:article_number", "attribute:max_pressure", "unit_of:Spalte 7"} <= values
    assert len(response.content) < 3_000_000

    rows = [("Artikel", "field:article_number", "")] + [(h, "ignore", "") for h in headers]
    rows[5] = ("Spalte 4", "attribute:max_pressure", "bar")
    response = editor.post(edit_url(mapping), posted(columns=rows, name="Breit"))

    assert response.status_code == 302, response.content[:2000]
    mapping.refresh_from_db()
    assert mapping.columns["Spalte 4"] == {"target": "attribute:max_pressure", "unit": "bar"}
    assert len(mapping.columns) == 401
