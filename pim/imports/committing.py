"""Writing one planned change the way the admin saves a product: through Wagtail's create and
edit actions, so every import is a revision attributed to the importing user, shown in the
product's history.

The rule for drafts and publishing (stated in the import admin):

- A **new product** arrives as a draft (``live=False``; lifecycle as the file gives it, else
  draft) with a first revision by the user.
- A change to a **published product** is saved as a **draft revision**: the live row, and
  so the public site, search and exports, stay as they were until someone publishes it.
- A change to a **product that is not published** is saved to it, with a revision.
- With ``publish``, the revision is published (Wagtail's publish action, as the admin's
  "Publish" button): the catalog's ``products_changed`` event follows, and with it search,
  completeness and export deltas.

A product with unpublished changes is edited on its latest revision (as the admin edits it),
so the import adds its changes to the pending draft instead of discarding it; publishing the
import then publishes that draft with it, as the admin's "Publish" would.
"""

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from modelcluster.models import get_all_child_m2m_relations, get_all_child_relations
from wagtail.actions.edit import EditAction
from wagtail.log_actions import get_active_log_context
from wagtail.log_actions import registry as log_registry
from wagtail.models import Revision

from pim.catalog.identifiers import normalize_article_number
from pim.catalog.models import Lifecycle, PackingUnit, Product, ProductPrice, ProductRelation
from pim.catalog.signals import products_bulk_saved

from .inserts import insert_rows
from .planning import CREATE, INVALID, UNCHANGED, PlannedChange, current_price

# accessor name -> the child model's key to the product
_CHILD_KEYS = {rel.get_accessor_name(): rel.field.name for rel in get_all_child_relations(Product)}
# field name -> (the through model's key to the product, its key to the target)
_M2M_FIELDS = {
    field.name: (field.m2m_column_name(), field.m2m_reverse_name())
    for field in get_all_child_m2m_relations(Product)
}


class NotApplicable(ValueError):
    """The planned change has errors and cannot be written."""


def apply(change: PlannedChange, *, user, publish: bool) -> Product:
    """Write ``change`` (see the module docstring for drafts and publishing) and return the
    product. Nothing is written for an unchanged product, even with ``publish``: an import
    publishes its own changes, not a draft someone else left pending."""
    if change.action == INVALID:
        raise NotApplicable(f"{change.article_number}: the planned change has errors")
    if change.action == UNCHANGED:
        return change.product
    with transaction.atomic():
        if change.action == CREATE:
            return _create(change, user=user, publish=publish)
        product = _editable(change.product.pk)
        _write(product, change)
        EditAction(product, user=user, publish=publish, clean=False).execute(skip_permission_checks=True)
        return product


def apply_deferred_relations(change: PlannedChange, *, user, publish: bool) -> Product | None:
    """Second pass after a whole file: link the relations whose targets came later in the
    file than the product (see :mod:`pim.imports.planning`). Another revision by ``user``;
    targets still missing are left out (the planner warned about them)."""
    if not change.deferred_relations or change.action == INVALID:
        return None
    numbers = [n for numbers in change.deferred_relations.values() for n in numbers]
    targets = {
        p.article_number_key: p
        for p in Product.objects.filter(article_number_key__in={normalize_article_number(n) for n in numbers})
    }
    if change.action == CREATE and not publish:
        return _link_created(change, targets, user=user)
    with transaction.atomic():
        product = _editable(
            Product.objects.get(article_number_key=normalize_article_number(change.article_number)).pk
        )
        relations = list(product.relations.all())
        new_rows, successor = _late_links(product, relations, change, targets)
        if not new_rows and successor is None:
            return product
        if successor is not None:
            product.successor = successor
        product.relations = relations + new_rows
        EditAction(product, user=user, publish=publish, clean=False).execute(skip_permission_checks=True)
        return product


def _late_links(
    product, relations: list, change: PlannedChange, targets: dict
) -> tuple[list, Product | None]:
    """The relation rows to add to ``product`` (besides its ``relations``) and its successor
    (None: unchanged) for ``change``'s relations to products later in the file; targets that
    never came, and the product itself, are left out."""
    new_rows, successor = [], None
    for kind, kind_numbers in change.deferred_relations.items():
        for number in kind_numbers:
            target = targets.get(normalize_article_number(number))
            if target is None or target.pk == product.pk:
                continue
            if kind == "successor":
                successor = target
            elif not any(r.kind == kind and r.target_id == target.pk for r in [*relations, *new_rows]):
                new_rows.append(ProductRelation(product=product, kind=kind, target=target))
    return new_rows, successor


def _link_created(change: PlannedChange, targets: dict, *, user) -> Product:
    """The late relations of one draft this import created (see :func:`link_created`)."""
    return link_created([change], user=user, targets=targets)[0]


def link_created(changes: list[PlannedChange], *, user, targets: dict | None = None) -> list[Product]:
    """The late relations of drafts this import created, for a batch of them: their rows are
    exactly their first revision, so the new relation rows are inserted in bulk and the second
    revision of each is made from its rows in memory (Wagtail's edit action would rebuild each
    product from its revision and save its whole cluster again, which cost as much as creating
    it). Returns the products, linked or not."""
    if targets is None:
        numbers = {n for change in changes for kind in change.deferred_relations.values() for n in kind}
        targets = {
            p.article_number_key: p
            for p in Product.objects.filter(
                article_number_key__in={normalize_article_number(n) for n in numbers}
            ).only("pk", "article_number", "article_number_key")
        }
    with transaction.atomic():
        keys = [normalize_article_number(change.article_number) for change in changes]
        by_key = {p.article_number_key: p for p in Product.objects.filter(article_number_key__in=keys)}
        products = [by_key[key] for key in keys]
        _load_children(products)
        now = timezone.now()
        linked, added = [], []
        for product, change in zip(products, changes, strict=True):
            relations = list(product.relations.all())
            new_rows, successor = _late_links(product, relations, change, targets)
            if not new_rows and successor is None:
                continue
            if new_rows:
                added.extend(new_rows)
                # In memory for the revision (not committed again: nothing saves the cluster).
                product.relations = relations + new_rows
            if successor is not None:
                product.successor = successor
            product.updated_at = now
            linked.append(product)
        if not linked:
            return products
        ProductRelation.objects.bulk_create(added, batch_size=500)
        Product.objects.bulk_update(linked, ["successor", "updated_at"], batch_size=250)
        _revise(linked, user=user, action="wagtail.edit", now=now)
        products_bulk_saved.send(sender=Product, products=linked)
        return products


def create_drafts(changes: list[PlannedChange], *, user) -> list[Product]:
    """The new products of a batch as drafts, written in bulk: what Wagtail's create action
    does for each (a draft row with its child rows, its first revision by ``user`` and the
    ``wagtail.create`` log entry) with one ``bulk_create`` per table for the whole batch, and
    the catalog's ``products_bulk_saved`` once for the batch in place of each product's save
    receivers (search, page cache, reference index). Saving a cluster commits every row on
    its own with its save signals, which made a new product cost about 40 queries."""
    if any(change.action != CREATE for change in changes):
        raise NotApplicable("create_drafts writes new products only")
    if not changes:
        return []
    now = timezone.now()
    products, children = [], []
    for change in changes:
        product = Product(
            article_number=change.article_number, family=change.family, lifecycle=Lifecycle.DRAFT
        )
        _write(product, change)
        product.live = False
        product.fill_derived_fields()
        # The in-memory rows are taken off the product so that they are inserted per table.
        in_memory = getattr(product, "_cluster_related_objects", {})
        named = {name: in_memory.pop(name) for name in list(in_memory)}
        # A new product has no other rows: in memory as empty, so that its revision does not
        # ask the database for each relation the file did not fill.
        for name in (*_CHILD_KEYS, *_M2M_FIELDS):
            named.setdefault(name, [])
        children.append(named)
        products.append(product)
    Product.objects.bulk_create(products, batch_size=500)
    # (model, key to the product: None for category links, which need no keys back) -> rows
    rows_by_model: dict[tuple, list] = defaultdict(list)
    for product, named in zip(products, children, strict=True):
        for name, rows in named.items():
            if name in _M2M_FIELDS:
                through = Product._meta.get_field(name).remote_field.through
                source, target = _M2M_FIELDS[name]
                rows_by_model[through, None] += [
                    through(**{source: product.pk, target: row.pk}) for row in rows
                ]
                continue
            for row in rows:
                setattr(row, _CHILD_KEYS[name], product)
            if rows:
                rows_by_model[type(rows[0]), _CHILD_KEYS[name]] += rows
    for (model, key), rows in rows_by_model.items():
        insert_rows(model, rows, parent_key=key)
    for product, named in zip(products, children, strict=True):
        # Back in memory (not committed again), so the revision serializes them without
        # reading them back.
        for name, rows in named.items():
            setattr(product, name, rows)
    _revise(products, user=user, action="wagtail.create", now=now)
    products_bulk_saved.send(sender=Product, products=products)
    return products


def _create(change: PlannedChange, *, user, publish: bool) -> Product:
    """One new product as :func:`create_drafts` writes a batch; published through its
    revision when asked (Wagtail's publish action, as the admin's "Publish")."""
    product = create_drafts([change], user=user)[0]
    if publish:
        product.latest_revision.publish(user=user, skip_permission_checks=True)
    return product


def _revise(products: list[Product], *, user, action: str, now) -> None:
    """A revision of each product from its row and rows in memory, made its latest (the
    product has unpublished changes), and the log entry of ``action``: what ``save_revision``
    and ``log`` do for one product, in bulk."""
    content_type = Product.get_content_type()
    base_content_type = Product.get_base_content_type()
    revisions = [
        Revision(
            content_type=content_type,
            base_content_type=base_content_type,
            object_id=str(product.pk),
            user=user,
            created_at=now,
            content=product.serializable_data(),
            object_str=str(product),
        )
        for product in products
    ]
    Revision.objects.bulk_create(revisions, batch_size=500)
    for product, revision in zip(products, revisions, strict=True):
        product.latest_revision = revision
        product.has_unpublished_changes = True
    # One statement: each product's newest revision (a bulk_update names every row in a CASE).
    newest = Revision.objects.filter(content_type=content_type, object_id=Cast(OuterRef("pk"), CharField()))
    Product.objects.filter(pk__in=[product.pk for product in products]).update(
        latest_revision=Subquery(newest.order_by("-pk").values("pk")[:1]), has_unpublished_changes=True
    )
    log_model = log_registry.get_log_model_for_model(Product)
    if log_model is None:
        return  # as ``log``: no log for this model
    uuid = get_active_log_context().uuid
    entries = [
        log_model(
            content_type=content_type,
            label=str(product) or f"Product object ({product.pk})",
            action=action,
            timestamp=now,
            data={},
            user=user,
            uuid=uuid,
            revision=revision,
            content_changed=True,
            object_id=str(product.pk),
        )
        for product, revision in zip(products, revisions, strict=True)
    ]
    # What a log entry's save checks (a registered action): the same for every entry.
    entries[0].clean()
    log_model.objects.bulk_create(entries, batch_size=500)


def _load_children(products: list[Product]) -> None:
    """The products' child rows (values, prices, relations, packing units) and categories in
    memory, one query per relation (a prefetch through the cluster's managers builds a
    queryset per product)."""
    by_pk = {product.pk: product for product in products}
    for name, key in _CHILD_KEYS.items():
        model = Product._meta.get_field(name).related_model
        rows: dict[int, list] = {pk: [] for pk in by_pk}
        for row in model.objects.filter(**{f"{key}_id__in": by_pk}):
            rows[getattr(row, f"{key}_id")].append(row)
        for pk, product_rows in rows.items():
            setattr(by_pk[pk], name, product_rows)
    for name, (source, target) in _M2M_FIELDS.items():
        field = Product._meta.get_field(name)
        links = list(
            field.remote_field.through.objects.filter(**{f"{source}__in": by_pk}).values_list(source, target)
        )
        targets = field.related_model.objects.in_bulk({target_id for _pk, target_id in links})
        chosen: dict[int, list] = {pk: [] for pk in by_pk}
        for pk, target_id in links:
            chosen[pk].append(targets[target_id])
        for pk, rows in chosen.items():
            setattr(by_pk[pk], name, rows)


def _editable(pk) -> Product:
    """The product as the admin edits it: the latest revision when it has unpublished
    changes, else the stored row."""
    product = Product.objects.get(pk=pk)
    if product.has_unpublished_changes and product.latest_revision_id:
        return product.get_latest_revision_as_object()
    return product


def _write(product: Product, change: PlannedChange) -> None:
    """Put the planned changes onto ``product`` in memory (its cluster: values, prices,
    relations, packing units and categories are saved with the product or its revision)."""
    patch = change.patch
    for name, value in patch.fields.items():
        setattr(product, name, value)
    if "product_model" in patch.fields and patch.fields["product_model"] is not None:
        product.family = patch.fields["product_model"].family
    for name, value in patch.localized.items():
        setattr(product, name, value)
    if patch.values:
        kept = [row for row in product.values.all() if row.attribute.code not in patch.values]
        new_rows = [row for rows in patch.values.values() for row in rows]
        product.values = kept + new_rows
    if patch.prices is not None:
        product.prices = _prices(list(product.prices.all()), patch.prices)
    if patch.categories is not None:
        product.categories = list(patch.categories)
    if patch.relations is not None:
        rows = [r for r in product.relations.all() if r.kind not in patch.relations]
        for kind, targets in patch.relations.items():
            for order, (target_id, quantity) in enumerate(targets):
                rows.append(
                    ProductRelation(kind=kind, target_id=target_id, quantity=quantity, sort_order=order)
                )
        product.relations = rows
    if patch.successor is not None:
        product.successor_id = patch.successor or None
    if patch.packing_units is not None:
        product.packing_units = [
            PackingUnit(sort_order=order, **values) for order, values in enumerate(patch.packing_units)
        ]


def _prices(existing: list, plan) -> list:
    if plan.replace_all:
        kept = {}
        for price in existing:
            kept.setdefault((price.price_type, price.currency, price.min_quantity, price.valid_from), price)
        rows = []
        for values in plan.rows:
            key = (
                values["price_type"],
                values["currency"],
                Decimal(values["min_quantity"]),
                values.get("valid_from"),
            )
            price = kept.pop(key, None) or ProductPrice()
            for name, value in values.items():
                setattr(price, name, value)
            rows.append(price)
        return rows
    rows = list(existing)
    today = timezone.localdate()
    for (price_type, currency), amount in plan.current.items():
        current = current_price(rows, price_type, currency, today)
        if amount is None:
            if current is not None:
                rows.remove(current)
        elif current is not None:
            current.amount = amount
        else:
            rows.append(ProductPrice(price_type=price_type, currency=currency, amount=amount))
    return rows
