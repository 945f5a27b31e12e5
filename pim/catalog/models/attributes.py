from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..localization import LocalizedTextField, localize


class AttributeType(models.TextChoices):
    """Our attribute kinds: ETIM's four (A → enumeration, L → boolean, N → number,
    R → range) plus free text and multi-valued enumerations."""

    TEXT = "text", _("Text")
    ENUM = "enum", _("Enumeration (single)")
    MULTI_ENUM = "multi_enum", _("Enumeration (multiple)")
    BOOLEAN = "boolean", _("Yes/no")
    NUMBER = "number", _("Number")
    RANGE = "range", _("Range (min..max)")


NUMERIC_TYPES = {AttributeType.NUMBER, AttributeType.RANGE}
ENUM_TYPES = {AttributeType.ENUM, AttributeType.MULTI_ENUM}


class AttributeGroup(models.Model):
    """A heading under which attributes are shown (admin form, product page, datasheet)."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = LocalizedTextField(_("name"))
    sort_order = models.IntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("attribute group")
        verbose_name_plural = _("attribute groups")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return localize(self.name) or self.code


class Attribute(models.Model):
    """A typed product property (an ETIM feature when it has an EF code)."""

    code = models.CharField(
        _("code"), max_length=64, unique=True, help_text=_("e.g. EF000001 or max_pressure")
    )
    name = LocalizedTextField(_("label"))
    help_text = LocalizedTextField(_("help text"), blank=True, multiline=True)
    type = models.CharField(_("type"), max_length=16, choices=AttributeType.choices)
    localizable = models.BooleanField(
        _("localizable"), default=False, help_text=_("Text attributes only: one text per language.")
    )
    quantity = models.ForeignKey(
        "catalog.Quantity",
        verbose_name=_("quantity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attributes",
        help_text=_("Number and range attributes: the physical quantity. Empty: a plain number."),
    )
    display_unit = models.ForeignKey(
        "catalog.Unit",
        verbose_name=_("display unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decimals = models.PositiveSmallIntegerField(
        _("decimal places shown"), null=True, blank=True, help_text=_("Empty: as entered.")
    )
    min_value = models.FloatField(
        _("minimum"), null=True, blank=True, help_text=_("In the canonical unit of the quantity.")
    )
    max_value = models.FloatField(
        _("maximum"), null=True, blank=True, help_text=_("In the canonical unit of the quantity.")
    )
    filterable = models.BooleanField(_("filterable"), default=False)
    searchable = models.BooleanField(_("searchable"), default=False)
    comparable = models.BooleanField(_("comparable"), default=True)
    show_on_product_page = models.BooleanField(_("shown on product page"), default=True)
    etim_code = models.CharField(_("ETIM feature"), max_length=16, blank=True, db_index=True)
    eclass_code = models.CharField(_("ECLASS property"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("attribute")
        verbose_name_plural = _("attributes")
        ordering = ["code"]

    def __str__(self):
        label = localize(self.name)
        return f"{label} ({self.code})" if label else self.code

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def has_options(self) -> bool:
        return self.type in ENUM_TYPES

    def clean(self):
        errors = {}
        if self.type not in NUMERIC_TYPES:
            for field in ("quantity", "display_unit", "min_value", "max_value"):
                if getattr(self, field if field.endswith("value") else f"{field}_id") is not None:
                    errors[field] = _("Only number and range attributes have a %(field)s.") % {
                        "field": field.replace("_", " ")
                    }
        if self.localizable and self.type != AttributeType.TEXT:
            errors["localizable"] = _("Only text attributes can be localizable.")
        if self.display_unit_id and not self.quantity_id:
            errors["display_unit"] = _("Choose the quantity first.")
        elif self.display_unit_id and self.display_unit.quantity_id != self.quantity_id:
            errors["display_unit"] = _("%(unit)s is not a unit of %(quantity)s.") % {
                "unit": self.display_unit,
                "quantity": self.quantity,
            }
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            errors["max_value"] = _("The maximum is below the minimum.")
        if errors:
            raise ValidationError(errors)

    def get_display_unit(self, family_attribute=None):
        if family_attribute is not None and family_attribute.display_unit_id:
            return family_attribute.display_unit
        if self.display_unit_id:
            return self.display_unit
        if self.quantity_id:
            units = list(self.quantity.units.all())
            for unit in units:
                if unit.pint_expression == self.quantity.canonical_unit:
                    return unit
            return units[0] if units else None
        return None


class AttributeOption(models.Model):
    """A coded value of an enumeration attribute (an ETIM value when it has an EV code)."""

    attribute = models.ForeignKey(
        Attribute, verbose_name=_("attribute"), on_delete=models.CASCADE, related_name="options"
    )
    code = models.CharField(_("code"), max_length=64)
    name = LocalizedTextField(_("label"))
    sort_order = models.IntegerField(_("sort order"), default=0)
    etim_code = models.CharField(_("ETIM value"), max_length=16, blank=True, db_index=True)
    eclass_code = models.CharField(_("ECLASS value"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["attribute", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["attribute", "code"], name="option_code_unique")]

    def __str__(self):
        return localize(self.name) or self.code


class Family(models.Model):
    """An attribute set: which attributes a kind of product has (an ETIM class when it has an
    EC code)."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = LocalizedTextField(_("name"))
    description = LocalizedTextField(_("description"), blank=True, multiline=True)
    synonyms = models.JSONField(
        _("synonyms"), default=dict, blank=True, help_text=_("Per language, a list of other names.")
    )
    etim_class_code = models.CharField(_("ETIM class"), max_length=16, blank=True, db_index=True)
    etim_version = models.CharField(_("ETIM version"), max_length=16, blank=True)
    etim_group_code = models.CharField(_("ETIM group"), max_length=16, blank=True)
    eclass_code = models.CharField(_("ECLASS class"), max_length=32, blank=True)
    attributes = models.ManyToManyField(
        Attribute, through="FamilyAttribute", related_name="families", verbose_name=_("attributes")
    )

    class Meta:
        verbose_name = _("family")
        verbose_name_plural = _("families")
        ordering = ["code"]

    def __str__(self):
        label = localize(self.name)
        return f"{label} ({self.code})" if label else self.code

    def grouped_attributes(self):
        """[(group or None, [FamilyAttribute, …]), …] in display order."""
        groups: dict = {}
        rows = self.family_attributes.select_related(
            "attribute__quantity", "attribute__display_unit__quantity", "display_unit__quantity", "group"
        ).order_by("group__sort_order", "group__code", "sort_order", "attribute__code")
        for row in rows:
            groups.setdefault(row.group, []).append(row)
        return list(groups.items())


class FamilyAttribute(models.Model):
    """An attribute in a family: its group, order, unit and the options allowed there."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="family_attributes")
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="family_attributes")
    group = models.ForeignKey(
        AttributeGroup, verbose_name=_("group"), on_delete=models.SET_NULL, null=True, blank=True
    )
    sort_order = models.IntegerField(_("sort order"), default=0)
    display_unit = models.ForeignKey(
        "catalog.Unit",
        verbose_name=_("display unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Overrides the attribute's display unit in this family."),
    )
    in_listing = models.BooleanField(
        _("column in result lists"),
        default=False,
        help_text=_(
            "A key attribute of the family: shown as a column of the public catalog's result table "
            "and in the comparison's summary. Without any, the first filterable attributes are used."
        ),
    )
    allowed_options = models.ManyToManyField(
        AttributeOption,
        verbose_name=_("allowed options"),
        blank=True,
        related_name="+",
        help_text=_("Empty: all options of the attribute."),
    )

    class Meta:
        verbose_name = _("family attribute")
        verbose_name_plural = _("family attributes")
        ordering = ["family", "sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["family", "attribute"], name="family_attribute_unique")
        ]

    def __str__(self):
        return f"{self.family.code} · {self.attribute.code}"

    def clean(self):
        if (
            self.display_unit_id
            and self.attribute_id
            and self.attribute.quantity_id != self.display_unit.quantity_id
        ):
            raise ValidationError({"display_unit": _("Not a unit of the attribute's quantity.")})

    def options(self):
        """The options an editor may choose here."""
        allowed = self.allowed_options.all()
        if self.pk and allowed.exists():
            return allowed.order_by("sort_order", "code")
        return self.attribute.options.order_by("sort_order", "code")
