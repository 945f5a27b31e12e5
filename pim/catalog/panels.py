"""Wagtail panels of the catalog editors: attribute values grouped like the family, and
children with a plain ForeignKey edited as table rows."""

from django.forms import Media
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail.admin.compare import TextDiff
from wagtail.admin.panels import ObjectList, Panel, TabbedInterface

from .localization import localize
from .values import format_stored_value


class AttributeValuesPanel(Panel):
    """The attribute fields the form adds for the family (see
    :class:`pim.catalog.forms.AttributeValuesFormMixin`), one section per attribute group."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("heading", _("Attributes"))
        super().__init__(*args, **kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "catalog/admin/panels/attribute_values.html"

        def is_shown(self):
            return self.form is not None and hasattr(self.form, "attribute_groups")

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            form = self.form
            context["family"] = form.values_family
            context["groups"] = [
                (heading, [form[name] for name in names]) for heading, names in form.attribute_groups
            ]
            context["family_changed"] = bool(
                form.values_family is not None
                and form.instance.family_id
                and form.values_family.pk != form.instance.family_id
            )
            return context

        def get_comparison(self):
            return [AttributeValuesComparison]


def _formatted_values(obj) -> dict:
    """{attribute code: (label, text)} of an owner's (in-memory) values."""
    rows_by_code: dict = {}
    for row in obj.values.all():
        rows_by_code.setdefault(row.attribute.code, []).append(row)
    return {
        code: (localize(rows[0].attribute.name) or code, format_stored_value(rows))
        for code, rows in rows_by_code.items()
    }


class AttributeValuesComparison:
    """Revision comparison of attribute values: the attributes whose shown value changed."""

    is_field = True
    is_child_relation = False

    def __init__(self, obj_a, obj_b):
        self.values_a = _formatted_values(obj_a)
        self.values_b = _formatted_values(obj_b)

    def field_label(self):
        return _("Attribute values")

    def changed_codes(self):
        codes = list(self.values_a) + [c for c in self.values_b if c not in self.values_a]
        return [c for c in codes if self.values_a.get(c, ("", ""))[1] != self.values_b.get(c, ("", ""))[1]]

    def has_changed(self):
        return bool(self.changed_codes())

    def htmldiff(self):
        items = []
        for code in self.changed_codes():
            label = (self.values_b.get(code) or self.values_a.get(code))[0]
            old = self.values_a.get(code, ("", ""))[1]
            new = self.values_b.get(code, ("", ""))[1]
            items.append((label, mark_safe(TextDiff([("deletion", old), ("addition", new)]).to_html())))  # noqa: S308 - TextDiff escapes
        return format_html(
            '<dl class="comparison__list">{}</dl>', format_html_join("", "<dt>{}</dt><dd>{}</dd>", items)
        )


class ChildFormSetPanel(Panel):
    """Rows of a :class:`pim.catalog.forms.ChildFormSetsMixin` formset as an editable table."""

    def __init__(self, formset_name, *args, **kwargs):
        self.formset_name = formset_name
        super().__init__(*args, **kwargs)

    def clone_kwargs(self):
        kwargs = super().clone_kwargs()
        kwargs["formset_name"] = self.formset_name
        return kwargs

    class BoundPanel(Panel.BoundPanel):
        template_name = "catalog/admin/panels/child_formset.html"

        @property
        def formset(self):
            return self.form.child_formsets[self.panel.formset_name]

        def is_shown(self):
            return self.form is not None and self.panel.formset_name in getattr(
                self.form, "child_formsets", {}
            )

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            formset = self.formset
            context["formset"] = formset
            context["columns"] = [
                formset.empty_form[name]
                for name, field in formset.empty_form.fields.items()
                if not field.widget.is_hidden and name != "DELETE"
            ]
            return context

        @property
        def media(self):
            return Media(js=["catalog/admin/child-formset.js"]) + self.formset.media


class _SkipAttributeFieldsMixin:
    """The attribute fields are rendered by :class:`AttributeValuesPanel`; keep Wagtail from
    rendering them a second time as fields "missing" from the panels."""

    def render_missing_fields(self):
        rendered = set(self.panel.get_form_options().get("fields", []))
        rendered.update(getattr(self.form, "attribute_fields", {}))
        return mark_safe("".join(str(self.form[name]) for name in self.form.fields if name not in rendered))  # noqa: S308 - rendered form fields


class CatalogTabbedInterface(TabbedInterface):
    class BoundPanel(_SkipAttributeFieldsMixin, TabbedInterface.BoundPanel):
        pass


class CatalogObjectList(ObjectList):
    class BoundPanel(_SkipAttributeFieldsMixin, ObjectList.BoundPanel):
        pass
