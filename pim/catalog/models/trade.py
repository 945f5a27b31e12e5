"""Trade and logistics data: what shops, ERPs and forwarders need besides the technical
values (weights, dimensions, customs, origin, packing units, delivery time, declarations).

Fields a series usually shares (brand, origin, customs tariff number, delivery time,
discount group, keywords, declarations, dangerous goods) live in :class:`TradeData`, on the
product model and on the product; a product's empty field takes its series' value (see
:mod:`pim.catalog.trade`). Weights and dimensions differ per variant and exist on the
product only (:class:`LogisticsData`). Weights are stored in kilograms, lengths in
millimetres; editors may type any unit of the quantity (converted with pint in the form).
"""

from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from modelcluster.fields import ParentalKey
from wagtail.models import Orderable

from ..identifiers import validate_gtin
from ..localization import LocalizedTextField

POSITIVE = MinValueValidator(Decimal("0.000001"))


def normalize_tariff_number(value: str) -> str:
    """A customs tariff number as digits only: ``8481 80 81`` and ``8481.80.81`` → ``84818081``."""
    return "".join(ch for ch in (value or "") if not ch.isspace() and ch != ".")


def validate_tariff_number(value: str) -> None:
    """HS (6 digits), EU Combined Nomenclature (8), TARIC (10) or national (11) shape."""
    digits = normalize_tariff_number(value)
    if digits and (not digits.isdigit() or len(digits) not in (6, 8, 10, 11)):
        raise ValidationError(
            _(
                "“%(value)s” is not a customs tariff number: use 6 (HS), 8 (EU Combined "
                "Nomenclature), 10 (TARIC) or 11 digits, e.g. 8481 80 81."
            ),
            params={"value": value},
            code="invalid",
        )


class ReachStatus(models.TextChoices):
    """REACH article 33 declaration (substances of very high concern above 0.1 % w/w)."""

    FREE = "free", _("No SVHC above 0.1 %")
    CONTAINS = "contains", _("Contains SVHC above 0.1 %")
    NO_DATA = "no_data", _("No data")


class RohsStatus(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    NOT_COMPLIANT = "not_compliant", _("Not compliant")
    EXEMPT = "exempt", _("Exempt (RoHS annex III/IV)")


class HazardClass(models.TextChoices):
    """Dangerous-goods classes of the UN model regulations (ADR/IMDG/IATA)."""

    EXPLOSIVES = "1", _("1 Explosives")
    FLAMMABLE_GAS = "2.1", _("2.1 Flammable gases")
    NON_FLAMMABLE_GAS = "2.2", _("2.2 Non-flammable, non-toxic gases")
    TOXIC_GAS = "2.3", _("2.3 Toxic gases")
    FLAMMABLE_LIQUID = "3", _("3 Flammable liquids")
    FLAMMABLE_SOLID = "4.1", _("4.1 Flammable solids")
    SPONTANEOUSLY_COMBUSTIBLE = "4.2", _("4.2 Spontaneously combustible substances")
    DANGEROUS_WHEN_WET = "4.3", _("4.3 Dangerous when wet")
    OXIDIZER = "5.1", _("5.1 Oxidizing substances")
    ORGANIC_PEROXIDE = "5.2", _("5.2 Organic peroxides")
    TOXIC = "6.1", _("6.1 Toxic substances")
    INFECTIOUS = "6.2", _("6.2 Infectious substances")
    RADIOACTIVE = "7", _("7 Radioactive material")
    CORROSIVE = "8", _("8 Corrosive substances")
    MISCELLANEOUS = "9", _("9 Miscellaneous dangerous goods")


class PackingGroup(models.TextChoices):
    I = "I", _("I (high danger)")  # noqa: E741 - the regulation's name
    II = "II", _("II (medium danger)")
    III = "III", _("III (low danger)")


class PackingUnitCode(models.TextChoices):
    """Packaging codes (UN/ECE Rec. 21 as used by the ETIM BMEcat guideline, dtPUNIT)."""

    BAG = "BG", _("Bag")
    BOX = "BX", _("Box")
    CARTON = "CT", _("Carton")
    CASE = "CS", _("Case")
    CRATE = "CR", _("Crate")
    DRUM = "DR", _("Drum")
    PACK = "PK", _("Pack")
    PACKET = "PA", _("Packet")
    PALLET = "PF", _("Pallet")
    REEL = "RL", _("Reel")
    ROLL = "RO", _("Roll")
    SACK = "SA", _("Sack")
    SET = "SET", _("Set")
    TRAY = "PU", _("Tray")
    UNPACKED = "NE", _("Unpacked")


un_number_validator = RegexValidator(r"^[0-9]{4}$", _("A UN number has four digits, e.g. 1263."))
scip_validator = RegexValidator(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    _("A SCIP number is the 36-character identifier ECHA returned, e.g. f5716c60-d07c-415c-b4c0-c1a796eaaf04."),
)


class TradeData(models.Model):
    """Trade data a product takes from its series when its own field is empty."""

    brand = models.CharField(_("brand"), max_length=100, blank=True)
    country_of_origin = CountryField(_("country of origin"), blank=True)
    customs_tariff_number = models.CharField(
        _("customs tariff number"),
        max_length=16,
        blank=True,
        validators=[validate_tariff_number],
        help_text=_("Commodity code of the Harmonized System / EU Combined Nomenclature, e.g. 8481 80 81."),
    )
    delivery_time_days = models.PositiveSmallIntegerField(
        _("delivery time (working days)"), null=True, blank=True
    )
    discount_group = models.CharField(
        _("discount group"), max_length=20, blank=True, help_text=_("The supplier's discount group code.")
    )
    keywords = LocalizedTextField(
        _("keywords"),
        blank=True,
        help_text=_("Search terms for shops, separated by commas, per language."),
    )
    reach_status = models.CharField(
        _("REACH declaration"), max_length=16, choices=ReachStatus.choices, blank=True
    )
    scip_number = models.CharField(
        _("SCIP number"), max_length=36, blank=True, validators=[scip_validator]
    )
    rohs_status = models.CharField(_("RoHS"), max_length=16, choices=RohsStatus.choices, blank=True)
    ce_marking = models.BooleanField(_("CE marking"), null=True, blank=True)
    un_number = models.CharField(
        _("UN number"),
        max_length=4,
        blank=True,
        validators=[un_number_validator],
        help_text=_("Only for dangerous goods."),
    )
    hazard_class = models.CharField(
        _("dangerous-goods class"), max_length=3, choices=HazardClass.choices, blank=True
    )
    packing_group = models.CharField(
        _("packing group"), max_length=3, choices=PackingGroup.choices, blank=True
    )

    class Meta:
        abstract = True

    def clean_trade_data(self) -> dict:
        """Field errors of the trade data (called from the owners' ``clean``)."""
        errors = {}
        self.customs_tariff_number = normalize_tariff_number(self.customs_tariff_number)
        self.scip_number = (self.scip_number or "").strip().lower()
        if self.scip_number and self.reach_status and self.reach_status != ReachStatus.CONTAINS:
            errors["scip_number"] = _("A SCIP number is only given for articles that contain SVHC.")
        if (self.hazard_class or self.packing_group) and not self.un_number:
            errors["un_number"] = _("Dangerous goods need their UN number.")
        return errors


class LogisticsData(models.Model):
    """Weights and outer dimensions of one article (not inherited: they differ per size)."""

    net_weight = models.DecimalField(
        _("net weight (kg)"), max_digits=14, decimal_places=6, null=True, blank=True, validators=[POSITIVE]
    )
    gross_weight = models.DecimalField(
        _("gross weight (kg)"),
        max_digits=14,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[POSITIVE],
        help_text=_("With its packaging as sold (one order unit)."),
    )
    length = models.DecimalField(
        _("length (mm)"), max_digits=12, decimal_places=3, null=True, blank=True, validators=[POSITIVE]
    )
    width = models.DecimalField(
        _("width (mm)"), max_digits=12, decimal_places=3, null=True, blank=True, validators=[POSITIVE]
    )
    height = models.DecimalField(
        _("height (mm)"), max_digits=12, decimal_places=3, null=True, blank=True, validators=[POSITIVE]
    )

    class Meta:
        abstract = True

    def clean_logistics_data(self) -> dict:
        errors = {}
        if self.net_weight and self.gross_weight and self.gross_weight < self.net_weight:
            errors["gross_weight"] = _("The gross weight is less than the net weight.")
        given = [getattr(self, name) is not None for name in ("length", "width", "height")]
        if any(given) and not all(given):
            errors["length"] = _("Give length, width and height together (outer dimensions in mm).")
        return errors


class PackingUnit(Orderable):
    """A trade package of a product: how many order units it holds, its own GTIN, weight
    and outer dimensions (EDXF packing units; a forwarder's and a warehouse's data)."""

    product = ParentalKey("catalog.Product", on_delete=models.CASCADE, related_name="packing_units")
    code = models.CharField(_("package"), max_length=3, choices=PackingUnitCode.choices)
    quantity = models.DecimalField(
        _("order units per package"),
        max_digits=12,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True, validators=[validate_gtin], db_index=True)
    gross_weight = models.DecimalField(
        _("gross weight (kg)"), max_digits=14, decimal_places=6, null=True, blank=True, validators=[POSITIVE]
    )
    length = models.DecimalField(
        _("length (mm)"), max_digits=12, decimal_places=3, null=True, blank=True, validators=[POSITIVE]
    )
    width = models.DecimalField(
        _("width (mm)"), max_digits=12, decimal_places=3, null=True, blank=True, validators=[POSITIVE]
    )
    height = models.DecimalField(
        _("height (mm)"), max_digits=12, decimal_places=3, null=True, blank=True, validators=[POSITIVE]
    )
    package_break = models.BooleanField(
        _("may be opened"), default=False, help_text=_("Smaller quantities are sold from an opened package.")
    )

    class Meta(Orderable.Meta):
        verbose_name = _("packing unit")
        verbose_name_plural = _("packing units")

    def __str__(self):
        return f"{self.quantity.normalize():f} × {self.get_code_display()}"

    def clean(self):
        errors = {}
        given = [getattr(self, name) is not None for name in ("length", "width", "height")]
        if any(given) and not all(given):
            errors["length"] = _("Give length, width and height together (outer dimensions in mm).")
        try:
            product = self.product
        except ObjectDoesNotExist:
            product = None
        if self.gtin and product is not None and product.gtin == self.gtin:
            errors["gtin"] = _("A package needs its own GTIN, not the article's (%(gtin)s).") % {
                "gtin": self.gtin
            }
        if errors:
            raise ValidationError(errors)
