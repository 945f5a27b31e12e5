from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.models import DraftStateMixin, RevisionMixin
from wagtail.search import index

from ..commercial import order_unit_codes
from ..identifiers import normalize_article_number, validate_article_number, validate_gtin
from ..localization import LocalizedTextField, clean_localized, localize
from .attributes import AttributeType
from .trade import LogisticsData, TradeData


class Lifecycle(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    PHASE_OUT = "phase_out", _("Phase-out")
    DISCONTINUED = "discontinued", _("Discontinued")


# Lifecycle states a published product may be shown in. A discontinued product keeps its
# page (engineers look up parts they have installed, and the page names the successor);
# exports treat it as a deletion.
PUBLIC_LIFECYCLES = (Lifecycle.ACTIVE, Lifecycle.PHASE_OUT, Lifecycle.DISCONTINUED)


class RelationKind(models.TextChoices):
    ACCESSORY = "accessory", _("Accessory")
    SPARE_PART = "spare_part", _("Spare part")
    REPLACEMENT = "replacement", _("Replacement")
    COMPATIBLE = "compatible", _("Compatible with")


currency_validator = RegexValidator(r"^[A-Z]{3}$", _("Use an ISO 4217 currency code such as EUR."))
unece_validator = RegexValidator(r"^[A-Z0-9]{1,3}$", _("Use a UN/ECE Rec. 20 unit code such as C62."))


class ProductQuerySet(models.QuerySet):
    def publicly_visible(self):
        """Products anyone may see: public pages, search, downloads, API and exports all
        ask this one question (see :meth:`Product.is_publicly_visible`)."""
        return self.filter(
            Q(live=True)
            & Q(lifecycle__in=PUBLIC_LIFECYCLES)
            & (Q(product_model__isnull=True) | Q(product_model__live=True))
        )

    def by_article_number(self, article_number: str):
        return self.filter(article_number_key=normalize_article_number(article_number))

    def in_categories(self, category_ids):
        """Products in ``category_ids`` (ids or an id subquery) directly or through their
        product model; no subcategories."""
        direct = Product.categories.through.objects.filter(category_id__in=category_ids).values("product_id")
        via_model = ProductModel.categories.through.objects.filter(category_id__in=category_ids).values(
            "productmodel_id"
        )
        return self.filter(Q(pk__in=direct) | Q(product_model_id__in=via_model))


class CommercialData(models.Model):
    """What exchange formats need to order a product (BMEcat ORDER_DETAILS)."""

    order_unit = models.CharField(
        _("order unit"),
        max_length=3,
        default="C62",
        validators=[unece_validator],
        help_text=_("UN/ECE Rec. 20 code: C62 piece, PR pair, SET set, PK pack, MTR metre…"),
    )
    content_unit = models.CharField(
        _("content unit"), max_length=3, default="C62", validators=[unece_validator]
    )
    content_quantity = models.DecimalField(
        _("content quantity"),
        max_digits=12,
        decimal_places=3,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("Content units per order unit, e.g. 100 pieces in a pack."),
    )
    price_quantity = models.DecimalField(
        _("price quantity"),
        max_digits=12,
        decimal_places=3,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("Order units the price refers to."),
    )
    min_order_quantity = models.DecimalField(
        _("minimum order quantity"),
        max_digits=12,
        decimal_places=3,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    order_quantity_step = models.DecimalField(
        _("order quantity step"),
        max_digits=12,
        decimal_places=3,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.001"))],
    )

    class Meta:
        abstract = True


class ProductModel(DraftStateMixin, RevisionMixin, index.Indexed, TradeData, ClusterableModel):
    """A series: shared descriptions and values of its variants, and the axis attributes the
    variants differ on."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = LocalizedTextField(_("name"))
    short_description = LocalizedTextField(_("short description"), blank=True, multiline=True)
    long_description = LocalizedTextField(_("long description"), blank=True, multiline=True)
    family = models.ForeignKey("catalog.Family", verbose_name=_("family"), on_delete=models.PROTECT)
    categories = ParentalManyToManyField("catalog.Category", verbose_name=_("categories"), blank=True)
    axes = ParentalManyToManyField(
        "catalog.Attribute",
        verbose_name=_("variant axes"),
        blank=True,
        related_name="+",
        help_text=_("Attributes the variants differ on, e.g. nominal size and connection."),
    )
    manufacturer_name = models.CharField(_("manufacturer"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="product_model")

    search_fields = [
        index.SearchField("code"),
        index.AutocompleteField("code"),
        index.SearchField("search_text"),
    ]

    class Meta:
        verbose_name = _("product model")
        verbose_name_plural = _("product models")
        ordering = ["code"]

    def __str__(self):
        label = localize(self.name)
        return f"{self.code} {label}".strip()

    @property
    def revisions(self):
        return self._revisions

    def search_text(self):
        return " ".join(filter(None, self.name.values()))

    def clean(self):
        super().clean()
        bad_axes = [
            a
            for a in self.axes.all()
            if a.type
            not in (AttributeType.ENUM, AttributeType.NUMBER, AttributeType.BOOLEAN, AttributeType.TEXT)
        ]
        if bad_axes:
            raise ValidationError(
                {
                    "axes": _("%(attrs)s cannot be a variant axis (use single values).")
                    % {"attrs": ", ".join(map(str, bad_axes))}
                }
            )
        errors = self.clean_trade_data()
        if errors:
            raise ValidationError(errors)


class Product(
    DraftStateMixin, RevisionMixin, index.Indexed, CommercialData, TradeData, LogisticsData, ClusterableModel
):
    """A sellable article, standalone or a variant of a product model."""

    article_number = models.CharField(
        _("article number"), max_length=64, validators=[validate_article_number]
    )
    article_number_key = models.CharField(
        _("article number (normalized)"),
        max_length=64,
        unique=True,
        editable=False,
        help_text=_("Lowercase, without spaces, dots, dashes: the lookup key."),
    )
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True, validators=[validate_gtin], db_index=True)
    manufacturer_pid = models.CharField(_("manufacturer part number"), max_length=64, blank=True)
    manufacturer_name = models.CharField(_("manufacturer"), max_length=100, blank=True)
    name = LocalizedTextField(
        _("name"), blank=True, help_text=_("Required, except for variants: they can use their model's name.")
    )
    short_description = LocalizedTextField(_("short description"), blank=True, multiline=True)
    long_description = LocalizedTextField(_("long description"), blank=True, multiline=True)
    family = models.ForeignKey(
        "catalog.Family", verbose_name=_("family"), on_delete=models.PROTECT, related_name="products"
    )
    categories = ParentalManyToManyField(
        "catalog.Category", verbose_name=_("categories"), blank=True, related_name="products"
    )
    product_model = models.ForeignKey(
        ProductModel,
        verbose_name=_("product model"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="variants",
    )
    lifecycle = models.CharField(
        _("lifecycle"), max_length=16, choices=Lifecycle.choices, default=Lifecycle.DRAFT, db_index=True
    )
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="predecessors",
    )
    available_from = models.DateField(_("available from"), null=True, blank=True)
    phase_out_date = models.DateField(_("phase-out date"), null=True, blank=True)
    discontinued_date = models.DateField(_("discontinued date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="product")

    objects = ProductQuerySet.as_manager()

    search_fields = [
        index.SearchField("article_number", boost=5),
        index.AutocompleteField("article_number"),
        index.SearchField("search_text"),
        index.FilterField("lifecycle"),
        index.FilterField("family"),
    ]

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["article_number_key"]
        indexes = [models.Index(fields=["live", "lifecycle"], name="product_visibility_idx")]

    def __str__(self):
        label = localize(self.name)
        return f"{self.article_number} {label}".strip()

    def save(self, *args, **kwargs):
        self.fill_derived_fields()
        super().save(*args, **kwargs)

    def fill_derived_fields(self) -> None:
        """What every write of the row derives: the stripped article number, its lookup key,
        a variant's family. ``save`` calls it; writers that insert rows in bulk (the import)
        call it themselves."""
        self.article_number = (self.article_number or "").strip()
        self.article_number_key = normalize_article_number(self.article_number)
        if self.product_model_id and not self.family_id:
            self.family_id = self.product_model.family_id

    def clean(self, *, check_article_number: bool = True, known_units=None):
        """The product's cross-field rules. Writers that check many products at once (the
        import) pass what they already know: ``check_article_number=False`` when they have
        looked the numbers up themselves, ``known_units`` (``order_unit_codes()``) read once."""
        super().clean()
        errors = {}
        self.article_number = (self.article_number or "").strip()
        key = normalize_article_number(self.article_number)
        if key and check_article_number:
            clash = Product.objects.filter(article_number_key=key).exclude(pk=self.pk).first()
            if clash:
                errors["article_number"] = _(
                    "“%(number)s” is already used by %(other)s (article numbers are compared "
                    "ignoring case, spaces, dots and dashes)."
                ) % {"number": self.article_number, "other": clash.article_number}
        if not self.product_model_id and not clean_localized(self.name):
            errors["name"] = _(
                "Enter the name in at least one language (only variants may use their model's name)."
            )
        for field in ("order_unit", "content_unit"):
            code = getattr(self, field)
            if code and field not in errors:
                known_units = known_units or set(order_unit_codes())
                if code not in known_units:
                    errors[field] = _(
                        "“%(code)s” is not a UN/ECE Rec. 20 unit the catalog knows; use e.g. C62 (piece), "
                        "PK (pack), SET (set), PR (pair) or a measurement unit such as MTR."
                    ) % {"code": code}
        if self.successor_id and self.successor_id == self.pk:
            errors["successor"] = _("A product cannot be its own successor.")
        if self.product_model_id and self.family_id and self.product_model.family_id != self.family_id:
            errors["family"] = _("A variant has the family of its product model (%(family)s).") % {
                "family": self.product_model.family
            }
        if self.phase_out_date and self.discontinued_date and self.discontinued_date < self.phase_out_date:
            errors["discontinued_date"] = _("The discontinued date is before the phase-out date.")
        errors.update(self.clean_trade_data())
        errors.update(self.clean_logistics_data())
        if errors:
            raise ValidationError(errors)

    def search_text(self):
        return " ".join(
            [
                self.article_number,
                self.article_number_key,
                self.manufacturer_pid,
                *filter(None, self.name.values()),
            ]
        )

    @property
    def revisions(self):
        return self._revisions

    # --- visibility -------------------------------------------------------------------
    def is_publicly_visible(self) -> bool:
        """The single visibility rule, for one object (same as ``publicly_visible()``)."""
        if not self.live or self.lifecycle not in PUBLIC_LIFECYCLES:
            return False
        return self.product_model_id is None or self.product_model.live

    # --- values -------------------------------------------------------------------------
    def effective_values(self):
        """Values by attribute code: the product model's, overridden by the variant's own."""
        from ..values import effective_values

        return effective_values(self)

    def valid_prices(self, price_type: str = "net_list", on=None) -> list["ProductPrice"]:
        """The price list of ``price_type`` valid on ``on`` (default today): per currency and
        tier (from quantity) the row whose validity covers the day, the latest-starting one
        when an open-ended old price and a newer one overlap. Uses prefetched ``prices``."""
        on = on or timezone.localdate()
        chosen = {}
        for price in self.prices.all():
            if price.price_type != price_type:
                continue
            if (price.valid_from and price.valid_from > on) or (price.valid_to and price.valid_to < on):
                continue
            key = (price.currency, price.min_quantity)
            current = chosen.get(key)
            if current is None or (price.valid_from or date.min) > (current.valid_from or date.min):
                chosen[key] = price
        return [chosen[key] for key in sorted(chosen)]

    def effective_categories(self) -> list:
        """The product's categories; a variant without its own sits in its model's."""
        own = list(self.categories.all())
        if own or self.product_model_id is None:
            return own
        return list(self.product_model.categories.all())

    def display_name(self, language: str | None = None) -> str:
        own = localize(self.name, language)
        if own or self.product_model_id is None:
            return own
        return localize(self.product_model.name, language)

    def description(self, field: str, language: str | None = None) -> str:
        own = localize(getattr(self, field), language)
        if own or self.product_model_id is None:
            return own
        return localize(getattr(self.product_model, field), language)


class AttributeValueBase(models.Model):
    """One stored value. Numbers are kept in the quantity's canonical unit (``number``,
    ``number_min``/``number_max`` for ranges) next to the unit the editor used; a
    multi-valued enumeration has one row per chosen option."""

    attribute = models.ForeignKey("catalog.Attribute", on_delete=models.PROTECT, related_name="+")
    option = models.ForeignKey(
        "catalog.AttributeOption", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    number = models.FloatField(null=True, blank=True)
    number_min = models.FloatField(null=True, blank=True)
    number_max = models.FloatField(null=True, blank=True)
    unit = models.ForeignKey(
        "catalog.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    boolean = models.BooleanField(null=True, blank=True)
    text = models.TextField(blank=True)
    text_localized = LocalizedTextField(blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        from ..values import format_stored_value

        return f"{self.attribute.code}={format_stored_value(self)}"


class ProductValue(AttributeValueBase):
    product = ParentalKey(Product, on_delete=models.CASCADE, related_name="values")

    class Meta:
        verbose_name = _("product value")
        verbose_name_plural = _("product values")
        indexes = [
            models.Index(fields=["attribute", "number"], name="value_number_idx"),
            models.Index(fields=["attribute", "number_min", "number_max"], name="value_range_idx"),
            models.Index(fields=["attribute", "option"], name="value_option_idx"),
        ]


class ProductModelValue(AttributeValueBase):
    product_model = ParentalKey(ProductModel, on_delete=models.CASCADE, related_name="values")

    class Meta:
        verbose_name = _("product model value")
        verbose_name_plural = _("product model values")


class ProductRelation(models.Model):
    product = ParentalKey(Product, on_delete=models.CASCADE, related_name="relations")
    kind = models.CharField(_("kind"), max_length=16, choices=RelationKind.choices)
    target = models.ForeignKey(
        Product, verbose_name=_("related product"), on_delete=models.CASCADE, related_name="related_from"
    )
    quantity = models.DecimalField(
        pgettext_lazy("number of items", "quantity"),
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("e.g. how many of a spare part the product contains."),
    )
    sort_order = models.IntegerField(_("sort order"), default=0, editable=False)

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        ordering = ["kind", "sort_order"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.target}"

    def clean(self):
        if self.product_id and self.target_id == self.product_id:
            raise ValidationError({"target": _("A product cannot be related to itself.")})


class ProductPrice(models.Model):
    """A list price in one currency, valid in a period, from a quantity on (tiers)."""

    class PriceType(models.TextChoices):
        NET_LIST = "net_list", _("Net list price")
        GROSS_LIST = "gros_list", _("Gross list price")

    product = ParentalKey(Product, on_delete=models.CASCADE, related_name="prices")
    price_type = models.CharField(
        _("price type"), max_length=16, choices=PriceType.choices, default=PriceType.NET_LIST
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR", validators=[currency_validator])
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=4, validators=[MinValueValidator(Decimal(0))]
    )
    min_quantity = models.DecimalField(
        _("from quantity"),
        max_digits=12,
        decimal_places=3,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    tax_rate = models.DecimalField(_("tax rate"), max_digits=5, decimal_places=4, default=Decimal("0.19"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["currency", "price_type", "min_quantity"]

    def __str__(self):
        return f"{self.amount} {self.currency} (≥ {self.min_quantity})"

    def clean(self):
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end of validity is before its start.")})
