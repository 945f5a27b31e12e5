"""Change detection of the notice engine: the published state of a product as its
subscribers see it, the difference between two such states, and the drain of pending checks.

Only the published state counts. Products and series are Wagtail snippets with
``DraftStateMixin``: the ``Product`` row (and its price rows) hold what is published, a draft
edit only writes a revision, so reading the rows never reads a draft. A product that is not
publicly visible (``Product.is_publicly_visible``) contributes nothing but that fact: no
lifecycle, no documents, no prices, and a successor is named only while it is visible itself.

Flow (the house outbox pattern, see :mod:`pim.search.indexing`):

1. ``products_changed`` (publish, unpublish, delete, asset changes…) → :func:`record_changes`
   writes a :class:`~pim.inquiries.models.PendingCheck` per product that a confirmed
   subscription covers, in the transaction of the change (one query to find them).
2. The ``detect_changes`` task → :func:`detect_pending`: per batch, in one transaction, the
   states are read, compared with the :class:`~pim.inquiries.models.WatchedState` baseline,
   :class:`~pim.inquiries.models.Notice` rows and the waiting
   :class:`~pim.inquiries.models.DigestEntry` rows per address are written, the baseline is
   replaced and the pending rows are deleted. A worker that dies mid-batch rolls the whole
   batch back; the rows are still pending for the next run.
3. A subscription that becomes confirmed records the baseline of the products it covers that
   have none (:func:`record_baselines`): it starts from what the subscriber saw.
"""

import logging
import uuid
from collections import defaultdict
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from pim.assets.exchange import available_links_for_products
from pim.assets.models import AssetKind
from pim.catalog.models import Lifecycle, Product, ProductModel, ProductPrice

from .models import DigestEntry, Notice, NoticeKind, PendingCheck, Subscription, WatchedState

logger = logging.getLogger("pim.inquiries")

BATCH_SIZE = 200

# Files engineers are told about. Images, videos and software are not "documents" here; the
# datasheet generated from the product data is not an uploaded file and never counts.
DOCUMENT_KINDS = (
    AssetKind.DATASHEET,
    AssetKind.CERTIFICATE,
    AssetKind.DECLARATION,
    AssetKind.CAD_3D,
    AssetKind.CAD_2D,
    AssetKind.MANUAL,
)


# --- published state ----------------------------------------------------------------------------
def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _names(product) -> dict[str, str]:
    return {language: product.display_name(language) for language in settings.PIM_LANGUAGES}


def published_states(product_ids) -> dict[int, dict]:
    """Per existing product id: its state as subscribers see it (JSON-ready). Products that do
    not exist are missing from the result. Bulk: a fixed number of queries for a batch."""
    ids = sorted({int(pk) for pk in product_ids})
    if not ids:
        return {}
    products = list(
        Product.objects.filter(pk__in=ids).select_related("product_model", "successor__product_model")
    )
    visible = {product.pk for product in products if product.is_publicly_visible()}
    links = available_links_for_products(visible) if visible else {}
    prices = defaultdict(dict)
    if settings.PIM_PUBLIC_PRICES and visible:
        rows = ProductPrice.objects.filter(
            product_id__in=visible, price_type=ProductPrice.PriceType.NET_LIST
        ).values_list("product_id", "currency", "min_quantity", "valid_from", "amount")
        for product_id, currency, min_quantity, valid_from, amount in rows:
            key = f"{currency}|{min_quantity.normalize():f}|{_iso(valid_from) or ''}"
            prices[product_id][key] = f"{amount.normalize():f}"

    states = {}
    for product in products:
        state = {"visible": False, "product_model_id": product.product_model_id}
        if product.pk in visible:
            successor = product.successor
            named = successor is not None and successor.is_publicly_visible()
            state.update(
                visible=True,
                article_number=product.article_number,
                name=_names(product),
                lifecycle=product.lifecycle,
                phase_out_date=_iso(product.phase_out_date),
                discontinued_date=_iso(product.discontinued_date),
                successor=(
                    {"article_number": successor.article_number, "name": _names(successor)} if named else None
                ),
                documents={
                    str(link.asset_id): {
                        "kind": link.asset.kind,
                        "title": dict(link.asset.title or {}),
                        "revision": link.asset.current_revision.number,
                        "sha256": link.asset.current_revision.sha256,
                    }
                    for link in links.get(product.pk, [])
                    if link.asset.kind in DOCUMENT_KINDS and link.asset.current_revision is not None
                },
            )
            if settings.PIM_PUBLIC_PRICES:
                state["prices"] = prices.get(product.pk, {})
        states[product.pk] = state
    return states


# --- difference ---------------------------------------------------------------------------------
def _lifecycle_changes(old: dict, new: dict) -> list[dict]:
    changes = []
    if old["lifecycle"] != new["lifecycle"]:
        if new["lifecycle"] == Lifecycle.PHASE_OUT:
            changes.append({"event": "phase_out", "date": new["phase_out_date"]})
        elif new["lifecycle"] == Lifecycle.DISCONTINUED:
            changes.append({"event": "discontinued", "date": new["discontinued_date"]})
        elif new["lifecycle"] == Lifecycle.ACTIVE:
            changes.append({"event": "active", "old": old["lifecycle"]})
    else:
        for field, lifecycle in (
            ("phase_out_date", Lifecycle.PHASE_OUT),
            ("discontinued_date", Lifecycle.DISCONTINUED),
        ):
            if new["lifecycle"] == lifecycle and old[field] != new[field]:
                changes.append({"event": field, "old": old[field], "new": new[field]})
    before, after = old.get("successor"), new.get("successor")
    if after and (not before or before["article_number"] != after["article_number"]):
        changes.append({"event": "successor", **after})
    elif before and not after:
        changes.append({"event": "successor_withdrawn", **before})
    return changes


def _document_changes(old: dict, new: dict) -> list[dict]:
    changes = []
    for asset_id, document in new.items():
        previous = old.get(asset_id)
        if previous is None:
            changes.append({"event": "document_added", "asset": asset_id, **_document(document)})
        elif (previous["revision"], previous["sha256"]) != (document["revision"], document["sha256"]):
            changes.append(
                {
                    "event": "document_revised",
                    "asset": asset_id,
                    "revision": document["revision"],
                    **_document(document),
                }
            )
    for asset_id, document in old.items():
        if asset_id not in new:
            changes.append({"event": "document_removed", "asset": asset_id, **_document(document)})
    return changes


def _document(document: dict) -> dict:
    return {"kind": document["kind"], "title": document["title"]}


def _price_changes(old: dict, new: dict) -> list[dict]:
    changes = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            currency, min_quantity, valid_from = key.split("|")
            changes.append(
                {
                    "event": "price",
                    "currency": currency,
                    "min_quantity": min_quantity,
                    "valid_from": valid_from or None,
                    "old": old.get(key),
                    "new": new.get(key),
                }
            )
    return changes


def diff(old: dict | None, new: dict | None) -> dict[str, list[dict]]:
    """What changed between two states of :func:`published_states`, by notice kind. ``old``
    None (no baseline) tells nothing; ``new`` None means the product was deleted."""
    if old is None:
        return {}
    was_visible, is_visible = bool(old.get("visible")), bool(new and new.get("visible"))
    if was_visible and not is_visible:
        return {NoticeKind.LIFECYCLE: [{"event": "unavailable"}]}
    if is_visible and not was_visible:
        return {NoticeKind.LIFECYCLE: [{"event": "available", "lifecycle": new["lifecycle"]}]}
    if not is_visible:
        return {}
    changes = {
        NoticeKind.LIFECYCLE: _lifecycle_changes(old, new),
        NoticeKind.DOCUMENTS: _document_changes(old.get("documents", {}), new.get("documents", {})),
    }
    # Prices are compared only when both states know them (PIM_PUBLIC_PRICES was on for both).
    if "prices" in old and "prices" in new:
        changes[NoticeKind.PRICES] = _price_changes(old["prices"], new["prices"])
    return {kind: items for kind, items in changes.items() if items}


# --- recording changes (in the transaction of the change) ---------------------------------------
def watched_product_ids(product_ids) -> set[int]:
    """Those of ``product_ids`` whose changes someone may be told about: a confirmed
    subscription covers the product or its series, or the product has a baseline (a deleted
    variant still has its baseline, not its subscriptions). One query."""
    ids = sorted({int(pk) for pk in product_ids if pk is not None})
    if not ids:
        return set()
    direct = Subscription.objects.filter(confirmed_at__isnull=False, product_id__in=ids).values_list(
        "product_id"
    )
    via_series = Product.objects.filter(
        pk__in=ids, product_model__notice_subscriptions__confirmed_at__isnull=False
    ).values_list("pk")
    baselined = WatchedState.objects.filter(product_id__in=ids).values_list("product_id")
    return {pk for (pk,) in direct.order_by().union(via_series.order_by(), baselined.order_by())}


def record_changes(product_ids) -> int:
    """Record, in the current transaction, that the watched ones of ``product_ids`` changed.
    Returns how many were recorded (0: nobody listens, nothing to do)."""
    ids = watched_product_ids(product_ids)
    if not ids:
        return 0
    now = timezone.now()
    PendingCheck.objects.bulk_create(
        [PendingCheck(product_id=pk, changed_at=now, token=uuid.uuid4()) for pk in sorted(ids)],
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["product_id"],
        update_fields=["changed_at", "token"],
    )
    return len(ids)


def covered_product_ids(subscription: Subscription) -> list[int]:
    """The products a subscription covers now: its product, or every variant of its series."""
    if subscription.product_id:
        return [subscription.product_id]
    return list(
        Product.objects.filter(product_model_id=subscription.product_model_id).values_list("pk", flat=True)
    )


def record_baselines(subscription: Subscription) -> int:
    """Record the current published state of the products ``subscription`` covers that have
    no baseline yet (called when it becomes confirmed). Returns how many were recorded."""
    ids = covered_product_ids(subscription)
    known = set(WatchedState.objects.filter(product_id__in=ids).values_list("product_id", flat=True))
    states = published_states(set(ids) - known)
    WatchedState.objects.bulk_create(
        [
            WatchedState(product_id=pk, product_model_id=state["product_model_id"], state=state)
            for pk, state in states.items()
        ],
        ignore_conflicts=True,
    )
    return len(states)


# --- detection ----------------------------------------------------------------------------------
def detect_pending(batch_size: int = BATCH_SIZE) -> int:
    """Compare every pending product with its baseline and write the notices and what each
    address is due; each batch in one transaction. Returns the number of products checked.

    Rows are read once each (keyset by product id), so a stream of edits cannot keep one run
    going forever; a product changed again meanwhile keeps its row (new token) for the next
    run. Where the database can (PostgreSQL) the batch's rows are locked and rows another
    worker holds are skipped, so two workers never compare the same product twice."""
    handled, last = 0, 0
    skip_locked = connection.features.has_select_for_update_skip_locked
    while True:
        with transaction.atomic():
            pending = PendingCheck.objects.filter(product_id__gt=last).order_by("product_id")
            if skip_locked:
                pending = pending.select_for_update(skip_locked=True)
            rows = list(pending[:batch_size])
            if not rows:
                return handled
            last = rows[-1].product_id
            _check(rows)
            handled += len(rows)


def _check(rows: list[PendingCheck]) -> list[Notice]:
    ids = [row.product_id for row in rows]
    states = published_states(ids)
    baselines = {state.product_id: state for state in WatchedState.objects.filter(product_id__in=ids)}
    model_of = {
        pk: (states.get(pk) or {}).get("product_model_id")
        or getattr(baselines.get(pk), "product_model_id", None)
        for pk in ids
    }
    direct, series = _subscribed(ids, {model for model in model_of.values() if model})
    now = timezone.now()
    notices, new_baselines, changed_baselines, dropped = [], [], [], []
    for row in rows:
        pk, new, baseline = row.product_id, states.get(row.product_id), baselines.get(row.product_id)
        if (pk not in direct and model_of[pk] not in series) or (new is None and baseline is None):
            dropped.append(pk)  # nobody listens (any more): forget the baseline
            continue
        if baseline is None:
            new_baselines.append(
                WatchedState(product_id=pk, product_model_id=new["product_model_id"], state=new)
            )
            # A variant added to a subscribed series after the subscription: its first public
            # appearance is news to the series' subscribers.
            if new["visible"] and model_of[pk] in series:
                changes = {NoticeKind.LIFECYCLE: [{"event": "available", "lifecycle": new["lifecycle"]}]}
                notices += _notices(pk, new, None, changes, row.changed_at)
            continue
        notices += _notices(pk, new, baseline.state, diff(baseline.state, new), row.changed_at)
        if new is None:
            dropped.append(pk)
        elif new != baseline.state:
            baseline.state, baseline.product_model_id, baseline.updated_at = new, new["product_model_id"], now
            changed_baselines.append(baseline)

    _existing_series(notices)
    Notice.objects.bulk_create(notices)
    WatchedState.objects.bulk_create(new_baselines, ignore_conflicts=True)
    WatchedState.objects.bulk_update(changed_baselines, ["state", "product_model_id", "updated_at"])
    WatchedState.objects.filter(product_id__in=dropped).delete()
    fan_out(notices)
    PendingCheck.objects.filter(product_id__in=ids, token__in=[row.token for row in rows]).delete()
    return notices


def _subscribed(product_ids, model_ids) -> tuple[set[int], set[int]]:
    """Of these products and series, those with a confirmed subscription. One query."""
    direct, series = set(), set()
    rows = Subscription.objects.filter(confirmed_at__isnull=False).filter(
        Q(product_id__in=product_ids) | Q(product_model_id__in=model_ids)
    )
    for product_id, model_id in rows.values_list("product_id", "product_model_id").distinct().order_by():
        if product_id:
            direct.add(product_id)
        else:
            series.add(model_id)
    return direct, series


def _notices(pk, new, old, changes, changed_at) -> list[Notice]:
    if not changes:
        return []
    # What the subscriber knew the product as: the new state while it is public, else the old.
    shown = new if new and new.get("visible") else old
    model_id = (new or old or {}).get("product_model_id")
    return [
        Notice(
            product_id=pk if new is not None else None,
            product_model_id=model_id,
            article_number=shown["article_number"],
            product_name=shown["name"],
            kind=kind,
            details={"changes": items},
            changed_at=changed_at,
        )
        for kind, items in changes.items()
    ]


def _existing_series(notices: list[Notice]) -> None:
    # A deleted variant's series may be gone too (deleted after its last variant).
    orphans = {n.product_model_id for n in notices if n.product_id is None and n.product_model_id}
    if orphans:
        alive = set(ProductModel.objects.filter(pk__in=orphans).values_list("pk", flat=True))
        for notice in notices:
            if notice.product_model_id in orphans - alive:
                notice.product_model_id = None


def fan_out(notices: list[Notice]) -> int:
    """Write a waiting :class:`DigestEntry` per address that ``notices`` are due to: confirmed
    subscriptions of the product or its series that asked for the notice's kind and were
    confirmed before the change was published. One entry per address and notice (a product
    subscription wins over a series subscription of the same address). Returns the count."""
    product_ids = {n.product_id for n in notices if n.product_id}
    model_ids = {n.product_model_id for n in notices if n.product_model_id}
    if not product_ids and not model_ids:
        return 0
    by_product, by_series = defaultdict(list), defaultdict(list)
    subscriptions = Subscription.objects.filter(confirmed_at__isnull=False).filter(
        Q(product_id__in=product_ids) | Q(product_model_id__in=model_ids)
    )
    for subscription in subscriptions.order_by("pk"):
        if subscription.product_id:
            by_product[subscription.product_id].append(subscription)
        else:
            by_series[subscription.product_model_id].append(subscription)
    entries = []
    for notice in notices:
        addresses = set()
        for subscription in [
            *by_product.get(notice.product_id, []),
            *by_series.get(notice.product_model_id, []),
        ]:
            if (
                getattr(subscription, notice.kind)
                and subscription.confirmed_at < notice.changed_at
                and subscription.email not in addresses
            ):
                addresses.add(subscription.email)
                entries.append(
                    DigestEntry(email=subscription.email, notice=notice, subscription=subscription)
                )
    DigestEntry.objects.bulk_create(entries, batch_size=2000, ignore_conflicts=True)
    return len(entries)


def pending_count() -> int:
    return PendingCheck.objects.count()
