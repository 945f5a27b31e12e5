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

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from modelcluster.models import get_all_child_m2m_relations, get_all_child_relations
from wagtail.actions.edit import EditAction
from wagtail.log_actions import log

from pim.catalog.identifiers import normalize_article_number
from pim.catalog.models import Lifecycle, PackingUnit, Product, ProductPrice, ProductRelation

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
        linked = False
        for kind, kind_numbers in change.deferred_relations.items():
            for number in kind_numbers:
                target = targets.get(normalize_article_number(number))
                if target is None or target.pk == product.pk:
                    continue
                if kind == "successor":
                    product.successor = target
                    linked = True
                elif not any(r.kind == kind and r.target_id == target.pk for r in relations):
                    relations.append(ProductRelation(kind=kind, target=target))
                    linked = True
        if not linked:
            return product
        product.relations = relations
        EditAction(product, user=user, publish=publish, clean=False).execute(skip_permission_checks=True)
        return product


def _link_created(change: PlannedChange, targets: dict, *, user) -> Product:
    """The late relations of a draft this import created: its row and rows are exactly its
    first revision, so the new relation rows are inserted in bulk and the second revision is
    saved from the row, instead of rebuilding the product from its revision and saving the
    whole cluster again (Wagtail's edit action), which cost as much as creating it."""
    with transaction.atomic():
        product = Product.objects.prefetch_related(*_CHILD_KEYS, *_M2M_FIELDS).get(
            article_number_key=normalize_article_number(change.article_number)
        )
        relations = list(product.relations.all())
        added, successor = [], None
        for kind, kind_numbers in change.deferred_relations.items():
            for number in kind_numbers:
                target = targets.get(normalize_article_number(number))
                if target is None or target.pk == product.pk:
                    continue
                if kind == "successor":
                    successor = target
                elif not any(r.kind == kind and r.target_id == target.pk for r in [*relations, *added]):
                    added.append(ProductRelation(product=product, kind=kind, target=target))
        if not added and successor is None:
            return product
        if added:
            ProductRelation.objects.bulk_create(added)
            # In memory for the revision; its save names only its own fields, so they are
            # not committed a second time.
            product.relations = relations + added
        if successor is not None:
            product.successor = successor
            Product.objects.filter(pk=product.pk).update(successor=successor, updated_at=timezone.now())
        revision = product.save_revision(user=user, clean=False, log_action=False)
        log(instance=product, action="wagtail.edit", user=user, revision=revision, content_changed=True)
        return product


def _create(change: PlannedChange, *, user, publish: bool) -> Product:
    """What Wagtail's create action does (a draft row, its first revision by ``user``, the
    ``wagtail.create`` log entry, a publish through the revision when asked), but the new
    product's child rows go in with one ``bulk_create`` per relation: saving a cluster commits
    every row on its own, with its save signals, which made a new product cost about 40
    queries. The rows' own save receivers have nothing to do here: the product's save already
    records the search change, invalidates its (not yet public) page and queues its reference
    index update, which reads the child rows when it runs."""
    product = Product(article_number=change.article_number, family=change.family, lifecycle=Lifecycle.DRAFT)
    _write(product, change)
    product.live = False
    # The in-memory rows are taken off the product so that its save writes the row alone.
    in_memory = getattr(product, "_cluster_related_objects", {})
    children = {name: in_memory.pop(name) for name in list(in_memory)}
    product.save()
    for name, rows in children.items():
        if name in _M2M_FIELDS:
            through = Product._meta.get_field(name).remote_field.through
            source, target = _M2M_FIELDS[name]
            through.objects.bulk_create([through(**{source: product.pk, target: row.pk}) for row in rows])
            continue
        if not rows:
            continue
        for row in rows:
            setattr(row, _CHILD_KEYS[name], product)
        type(rows[0]).objects.bulk_create(rows)
    for name, rows in children.items():
        # Back in memory (and not committed again: the revision's save names only its own
        # field), so the revision serializes them without reading them back.
        setattr(product, name, rows)
    revision = product.save_revision(user=user, clean=False, log_action=False)
    log(instance=product, action="wagtail.create", user=user, revision=revision, content_changed=True)
    if publish:
        revision.publish(user=user, skip_permission_checks=True)
    return product


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
        product.successor = patch.successor or None
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
