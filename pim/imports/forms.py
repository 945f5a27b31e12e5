"""Forms of the import admin: the upload of a file, and the saved mapping of a foreign layout
(edited as tables: :mod:`pim.imports.widgets`)."""

import json
import re
import zipfile
from pathlib import PurePath

from django import forms
from django.utils.text import capfirst
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminModelForm

from pim.catalog.localization import content_languages
from pim.catalog.models import Attribute, AttributeOption, AttributeType, PackingUnit, Product, ProductPrice
from pim.catalog.models.attributes import ENUM_TYPES
from pim.exports.layout import LOGISTICS_COLUMNS, PACKING_UNIT_COLUMNS, REFERENCE_COLUMNS, packing_unit_base

from .columns import LOCALIZED_FIELDS, PRICE_TYPES, PRODUCT_FIELDS, plan_columns
from .jobs import BMECAT_SUFFIXES, TABULAR_SUFFIXES, detect_format
from .models import ImportMapping, SourceFormat
from .widgets import ColumnMappingWidget, OptionMappingWidget

ENCODINGS = [
    ("", gettext_lazy("Detect (UTF-8, UTF-8 with BOM, else Windows-1252)")),
    ("utf-8", "UTF-8"),
    ("utf-8-sig", gettext_lazy("UTF-8 with BOM")),
    ("cp1252", gettext_lazy("Windows-1252 (Excel on Windows, Western Europe)")),
    ("iso-8859-15", "ISO-8859-15"),
]
DELIMITERS = [
    ("", gettext_lazy("Detect")),
    (";", gettext_lazy("Semicolon ; (Excel in German)")),
    (",", gettext_lazy("Comma ,")),
    ("\t", gettext_lazy("Tab")),
    ("|", gettext_lazy("Vertical bar |")),
]
DRAFT_RULE = gettext_lazy(
    "Without it, new products arrive as drafts and changes to published products are saved as draft "
    "revisions: the public site, search and exports keep showing the published state until someone "
    "publishes them. Every change is a revision in the product's history, attributed to you."
)


class UploadForm(forms.Form):
    """A file to check: format detected from its name and content unless chosen."""

    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "An Excel workbook (.xlsx) or CSV file, for example an export of this catalog edited in "
            "Excel, or a BMEcat file (.xml, or a .zip with the XML and its media files)."
        ),
    )
    source_format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[("", gettext_lazy("Detect from the file")), *SourceFormat.choices],
        required=False,
    )
    mapping = forms.ModelChoiceField(
        label=gettext_lazy("Mapping"),
        queryset=ImportMapping.objects.all(),
        required=False,
        help_text=gettext_lazy(
            "For files of a supplier or another system whose columns or features differ from this "
            "catalog's export. Leave empty for files exported from this catalog."
        ),
    )
    encoding = forms.ChoiceField(label=gettext_lazy("Encoding (CSV)"), choices=ENCODINGS, required=False)
    delimiter = forms.ChoiceField(label=gettext_lazy("Delimiter (CSV)"), choices=DELIMITERS, required=False)
    sheet = forms.CharField(
        label=gettext_lazy("Sheet (Excel)"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Empty: the first sheet."),
    )
    skip_invalid = forms.BooleanField(
        label=gettext_lazy("Import the valid rows, skip the rest"),
        required=False,
        help_text=gettext_lazy(
            "Otherwise nothing is imported while one row has an error. Skipped rows are listed in an "
            "error file you can fix and import again."
        ),
    )
    publish = forms.BooleanField(
        label=gettext_lazy("Publish the changes"), required=False, help_text=DRAFT_RULE
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None:
            return cleaned
        suffix = PurePath(upload.name).suffix.lower()
        if suffix in (".xls", ".ods", ".numbers"):
            self.add_error(
                "file",
                _(
                    "%(name)s is not an .xlsx workbook: save it as “Excel workbook (.xlsx)” or as CSV and upload that."
                )
                % {"name": upload.name},
            )
            return cleaned
        if suffix and suffix not in TABULAR_SUFFIXES | BMECAT_SUFFIXES:
            self.add_error(
                "file",
                _(
                    "Files of type %(suffix)s cannot be imported: upload an Excel workbook (.xlsx), a CSV "
                    "file, or a BMEcat file (.xml or .zip)."
                )
                % {"suffix": suffix},
            )
            return cleaned
        if upload.size == 0:
            self.add_error("file", _("%(name)s is empty.") % {"name": upload.name})
            return cleaned
        if not cleaned.get("source_format"):
            upload.seek(0)
            head = upload.read(4096)
            upload.seek(0)
            detected = detect_format(upload.name, head)
            if head.startswith(b"PK") and suffix not in TABULAR_SUFFIXES | {".xml"}:
                detected = _zip_format(upload)
            cleaned["source_format"] = detected
        mapping = cleaned.get("mapping")
        if mapping and mapping.source_format != cleaned["source_format"]:
            self.add_error(
                "mapping",
                _(
                    "The mapping %(mapping)s is for %(mapped)s files, this file is %(format)s: choose another mapping."
                )
                % {
                    "mapping": mapping,
                    "mapped": mapping.get_source_format_display(),
                    "format": SourceFormat(cleaned["source_format"]).label,
                },
            )
        return cleaned


def _zip_format(upload) -> str:
    """A ZIP is a workbook when it holds one, else a BMEcat archive (the central directory is at
    the end, so the whole upload is looked at)."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return SourceFormat.BMECAT  # the reader reports why it cannot be opened
    finally:
        upload.seek(0)
    return SourceFormat.TABULAR if "xl/workbook.xml" in names else SourceFormat.BMECAT


class CommitForm(forms.Form):
    """The user's word to import a checked file, with the two choices that matter then."""

    skip_invalid = UploadForm.base_fields["skip_invalid"]
    publish = UploadForm.base_fields["publish"]
    confirm = forms.BooleanField(
        label=gettext_lazy("I have checked the changes and want to import them"),
        error_messages={"required": gettext_lazy("Tick this box to confirm the import.")},
    )


# -- mappings --------------------------------------------------------------------------------

COLUMNS_HELP = gettext_lazy(
    "One row per column of the supplier's file: what it fills, and the unit of its numbers when "
    "neither the header nor the cells say it (e.g. bar; for prices the currency, e.g. EUR). Columns "
    "not in the table are read with this catalog's own header grammar. Type a header into an empty "
    "row to add a column; tick “Remove” to drop one."
)
OPTIONS_HELP = gettext_lazy(
    "Labels in the file that the catalog does not know, with the option each means. Option codes "
    "and the option labels of every catalog language are understood without a row here. Fill an "
    "empty row to add a label."
)
FEATURES_HELP = gettext_lazy(
    'BMEcat only. JSON object: feature name or ECLASS code in the file → {"target": …, "unit": …}. '
    'Targets: "attribute:<code>" ("attribute:<code>:min" / ":max" for ranges), "field:<product '
    'field>" (e.g. field:gtin), "localized:<field>:<language>" (e.g. localized:name:de), "ignore". '
    '"unit": the unit of the values (e.g. "bar"). Example: {"AAB123": {"target": '
    '"attribute:max_pressure", "unit": "bar"}}'
)
# Packing units offered in the editor; a mapping may name more (it is then shown as it is).
PACKING_UNITS_OFFERED = 3
RELATION_LABELS = {
    "successor": gettext_lazy("Successor (article number)"),
    "accessories": gettext_lazy("Accessories (article numbers)"),
    "spare_parts": gettext_lazy("Spare parts (article numbers)"),
    "replacements": gettext_lazy("Replacements (article numbers)"),
    "compatible": gettext_lazy("Compatible with (article numbers)"),
}


def _language_name(code: str) -> str:
    try:
        return get_language_info(code)["name_translated"]
    except KeyError:
        return code


def _field_label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


def column_target_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The targets a column can fill in this catalog, grouped for the mapping editor:
    ``[(group label, [(target in the mapping grammar, label), …]), …]``. Attributes are those of
    the catalog's families, languages those of ``PIM_LANGUAGES``; exactly the grammar
    :func:`pim.imports.columns.plan_columns` reads."""
    languages = content_languages()
    product = [
        ("field:article_number", _("Article number (identifies the product)")),
        ("field:action", _("Action of a delta file (new, update, delete)")),
        *((f"field:{name}", _field_label(Product, name)) for name in PRODUCT_FIELDS),
        ("field:categories", _("Categories (codes)")),
    ]
    texts = [
        (f"localized:{name}:{language}", f"{_field_label(Product, name)} ({_language_name(language)})")
        for name in LOCALIZED_FIELDS
        for language in languages
    ]
    attributes = []
    for attribute in Attribute.objects.filter(families__isnull=False).distinct().order_by("code"):
        label = str(attribute)
        if attribute.type == AttributeType.TEXT and attribute.localizable:
            attributes.extend(
                (f"attribute:{attribute.code}:{language}", f"{label} ({_language_name(language)})")
                for language in languages
            )
            continue
        attributes.append((f"attribute:{attribute.code}", label))
        if attribute.type == AttributeType.RANGE:
            attributes.append(
                (f"attribute:{attribute.code}:min", _("%(attribute)s: minimum") % {"attribute": label})
            )
            attributes.append(
                (f"attribute:{attribute.code}:max", _("%(attribute)s: maximum") % {"attribute": label})
            )
    prices = [
        (f"price:{price_type}", label)
        for price_type, label in ProductPrice.PriceType.choices
        if price_type in PRICE_TYPES
    ]
    packing = [
        (
            f"field:{packing_unit_base(number, name)}",
            _("Packing unit %(number)s: %(field)s")
            % {"number": number, "field": _field_label(PackingUnit, name)},
        )
        for number in range(1, PACKING_UNITS_OFFERED + 1)
        for name in PACKING_UNIT_COLUMNS
    ]
    relations = [(f"field:{name}", RELATION_LABELS.get(name, name)) for name in REFERENCE_COLUMNS]
    return [
        (_("Ignore"), [("ignore", _("Ignore this column"))]),
        (_("Product"), product),
        (_("Names and texts"), texts),
        (_("Attributes"), attributes),
        (_("Prices"), prices),
        (_("Packing units"), packing),
        (_("Related products"), relations),
    ]


def enumeration_choices() -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    """The enumeration attributes of the catalog's families (``[(code, "label (code)"), …]``)
    and their options (``{attribute code: [(option code, label), …]}``), for the option rows."""
    attributes = list(
        Attribute.objects.filter(families__isnull=False, type__in=ENUM_TYPES).distinct().order_by("code")
    )
    options: dict[str, list[tuple[str, str]]] = {}
    for option in AttributeOption.objects.filter(attribute__in=attributes).select_related("attribute"):
        options.setdefault(option.attribute.code, []).append((option.code, str(option)))
    return [(attribute.code, str(attribute)) for attribute in attributes], options


class ColumnMappingField(forms.Field):
    """The columns table as ``{header: {"target": …, "unit": …}}`` (unit only when given).
    Rows ticked "Remove" and empty rows are left out; a header twice, a row without header or
    without target is an error naming the row. Whether the targets mean something is checked
    by the form against the reader (:func:`_checked_targets`)."""

    widget = ColumnMappingWidget

    def to_python(self, value) -> dict:
        if value in self.empty_values:
            return {}
        if isinstance(value, str):
            return _json_value(value, _('Write a JSON object: header → {"target": …}.'))
        if isinstance(value, dict):
            return value
        columns: dict[str, dict] = {}
        seen: set[str] = set()
        errors = []
        for number, row in enumerate(value, 1):
            if row.remove or row.is_empty:
                continue
            # The file's own headers are kept exactly; typed ones lose stray spaces (the reader
            # matches headers spaces and case aside).
            header = row.header.strip() if row.added else row.header
            if not header.strip():
                errors.append(
                    _("Row %(number)s: write the column's header as it is in the file, or clear the row.")
                    % {"number": number}
                )
            elif not row.target:
                errors.append(
                    _("“%(header)s”: choose what the column fills (or “Ignore this column”).")
                    % {"header": header}
                )
            elif header.strip().casefold() in seen:
                errors.append(
                    _("“%(header)s” is in the table twice: keep one row for it.") % {"header": header}
                )
            else:
                seen.add(header.strip().casefold())
                columns[header] = {"target": row.target}
                if row.unit.strip():
                    columns[header]["unit"] = row.unit.strip()
        if errors:
            raise forms.ValidationError(errors)
        return columns


class OptionMappingField(forms.Field):
    """The option rows as ``{attribute code: {label in the file: option code}}``. Rows ticked
    "Remove" and empty rows are left out; a half-filled row or a label twice for one attribute
    is an error naming the label. Whether attribute and option exist is checked by the form
    (:meth:`ImportMappingForm.clean_options`)."""

    widget = OptionMappingWidget

    def to_python(self, value) -> dict:
        if value in self.empty_values:
            return {}
        if isinstance(value, str):
            return _json_value(value, _("Write a JSON object: attribute code → {label: option code}."))
        if isinstance(value, dict):
            return value
        options: dict[str, dict[str, str]] = {}
        errors = []
        for number, row in enumerate(value, 1):
            if row.remove or row.is_empty:
                continue
            label, option = row.label.strip(), row.option.strip()
            if not (row.attribute and label and option):
                errors.append(
                    _(
                        "Row %(number)s: choose the attribute and write both the label in the file and "
                        "the option code it means, or clear the row."
                    )
                    % {"number": number}
                )
                continue
            labels = options.setdefault(row.attribute, {})
            if any(known.casefold() == label.casefold() for known in labels):
                errors.append(
                    _("“%(label)s” of %(code)s is in the table twice: keep one row for it.")
                    % {"label": label, "code": row.attribute}
                )
                continue
            labels[label] = option
        if errors:
            raise forms.ValidationError(errors)
        return options


def _json_value(text: str, message: str) -> dict:
    """A JSON object posted instead of the table (scripts, the stored shape), or ``message``."""
    try:
        value = json.loads(text)
    except ValueError:
        raise forms.ValidationError(message) from None
    if not isinstance(value, dict):
        raise forms.ValidationError(message)
    return value


class ImportMappingForm(WagtailAdminModelForm):
    """A mapping edited as tables (columns, option labels; BMEcat features as JSON), checked
    against the catalog: every target must name a field, language, attribute, price type or
    option that exists (a typo is reported with its header). The targets offered are read from
    the catalog when the form is made."""

    columns = ColumnMappingField(label=gettext_lazy("Columns"), required=False, help_text=COLUMNS_HELP)
    options = OptionMappingField(label=gettext_lazy("Option values"), required=False, help_text=OPTIONS_HELP)

    class Meta:
        model = ImportMapping
        fields = ["name", "supplier", "source_format", "default_family", "columns", "options", "features"]
        widgets = {"features": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"features": FEATURES_HELP}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["columns"].widget.target_groups = column_target_choices()
        attributes, options = enumeration_choices()
        self.fields["options"].widget.attributes = attributes
        self.fields["options"].widget.options = options

    def clean_columns(self):
        return _checked_targets(self.cleaned_data.get("columns"))

    def clean_features(self):
        return _checked_targets(self.cleaned_data.get("features"))

    def clean_options(self):
        options = self.cleaned_data.get("options") or {}
        if not isinstance(options, dict):
            raise forms.ValidationError(_("Write a JSON object: attribute code → {label: option code}."))
        errors = []
        attributes = {a.code: a for a in Attribute.objects.filter(code__in=list(options))}
        for code, labels in options.items():
            attribute = attributes.get(code)
            if attribute is None:
                errors.append(_("“%(code)s”: no attribute has this code.") % {"code": code})
                continue
            if attribute.type not in ENUM_TYPES:
                errors.append(_("“%(code)s” is not an enumeration: it has no options.") % {"code": code})
                continue
            if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
                errors.append(
                    _("“%(code)s”: write an object {label in the file: option code}.") % {"code": code}
                )
                continue
            known = set(AttributeOption.objects.filter(attribute=attribute).values_list("code", flat=True))
            for label, option in labels.items():
                if option not in known:
                    errors.append(
                        _("“%(code)s”: “%(label)s” maps to “%(option)s”, which is not an option of it.")
                        % {"code": code, "label": label, "option": option}
                    )
        if errors:
            raise forms.ValidationError(errors)
        return options


def _checked_targets(value) -> dict:
    """The columns (or features) of a mapping, checked by the reader's own column planning
    (:func:`pim.imports.columns.plan_columns`), so the form accepts exactly what an import
    understands; every entry with a problem is reported with its header."""
    value = value or {}
    if not isinstance(value, dict):
        raise forms.ValidationError(_('Write a JSON object: header → {"target": …}.'))
    errors = []
    for header, spec in value.items():
        if isinstance(spec, str):  # the short form: header → target
            spec = value[header] = {"target": spec}
        if not isinstance(spec, dict) or not isinstance(spec.get("target"), str):
            errors.append(_('“%(header)s”: write {"target": …}.') % {"header": header})
        elif "unit" in spec and not isinstance(spec["unit"], str):
            errors.append(_("“%(header)s”: the unit must be text, e.g. “bar”.") % {"header": header})
    if errors:
        raise forms.ValidationError(errors)
    headers = list(value)
    plan = plan_columns(headers, mapping=ImportMapping(columns=value))
    # Problems of the file as a whole (no article number column) are the file's business.
    errors = [f"“{p.location.column}”: {p.message}" for p in plan.problems if p.location.column]
    for header, target in zip(headers, plan.targets, strict=True):
        unit = value[header].get("unit", "").strip()
        if target is not None and unit:
            errors.extend(_unit_problems(header, target, unit))
    if errors:
        raise forms.ValidationError(errors)
    return value


def _unit_problems(header: str, target, unit: str) -> list[str]:
    """A unit given to a column that has none (the reader would drop it without a word), or a
    price's unit that is no currency. Attribute units are checked by the planner."""
    if target.kind == "price":
        if not re.fullmatch(r"[A-Z]{3}", unit):
            return [
                _("“%(header)s”: “%(unit)s” is not a currency. Write an ISO 4217 code such as EUR.")
                % {"header": header, "unit": unit}
            ]
        return []
    takes_unit = (
        target.kind == "attribute"
        or (target.kind == "field" and target.name in LOGISTICS_COLUMNS)
        or (target.kind == "packing_unit" and bool(PACKING_UNIT_COLUMNS.get(target.name)))
    )
    if takes_unit:
        return []
    return [
        _(
            "“%(header)s”: the column gives %(target)s, which has no unit, so “%(unit)s” would be "
            "ignored. Clear the unit."
        )
        % {"header": header, "target": target.mapping_target(), "unit": unit}
    ]
