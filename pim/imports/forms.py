"""Forms of the import admin: the upload of a file, and the saved mapping of a foreign layout."""

import zipfile
from pathlib import PurePath

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from pim.catalog.models import Attribute, AttributeOption
from pim.catalog.models.attributes import ENUM_TYPES

from .columns import plan_columns
from .jobs import BMECAT_SUFFIXES, TABULAR_SUFFIXES, detect_format
from .models import ImportMapping, SourceFormat

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

TARGET_HELP = gettext_lazy(
    'JSON object: header in the file → {"target": …, "unit": …}. Targets: '
    '"field:<product field>" (e.g. field:gtin), "localized:<field>:<language>" (e.g. '
    'localized:name:de), "attribute:<code>" ("attribute:<code>:min" / ":max" for ranges), '
    '"unit_of:<header>" (a column holding the unit of another column), "price:net_list" or '
    '"price:gros_list", "ignore". "unit": the unit of the column\'s numbers (e.g. "bar"). '
    'Example: {"Druck max.": {"target": "attribute:max_pressure", "unit": "bar"}, '
    '"Bezeichnung": {"target": "localized:name:de"}}'
)
OPTIONS_HELP = gettext_lazy(
    "JSON object: attribute code → {label in the file: option code}, for labels the catalog does not "
    'know. Example: {"material": {"Ms": "brass", "VA": "stainless_steel"}}'
)
FEATURES_HELP = gettext_lazy(
    'BMEcat only. JSON object: feature name or ECLASS code in the file → {"target": '
    '"attribute:<code>", "unit": …}, as for columns. Example: {"AAB123": {"target": "attribute:max_pressure"}}'
)


class ImportMappingForm(WagtailAdminModelForm):
    """A mapping edited as JSON, checked against the catalog: every target must name a field,
    language, attribute, price type or option that exists (a typo is reported with its header)."""

    class Meta:
        model = ImportMapping
        fields = ["name", "supplier", "source_format", "default_family", "columns", "options", "features"]
        widgets = {
            "columns": forms.Textarea(attrs={"rows": 12}),
            "options": forms.Textarea(attrs={"rows": 6}),
            "features": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {"columns": TARGET_HELP, "options": OPTIONS_HELP, "features": FEATURES_HELP}

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
    plan = plan_columns(list(value), mapping=ImportMapping(columns=value))
    # Problems of the file as a whole (no article number column) are the file's business.
    errors = [f"“{p.location.column}”: {p.message}" for p in plan.problems if p.location.column]
    if errors:
        raise forms.ValidationError(errors)
    return value
