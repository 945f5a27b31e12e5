"""Change-notice digests: one message per address with what it has not been told yet.

Rhythm: at most one digest per address per ``PIM_NOTICE_DIGEST_HOURS``. The first one goes
out as soon as there is something to say; later ones wait until that many hours have passed
since the address's previous digest was claimed (:func:`due_addresses` says when; the task
queues itself for that moment).

Sending is claim, send, stamp:

1. **claim** (:func:`claim`; :func:`send_due` claims up to ``CLAIM_CHUNK`` addresses per
   transaction): a :class:`~pim.inquiries.models.Digest` is created with a fixed Message-ID
   and the address's waiting :class:`~pim.inquiries.models.DigestEntry` rows are attached to
   it, in one transaction. Entries are unique per
   address and notice, so a notice is claimed for an address at most once.
2. **send** (:func:`send`): a sender takes a lease on the digest (a conditional UPDATE, so two
   workers never send one digest at the same time), renders it from its entries and hands it
   to the mail backend.
3. **stamp**: ``sent_at`` is written; a digest with ``sent_at`` is never sent again.

A worker that dies after the claim leaves a digest without ``sent_at``: the next run sends it
(at once if it had not been taken yet, after the lease
``PIM_NOTICE_SEND_LEASE_SECONDS`` otherwise). Nothing is lost.

The remaining window, honestly: a worker killed after the mail server accepted the message
and before ``sent_at`` was committed sends that digest again. Both copies carry the same
Message-ID (fixed at the claim), so receiving systems that deduplicate by Message-ID show it
once; others show it twice. Closing this window would need the mail server to take part in
our transaction, which SMTP cannot do.
"""

import contextlib
import logging
import uuid
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from pim.assets.models import AssetKind
from pim.catalog.localization import localize
from pim.catalog.models import Product, ProductModel

from .models import Digest, DigestEntry, Notice, NoticeKind
from .subscriptions import absolute_url, digest_rhythm, manage_url, unsubscribe_all_url, unsubscribe_url

logger = logging.getLogger("pim.inquiries")

KIND_ORDER = {kind: index for index, kind in enumerate(NoticeKind.values)}


def digest_interval() -> timedelta:
    return timedelta(hours=settings.PIM_NOTICE_DIGEST_HOURS)


def lease_seconds() -> int:
    """How long a sender holds a digest; after that another run may send it (a worker that
    died). Longer than any mail server takes to accept one message."""
    return settings.PIM_NOTICE_SEND_LEASE_SECONDS


# --- when --------------------------------------------------------------------------------------
def due_addresses(now: datetime | None = None) -> dict[str, datetime]:
    """Every address with waiting entries and the moment its next digest may be claimed
    (``now`` or earlier: at once). Two queries, whatever the number of addresses."""
    now = now or timezone.now()
    waiting = set(DigestEntry.objects.filter(digest__isnull=True).values_list("email", flat=True).distinct())
    if not waiting:
        return {}
    since = now - digest_interval()
    recent = dict(
        Digest.objects.filter(created_at__gt=since)
        .values_list("email")
        .annotate(last=Max("created_at"))
        .order_by()
    )
    interval = digest_interval()
    return {email: recent[email] + interval if email in recent else now for email in waiting}


# --- claim -------------------------------------------------------------------------------------
CLAIM_CHUNK = 500


def _lock_addresses(emails: list[str]) -> None:
    # One claimer per address at a time. SQLite's IMMEDIATE transactions already serialize
    # writers; PostgreSQL gets a transaction-scoped advisory lock per address, taken in one
    # order by everyone (sorted keys) so two claimers cannot deadlock.
    if connection.vendor == "postgresql":
        keys = sorted({zlib.crc32(f"pim.notice-digest:{email}".encode()) for email in emails})
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(key) FROM unnest(%s::bigint[]) AS key", [keys])


def _message_id() -> str:
    host = urlsplit(settings.PIM_PUBLIC_BASE_URL).hostname or "localhost"
    return f"<notice-digest.{uuid.uuid4().hex}@{host}>"


def _claim_addresses(emails: list[str], now: datetime) -> list[Digest]:
    """Claim, in one transaction, a digest for each of ``emails`` that is due and has
    waiting entries. A fixed number of queries for any number of addresses."""
    with transaction.atomic():
        _lock_addresses(emails)
        recent = set(
            Digest.objects.filter(email__in=emails, created_at__gt=now - digest_interval()).values_list(
                "email", flat=True
            )
        )
        # The language each address chose most recently.
        language = {}
        waiting = (
            DigestEntry.objects.filter(email__in=set(emails) - recent, digest__isnull=True)
            .order_by("email", "-subscription__confirmed_at")
            .values_list("email", "subscription__language")
        )
        for email, subscription_language in waiting:
            language.setdefault(email, subscription_language)
        if not language:
            return []
        claimed = Digest.objects.bulk_create(
            [
                Digest(email=email, language=language[email], created_at=now, message_id=_message_id())
                for email in sorted(language)
            ]
        )
        DigestEntry.objects.filter(email__in=list(language), digest__isnull=True).update(
            digest=Subquery(
                Digest.objects.filter(
                    pk__in=[digest.pk for digest in claimed], email=OuterRef("email")
                ).values("pk")[:1]
            )
        )
    return claimed


def claim(email: str, now: datetime | None = None) -> Digest | None:
    """Create the digest of ``email`` with all its waiting entries, in one transaction, if the
    address is due. None when it is not due or nothing waits (another worker claimed it)."""
    claimed = _claim_addresses([email], now or timezone.now())
    return claimed[0] if claimed else None


# --- send --------------------------------------------------------------------------------------
def _take(digest: Digest) -> bool:
    now = timezone.now()
    return bool(
        Digest.objects.filter(pk=digest.pk, sent_at__isnull=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .update(lease_until=now + timedelta(seconds=lease_seconds()), attempts=F("attempts") + 1)
    )


class LinkedCatalog:
    """The products and series the digests of one run name, read once per run (a digest
    shows their names and links; a run is seconds to minutes long)."""

    PRODUCT_FIELDS = (
        "article_number",
        "name",
        "live",
        "lifecycle",
        "product_model__code",
        "product_model__name",
        "product_model__live",
    )

    def __init__(self):
        self.products: dict[int, Product] = {}
        self.series: dict[int, ProductModel] = {}

    def attach(self, entries: list[DigestEntry]) -> None:
        """Set the product and series of every entry's notice and subscription; at most two
        queries, none once everything is known."""
        wanted = {e.notice.product_id for e in entries} | {e.subscription.product_id for e in entries}
        missing = wanted - set(self.products) - {None}
        if missing:
            rows = Product.objects.filter(pk__in=missing).select_related("product_model")
            self.products.update((product.pk, product) for product in rows.only(*self.PRODUCT_FIELDS))
        missing = {e.subscription.product_model_id for e in entries} - set(self.series) - {None}
        if missing:
            rows = ProductModel.objects.filter(pk__in=missing).only("code", "name", "live")
            self.series.update((series.pk, series) for series in rows)
        for entry in entries:
            entry.notice.product = self.products.get(entry.notice.product_id)
            entry.subscription.product = self.products.get(entry.subscription.product_id)
            entry.subscription.product_model = self.series.get(entry.subscription.product_model_id)


def digest_entries(digest: Digest, catalog: LinkedCatalog | None = None) -> list[DigestEntry]:
    """The entries of a digest with everything rendering needs."""
    entries = list(
        DigestEntry.objects.filter(digest=digest)
        .select_related("notice", "subscription")
        .order_by("notice__article_number", "notice_id")
    )
    (catalog or LinkedCatalog()).attach(entries)
    return entries


def send(digest: Digest, mail_connection=None, catalog: LinkedCatalog | None = None) -> bool:
    """Send one claimed digest unless another sender holds it or it was sent; stamp
    ``sent_at``. Returns whether a message went out. A digest whose entries were all
    unsubscribed meanwhile is dropped without a message."""
    if not _take(digest):
        return False
    entries = digest_entries(digest, catalog)
    if not entries:
        digest.delete()
        return False
    build_message(digest, entries, mail_connection).send()
    Digest.objects.filter(pk=digest.pk).update(sent_at=timezone.now(), lease_until=None)
    return True


@dataclass
class Outcome:
    """What one run did; ``next_due``: when the next run has something to do (None: nothing
    waits)."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0
    next_due: datetime | None = None

    def later(self, moment: datetime) -> None:
        self.next_due = moment if self.next_due is None else min(self.next_due, moment)


def has_work() -> bool:
    """Whether anything waits: a claimed digest not sent, or entries not yet in a digest."""
    return (
        Digest.objects.filter(sent_at__isnull=True).exists()
        or DigestEntry.objects.filter(digest__isnull=True).exists()
    )


def has_work_now(now: datetime | None = None) -> bool:
    """Whether a run now would send something (not merely entries waiting for the interval)."""
    now = now or timezone.now()
    return Digest.objects.filter(sent_at__isnull=True).exists() or any(
        moment <= now for moment in due_addresses(now).values()
    )


def send_due(now: datetime | None = None) -> Outcome:
    """Claim the digests of every due address, then send every claimed digest no live sender
    holds (also those a dead worker left). ``now``: the moment that decides who is due."""
    now = now or timezone.now()
    outcome = Outcome()
    ready = []
    for email, due in sorted(due_addresses(now).items()):
        if due > now:
            outcome.later(due)
        else:
            ready.append(email)
    for start in range(0, len(ready), CLAIM_CHUNK):
        outcome.claimed += len(_claim_addresses(ready[start : start + CLAIM_CHUNK], now))
    mail_connection, catalog = None, LinkedCatalog()
    try:
        # Read up front: the loop writes to these rows.
        for digest in list(Digest.objects.filter(sent_at__isnull=True).order_by("pk")):
            if digest.lease_until and digest.lease_until > timezone.now():
                outcome.later(digest.lease_until)  # held by a sender; retried if it died
                continue
            if mail_connection is None:
                mail_connection = get_connection()
                mail_connection.open()
            try:
                outcome.sent += send(digest, mail_connection, catalog)
            except Exception:  # noqa: BLE001 - one failed message must not stop the others
                logger.exception("notices: digest %s to %s not sent; retried later", digest.pk, digest.email)
                outcome.failed += 1
                # The connection may be broken: the next digest opens a new one.
                with contextlib.suppress(Exception):
                    mail_connection.close()
                mail_connection = None
                outcome.later(timezone.now() + timedelta(seconds=lease_seconds()))
    finally:
        if mail_connection is not None:
            mail_connection.close()
    return outcome


# --- what a digest says ------------------------------------------------------------------------
def _date(value: str | None) -> str:
    return formats.date_format(date.fromisoformat(value), "DATE_FORMAT") if value else ""


def _amount(value: str | None, currency: str) -> str:
    if value is None:
        return ""
    return f"{formats.number_format(Decimal(value), decimal_pos=2, use_l10n=True, force_grouping=True)} {currency}"


def _kind_label(kind: str) -> str:
    return str(AssetKind(kind).label) if kind in AssetKind.values else kind


def describe(change: dict, language: str) -> str:
    """One line of a digest for one change (``Notice.details["changes"]`` item), in the active
    language."""
    event = change["event"]
    if event == "phase_out":
        if change.get("date"):
            return _("Phase-out announced: available until %(date)s.") % {"date": _date(change["date"])}
        return _("Phase-out announced.")
    if event == "discontinued":
        if change.get("date"):
            return _("Discontinued as of %(date)s.") % {"date": _date(change["date"])}
        return _("Discontinued.")
    if event == "active":
        return _("Active again: no longer phased out or discontinued.")
    if event == "phase_out_date":
        return _("Phase-out date changed from %(old)s to %(new)s.") % {
            "old": _date(change["old"]) or "–",
            "new": _date(change["new"]) or "–",
        }
    if event == "discontinued_date":
        return _("Discontinuation date changed from %(old)s to %(new)s.") % {
            "old": _date(change["old"]) or "–",
            "new": _date(change["new"]) or "–",
        }
    if event == "successor":
        return _("Successor named: %(article)s %(name)s") % {
            "article": change["article_number"],
            "name": localize(change.get("name") or {}, language),
        }
    if event == "successor_withdrawn":
        return _("%(article)s is no longer named as the successor.") % {"article": change["article_number"]}
    if event == "unavailable":
        return _("No longer available.")
    if event == "available":
        return _("Now available.")
    title = localize(change.get("title") or {}, language)
    if event == "document_added":
        return _("%(kind)s added: %(title)s") % {"kind": _kind_label(change["kind"]), "title": title}
    if event == "document_revised":
        return _("%(kind)s revised: %(title)s (revision %(revision)s)") % {
            "kind": _kind_label(change["kind"]),
            "title": title,
            "revision": change["revision"],
        }
    if event == "document_removed":
        return _("%(kind)s withdrawn: %(title)s") % {"kind": _kind_label(change["kind"]), "title": title}
    if event == "price":
        values = {
            "currency": change["currency"],
            "quantity": formats.number_format(Decimal(change["min_quantity"]), use_l10n=True),
            "old": _amount(change["old"], change["currency"]),
            "new": _amount(change["new"], change["currency"]),
        }
        if change["old"] is None:
            line = _("New list price from %(quantity)s: %(new)s") % values
        elif change["new"] is None:
            line = _("List price from %(quantity)s withdrawn (was %(old)s)") % values
        else:
            line = _("List price from %(quantity)s: %(old)s → %(new)s") % values
        if change.get("valid_from"):
            line += " " + _("(valid from %(date)s)") % {"date": _date(change["valid_from"])}
        return line
    return event


def _product_url(product, language: str) -> str:
    """The public page of ``product`` in ``language``, or "" while it is not public."""
    if product is None or not product.is_publicly_visible():
        return ""
    return absolute_url("cms:product", language, article_number=product.article_number)


def _subscription_label(subscription, language: str) -> str:
    if subscription.product_id:
        product = subscription.product
        return f"{product.article_number} {product.display_name(language)}".strip()
    series = subscription.product_model
    return _("Series %(code)s %(name)s") % {"code": series.code, "name": localize(series.name, language)}


@dataclass
class ProductSection:
    article_number: str
    name: str
    url: str
    lines: list[str] = field(default_factory=list)


def digest_context(digest: Digest, entries: list[DigestEntry]) -> dict:
    """What the digest templates show, in the active language."""
    language = digest.language
    sections: dict[str, ProductSection] = {}
    notices: dict[str, list[Notice]] = defaultdict(list)
    for entry in entries:
        notice = entry.notice
        key = notice.article_number
        if key not in sections:
            sections[key] = ProductSection(
                article_number=notice.article_number,
                name=localize(notice.product_name or {}, language),
                url=_product_url(notice.product, language),
            )
        notices[key].append(notice)
    for key, section in sections.items():
        for notice in sorted(notices[key], key=lambda n: (KIND_ORDER.get(n.kind, 9), n.pk)):
            section.lines += [describe(change, language) for change in notice.details.get("changes", [])]
    subscriptions = {entry.subscription_id: entry.subscription for entry in entries}
    return {
        "site_name": settings.WAGTAIL_SITE_NAME,
        "products": list(sections.values()),
        "subscriptions": [
            {
                "label": _subscription_label(subscription, language),
                "unsubscribe_url": unsubscribe_url(subscription),
            }
            for subscription in subscriptions.values()
        ],
        "manage_url": manage_url(digest.email, language),
        "language": language,
        "rhythm": digest_rhythm(),
    }


def build_message(digest: Digest, entries: list[DigestEntry], mail_connection=None) -> EmailMultiAlternatives:
    """The digest as a mail in the subscriber's language: text and HTML, one unsubscribe link
    per subscription, the manage link, one-click unsubscribe headers (RFC 8058) and the
    digest's fixed Message-ID."""
    with translation.override(digest.language):
        context = digest_context(digest, entries)
        subject = " ".join(render_to_string("inquiries/email/digest_subject.txt", context).split())
        text = render_to_string("inquiries/email/digest_body.txt", context)
        html = render_to_string("inquiries/email/digest_body.html", context)
    headers = {
        "Message-ID": digest.message_id,
        # One-click unsubscribe (RFC 8058) ends every subscription of the address: the digest is
        # one message about all of them. The body has one link per subscription besides.
        "List-Unsubscribe": f"<{unsubscribe_all_url(digest.email, digest.language)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    message = EmailMultiAlternatives(
        subject,
        text,
        settings.DEFAULT_FROM_EMAIL,
        [digest.email],
        headers=headers,
        connection=mail_connection,
    )
    message.attach_alternative(html, "text/html")
    return message


# --- dry run -----------------------------------------------------------------------------------
@dataclass
class PlannedDigest:
    email: str
    language: str
    due: datetime
    lines: list[str]


def plan(now: datetime | None = None) -> list[PlannedDigest]:
    """What would go out, per address, without changing anything: claimed but unsent digests
    and the waiting entries, with the moment each may be sent."""
    now = now or timezone.now()
    due = due_addresses(now)
    entries = (
        DigestEntry.objects.filter(Q(digest__isnull=True) | Q(digest__sent_at__isnull=True))
        .select_related("notice", "subscription", "digest")
        .order_by("email", "notice__article_number", "notice_id")
    )
    planned: dict[str, PlannedDigest] = {}
    for entry in entries.iterator():
        language = entry.digest.language if entry.digest else entry.subscription.language
        item = planned.get(entry.email)
        if item is None:
            moment = now if entry.digest_id else due.get(entry.email, now)
            item = planned[entry.email] = PlannedDigest(entry.email, language, moment, [])
        with translation.override(item.language):
            for change in entry.notice.details.get("changes", []):
                item.lines.append(f"{entry.notice.article_number}: {describe(change, item.language)}")
    return list(planned.values())
