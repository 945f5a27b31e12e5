"""The mapping editor's tables: one row per column of a supplier's file (what it fills, its
unit) and one row per option label the catalog does not know.

The widgets only read and show rows; what the rows mean and whether they are right is the
business of the fields in :mod:`pim.imports.forms` and of the reader's column planning. The
tables work without JavaScript: every row is a set of plain inputs named ``<field>-<n>-…``
and a few empty rows at the end add entries.
"""

import json
from dataclasses import dataclass
from itertools import count

from django import forms
from django.utils.translation import gettext_lazy as _

# Empty rows under the table, to add entries without JavaScript.
EXTRA_ROWS = 3
# Above this many <option>s in the whole table (rows × targets, and each row's "unit of" the
# other headers), the target of each row is a text input over one shared <datalist> instead
# of a <select> each: a wide file on a catalog of many attributes would otherwise make a page
# of tens of megabytes.
MAX_SELECT_OPTIONS = 20_000
# Rows read from one post at most (Django's own limit of posted fields is lower anyway).
MAX_ROWS = 2000
UNIT_OF = "unit_of:"


@dataclass
class ColumnRow:
    """One row of the columns table as posted or stored."""

    header: str = ""
    target: str = ""
    unit: str = ""
    remove: bool = False
    added: bool = False  # typed into one of the empty rows (the header is an input)

    @property
    def is_empty(self) -> bool:
        return not (self.header.strip() or self.target or self.unit.strip())


@dataclass
class OptionRow:
    """One row of the option labels table as posted or stored."""

    attribute: str = ""
    label: str = ""
    option: str = ""
    remove: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.attribute or self.label.strip() or self.option.strip())


def _json_object(text: str) -> dict:
    """A stored or posted JSON text as an object ({} when it is none: the field says why)."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _posted_rows(data, name: str, parts: tuple[str, ...]) -> list[dict]:
    """The ``<name>-<n>-<part>`` inputs of a post, row by row, as long as rows go on; the
    checkbox ``remove`` and the marker ``added`` (a row typed into an empty one) as booleans."""
    rows = []
    for index in count():
        prefix = f"{name}-{index}-"
        if index >= MAX_ROWS or not any(f"{prefix}{part}" in data for part in parts):
            break
        row = {part: data.get(f"{prefix}{part}", "") for part in parts}
        row["remove"] = bool(data.get(f"{prefix}remove"))
        row["added"] = bool(data.get(f"{prefix}added"))
        rows.append(row)
    return rows


class _RowTableWidget(forms.Widget):
    """What both tables share: reading rows from a post (or, for scripts, one JSON text under
    the field's own name), and showing the rows of a stored value, a JSON text or a post."""

    parts: tuple[str, ...] = ()

    class Media:
        css = {"all": ["imports/admin/mapping-editor.css"]}

    def value_from_datadict(self, data, files, name):
        rows = _posted_rows(data, name, self.parts)
        if not rows and name in data:
            return data[name]  # the JSON text of the stored shape, checked the same way
        return [self.row_from_post(row) for row in rows]

    def value_omitted_from_data(self, data, files, name):
        return name not in data and not any(f"{name}-0-{part}" in data for part in self.parts)

    def id_for_label(self, id_):
        # The field label sits above the whole table (which has a caption); every input of a row
        # has a label of its own.
        return ""

    def row_from_post(self, row: dict):
        raise NotImplementedError

    def rows(self, value) -> list:
        """The rows to show for ``value``: stored shape (dict), JSON text, or posted rows."""
        if isinstance(value, str):
            value = _json_object(value)
        if isinstance(value, dict):
            return self.rows_from_stored(value)
        return [row for row in value or [] if not row.is_empty]

    def rows_from_stored(self, value: dict) -> list:
        raise NotImplementedError

    def format_value(self, value):
        return value


_COLUMN_LABELS = {
    "target": _("What column “%(header)s” fills"),
    "unit": _("Unit of column “%(header)s”"),
    "remove": _("Remove column “%(header)s” from the mapping"),
}
_ADDED_ROW_LABELS = {
    "header": _("Header of the new column in row %(number)s"),
    "target": _("What the new column in row %(number)s fills"),
    "unit": _("Unit of the new column in row %(number)s"),
    "remove": _("Remove row %(number)s"),
}


class ColumnMappingWidget(_RowTableWidget):
    """The columns of a mapping: header, target (a ``<select>`` of this catalog's targets in
    groups, plus "unit of" each other header of the table) and unit, one row per column.

    ``target_groups``: ``[(group label, [(target, label), …]), …]``, set by the form from the
    catalog when it is made. A stored target that is not offered (an attribute deleted since)
    stays selected, marked as such, so that saving does not drop it unnoticed.
    """

    template_name = "imports/widgets/column_mapping.html"
    parts = ("header", "target", "unit")

    def __init__(self, attrs=None, target_groups=()):
        super().__init__(attrs)
        self.target_groups = list(target_groups)

    def row_from_post(self, row: dict) -> ColumnRow:
        return ColumnRow(row["header"], row["target"].strip(), row["unit"], row["remove"], row["added"])

    def rows_from_stored(self, value: dict) -> list[ColumnRow]:
        rows = []
        for header, entry in value.items():
            if isinstance(entry, str):
                entry = {"target": entry}
            if not isinstance(entry, dict):
                entry = {}
            rows.append(ColumnRow(str(header), str(entry.get("target") or ""), str(entry.get("unit") or "")))
        return rows

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        id_ = context["widget"]["attrs"].get("id") or name
        rows = self.rows(value)
        headers = [row.header for row in rows if row.header.strip()]
        offered = {target for _group, choices in self.target_groups for target, _label in choices}
        all_rows = rows + [ColumnRow(added=True) for _row in range(EXTRA_ROWS)]
        compact = len(all_rows) * (len(offered) + len(headers)) > MAX_SELECT_OPTIONS
        if compact:
            context["widget"]["datalist_id"] = f"{id_}-targets"
            context["widget"]["datalist"] = [
                *(
                    (target, f"{label} ({group})")
                    for group, choices in self.target_groups
                    for target, label in choices
                ),
                *(
                    (f"{UNIT_OF}{header}", _("Unit of “%(header)s”") % {"header": header})
                    for header in headers
                ),
            ]
        shown = []
        for index, row in enumerate(all_rows):
            unit_of = [
                (f"{UNIT_OF}{header}", _("Unit of “%(header)s”") % {"header": header})
                for header in headers
                if header != row.header
            ]
            if compact:
                # shown as text over the shared list; known as the select would know it
                unit_of_targets = {target for target, _label in unit_of}
                known = row.target in offered or row.target in unit_of_targets
                unit_of = []
            groups = (
                [*self.target_groups, (_("Unit given in another column"), unit_of)]
                if unit_of
                else self.target_groups
            )
            if not compact:
                known = row.target in offered or any(row.target == target for target, _label in unit_of)
            added = row.added or not row.header.strip()
            # Each input is named for its column (added rows: by row number), since a table
            # cell's neighbours are no label for a screen reader's form mode.
            labels = _ADDED_ROW_LABELS if added else _COLUMN_LABELS
            names = {"header": row.header, "number": index + 1}
            shown.append(
                {
                    "prefix": f"{name}-{index}",
                    "id": f"{id_}-{index}",
                    "header": row.header,
                    "target": row.target,
                    "unit": row.unit,
                    "remove": row.remove,
                    "added": added,
                    "groups": groups,
                    "unknown_target": row.target if row.target and not known else "",
                    **{f"{part}_label": text % names for part, text in labels.items()},
                }
            )
        context["widget"]["rows"] = shown
        return context


_OPTION_LABELS = {
    "attribute": _("Attribute of the label “%(label)s”"),
    "label": _("Label in the file in row %(number)s"),
    "option": _("Option code meant by “%(label)s”"),
    "remove": _("Remove the label “%(label)s” from the mapping"),
}
_OPTION_ROW_LABELS = {
    "attribute": _("Attribute in row %(number)s"),
    "label": _("Label in the file in row %(number)s"),
    "option": _("Option code in row %(number)s"),
    "remove": _("Remove row %(number)s"),
}


class OptionMappingWidget(_RowTableWidget):
    """Option labels of a mapping: attribute (a ``<select>`` of enumeration attributes), the
    label in the file, and the option code it means (a text input offering the attribute's
    codes through a ``<datalist>``; rows still to be filled offer every attribute's codes).

    ``attributes``: ``[(code, label), …]``; ``options``: ``{attribute code: [(option code,
    label), …]}``; both set by the form from the catalog when it is made.
    """

    template_name = "imports/widgets/option_mapping.html"
    parts = ("attribute", "label", "option")

    def __init__(self, attrs=None, attributes=(), options=None):
        super().__init__(attrs)
        self.attributes = list(attributes)
        self.options = dict(options or {})

    def row_from_post(self, row: dict) -> OptionRow:
        return OptionRow(row["attribute"].strip(), row["label"], row["option"], row["remove"])

    def rows_from_stored(self, value: dict) -> list[OptionRow]:
        rows = []
        for code, labels in value.items():
            if not isinstance(labels, dict):
                rows.append(OptionRow(str(code)))
                continue
            rows.extend(OptionRow(str(code), str(label), str(option)) for label, option in labels.items())
        return rows

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        id_ = context["widget"]["attrs"].get("id") or name
        rows = self.rows(value)
        attributes = dict(self.attributes)
        lists = {}  # attribute code -> datalist id, for the attributes of the rows
        shown = []
        for index, row in enumerate(rows + [OptionRow() for _row in range(EXTRA_ROWS)]):
            if row.attribute in self.options and row.attribute not in lists:
                lists[row.attribute] = f"{id_}-codes-{len(lists)}"
            existing = index < len(rows)
            labels = _OPTION_LABELS if existing and row.label.strip() else _OPTION_ROW_LABELS
            names = {"label": row.label.strip(), "number": index + 1}
            shown.append(
                {
                    "prefix": f"{name}-{index}",
                    "id": f"{id_}-{index}",
                    "attribute": row.attribute,
                    "label": row.label,
                    "option": row.option,
                    "remove": row.remove,
                    "list_id": lists.get(row.attribute, f"{id_}-codes"),
                    "unknown_attribute": row.attribute
                    if row.attribute and row.attribute not in attributes
                    else "",
                    "existing": existing,
                    **{f"{part}_label": text % names for part, text in labels.items()},
                }
            )
        context["widget"]["rows"] = shown
        context["widget"]["attributes"] = self.attributes
        context["widget"]["datalist_id"] = f"{id_}-codes"
        context["widget"]["all_codes"] = [
            (option, f"{attributes[code]}: {label}")
            for code, _label in self.attributes
            for option, label in self.options.get(code, [])
        ]
        context["widget"]["datalists"] = [
            {"id": list_id, "codes": self.options[code]} for code, list_id in lists.items()
        ]
        return context
