"""Tables of the search app: the outbox of pending index changes, the lease that keeps one
drain per index target, and the database backend's own index (like Wagtail's database search
backend, it keeps derived rows beside the catalog: analysed terms, flattened effective values)."""

import uuid

from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from pim.catalog.models import Product


class OutboxQuerySet(models.QuerySet):
    def hidden_product_ids(self, target: str):
        """Ids of products that ``target``'s index may still count although the catalog no
        longer shows them: a change is waiting in the outbox and the product is not publicly
        visible now (unpublished, discontinued, deleted). Searches leave them out of hits,
        totals and facet counts until the drain has written the change.

        Cheap on the hot path: the outbox is empty or small when the drain keeps up, and each
        waiting entry is one primary-key probe of the visibility rule (NOT EXISTS, not NOT IN:
        PostgreSQL hashes NOT IN (subquery) only while every visible id fits in work_mem)."""
        visible = Product.objects.publicly_visible().filter(pk=OuterRef("product_id"))
        return self.filter(target=target).filter(~Exists(visible)).values_list("product_id", flat=True)


class OutboxEntry(models.Model):
    """A product whose document must be rebuilt in one index target.

    Written in the same transaction as the change (see :mod:`pim.search.signals`); at most one
    row per product and target: a further change refreshes ``token``, so a drain that read the
    row before that change leaves it in place and the product is indexed again.
    """

    target = models.CharField(_("index target"), max_length=32)
    product_id = models.BigIntegerField(_("product id"))
    token = models.UUIDField(default=uuid.uuid4)
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("first change"))
    changed_at = models.DateTimeField(_("last change"))
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_error = models.TextField(_("last error"), blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        verbose_name = _("search outbox entry")
        verbose_name_plural = _("search outbox entries")
        constraints = [
            models.UniqueConstraint(fields=["target", "product_id"], name="search_outbox_target_product")
        ]
        indexes = [models.Index(fields=["target", "next_attempt_at", "id"], name="search_outbox_due_idx")]

    def __str__(self):
        return f"{self.target}: product {self.product_id} ({self.reason})"


class IndexTarget(models.Model):
    """State of one index target ("database", "elasticsearch"): a lease so that one drain at a
    time writes to it, and the last success/error for ``search_status``."""

    name = models.CharField(max_length=32, primary_key=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("search index target")
        verbose_name_plural = _("search index targets")

    def __str__(self):
        return self.name


# --- the database backend's index ------------------------------------------------------------
class IndexEntry(models.Model):
    """One publicly visible product in the database backend's index."""

    product = models.OneToOneField(
        "catalog.Product", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    version = models.BigIntegerField(default=0)
    article_key = models.CharField(max_length=64, db_index=True)
    family_id = models.IntegerField(db_index=True)
    lifecycle = models.CharField(max_length=16, db_index=True)
    sort_name = models.JSONField(default=dict)
    listing = models.JSONField(default=dict)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search index entry")
        verbose_name_plural = _("search index entries")

    def __str__(self):
        return self.article_key


class IndexKey(models.Model):
    """Other exact identifiers of an entry: GTIN, manufacturer part number (normalized)."""

    pk = models.CompositePrimaryKey("key", "entry")
    key = models.CharField(max_length=64)
    entry = models.ForeignKey(IndexEntry, on_delete=models.CASCADE, related_name="keys")

    def __str__(self):
        return self.key


class IndexCategory(models.Model):
    pk = models.CompositePrimaryKey("category_id", "entry")
    category_id = models.IntegerField()
    entry = models.ForeignKey(IndexEntry, on_delete=models.CASCADE, related_name="categories")

    def __str__(self):
        return f"{self.entry_id} in {self.category_id}"


class IndexDownload(models.Model):
    """A kind of public download an entry offers (an :class:`pim.assets.models.AssetKind` code),
    for the downloads filter and facet."""

    pk = models.CompositePrimaryKey("kind", "entry")
    kind = models.CharField(max_length=32)
    entry = models.ForeignKey(IndexEntry, on_delete=models.CASCADE, related_name="downloads")

    def __str__(self):
        return f"{self.entry_id}: {self.kind}"


class IndexTerm(models.Model):
    """An analysed token of an entry (see :mod:`pim.search.analysis`); ``field`` 1 = name,
    2 = other text."""

    NAME, TEXT = 1, 2

    pk = models.CompositePrimaryKey("term", "field", "entry")
    term = models.CharField(max_length=64)
    field = models.PositiveSmallIntegerField()
    entry = models.ForeignKey(IndexEntry, on_delete=models.CASCADE, related_name="terms")

    def __str__(self):
        return self.term


class IndexValue(models.Model):
    """An effective attribute value of an entry, canonical numbers (variant inheritance
    already applied)."""

    entry = models.ForeignKey(IndexEntry, on_delete=models.CASCADE, related_name="values")
    attribute_id = models.IntegerField()
    option_id = models.IntegerField(null=True)
    number = models.FloatField(null=True)
    number_min = models.FloatField(null=True)
    number_max = models.FloatField(null=True)
    boolean = models.BooleanField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["attribute_id", "option_id", "entry"], name="search_value_option_idx"),
            models.Index(fields=["attribute_id", "number"], name="search_value_number_idx"),
            models.Index(fields=["attribute_id", "number_min", "number_max"], name="search_value_range_idx"),
            models.Index(fields=["attribute_id", "boolean"], name="search_value_bool_idx"),
        ]

    def __str__(self):
        return f"{self.entry_id}: attribute {self.attribute_id}"


class IndexVocabulary(models.Model):
    """Distinct terms, for typo-tolerant matching (terms within an edit distance)."""

    term = models.CharField(max_length=64, primary_key=True)
    initial = models.CharField(max_length=1)
    length = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [models.Index(fields=["initial", "length"], name="search_vocab_initial_idx")]

    def __str__(self):
        return self.term
