from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import units as unit_service
from ..localization import LocalizedTextField, localize


class Quantity(models.Model):
    """A physical quantity (pressure, temperature, length…): the units it may be given in
    and the canonical unit its values are stored in."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = LocalizedTextField(_("name"))
    canonical_unit = models.CharField(
        _("canonical unit"),
        max_length=100,
        blank=True,
        help_text=_(
            "pint expression values are stored in, e.g. “pascal”. Empty for quantities "
            "whose single unit cannot be converted (e.g. dB(A))."
        ),
    )

    class Meta:
        verbose_name = _("quantity")
        verbose_name_plural = _("quantities")
        ordering = ["code"]

    def __str__(self):
        return localize(self.name) or self.code

    def clean(self):
        if self.canonical_unit and not unit_service.is_convertible(self.canonical_unit):
            raise ValidationError(
                {"canonical_unit": _("“%(unit)s” is not a unit pint knows.") % {"unit": self.canonical_unit}}
            )


class Unit(models.Model):
    """A unit of a quantity, with its codes in the exchange standards."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    symbol = models.CharField(_("symbol"), max_length=32, help_text=_("As displayed: “bar”, “°C”, “N·m”."))
    name = LocalizedTextField(_("name"), blank=True)
    quantity = models.ForeignKey(
        Quantity, verbose_name=_("quantity"), on_delete=models.PROTECT, related_name="units"
    )
    pint_expression = models.CharField(
        _("pint expression"),
        max_length=100,
        blank=True,
        help_text=_("How pint names this unit, e.g. “newton * meter”. Empty: not convertible."),
    )
    etim_code = models.CharField(_("ETIM code"), max_length=16, blank=True, db_index=True)
    unece_code = models.CharField(
        _("UN/ECE Rec. 20 code"), max_length=8, blank=True, db_index=True, help_text=_("e.g. BAR, CEL, MMT")
    )
    aliases = models.CharField(
        _("aliases"),
        max_length=255,
        blank=True,
        help_text=_("Comma-separated spellings accepted in typed input."),
    )
    sort_order = models.IntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["quantity__code", "sort_order", "code"]

    def __str__(self):
        return self.symbol

    def alias_list(self) -> list[str]:
        return [alias.strip() for alias in self.aliases.split(",") if alias.strip()]

    @property
    def convertible(self) -> bool:
        return bool(self.pint_expression and self.quantity.canonical_unit)

    def to_canonical(self, magnitude: float) -> float:
        if not self.convertible:
            return float(magnitude)
        return unit_service.convert(magnitude, self.pint_expression, self.quantity.canonical_unit)

    def from_canonical(self, value: float) -> float:
        if not self.convertible:
            return float(value)
        return unit_service.convert(value, self.quantity.canonical_unit, self.pint_expression)

    def clean(self):
        if not self.pint_expression:
            return
        if not unit_service.is_convertible(self.pint_expression):
            raise ValidationError(
                {
                    "pint_expression": _("“%(unit)s” is not a unit pint knows.")
                    % {"unit": self.pint_expression}
                }
            )
        if self.quantity_id and self.quantity.canonical_unit:
            try:
                unit_service.convert(1, self.pint_expression, self.quantity.canonical_unit)
            except unit_service.UnitError:
                raise ValidationError(
                    {
                        "pint_expression": _("“%(unit)s” is not a unit of %(quantity)s.")
                        % {"unit": self.pint_expression, "quantity": self.quantity}
                    }
                ) from None
