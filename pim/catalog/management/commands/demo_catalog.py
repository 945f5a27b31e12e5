from contextlib import contextmanager
from datetime import date

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.urls import get_resolver
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from modelsearch import index as search_index
from modelsearch.signal_handlers import post_save_signal_handler as search_index_on_save
from modelsearch.tasks import insert_or_update_object_task
from tqdm import tqdm
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update
from wagtail.tasks import update_reference_index_task

from pim.catalog.demo.generator import (
    DEFAULT_CHUNK_SIZE,
    DemoCatalogError,
    DemoCatalogGenerator,
    demo_products,
    reset_demo_catalog,
)
from pim.catalog.models import Attribute, AttributeType
from pim.catalog.signals import demo_catalog_built


def _reference_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("--reference-date: “%(text)s” is not a date like 2025-01-31.") % {"text": text}
        ) from None


HELP = gettext_lazy(
    "Fill the catalog with a realistic demo: products of the ETIM classes in "
    "pim/catalog/demo_classes.py (import them first with import_etim --demo-subset), with "
    "German and English texts, values in proper units, series with variants, lifecycle "
    "states, relations and prices. The same --seed gives the same catalog. Demo products "
    "are those of the fictional demo manufacturers; --reset deletes them first."
)


@contextmanager
def index_updates_at_the_end():
    """Update Wagtail's reference index and its admin search index (modelsearch: images,
    documents, snippets) once for every object saved in the block, after it, instead of
    queueing one background task per save and index: a demo build saves hundreds of assets,
    images and categories, and each save would otherwise leave up to two tasks for the worker.

    Both updates run here, inline, as the tasks would have run them. Deletions in the block
    update the reference index at once (Wagtail does that without a task, but its switch turns
    both off)."""
    # Wagtail registers the models of admin viewsets (assets, catalog snippets) with the
    # reference index when the admin's URLs are loaded. A command has not loaded them yet, and
    # something during the build may (the demo's Wagtail pages resolve URLs): load them first,
    # so ``is_indexed`` gives the same answer from the first save to the end.
    get_resolver().url_patterns  # noqa: B018
    saved: dict[tuple[str, str], set] = {}

    def remember(sender, instance, raw=False, **kwargs):
        if not raw and (ReferenceIndex.is_indexed(sender) or sender in searched):
            saved.setdefault((sender._meta.app_label, sender._meta.model_name), set()).add(instance.pk)

    def forget(sender, instance, **kwargs):
        if ReferenceIndex.is_indexed(sender):
            with transaction.atomic():
                ReferenceIndex.remove_for_object(instance)
                ReferenceIndex.remove_references_to(instance)

    searched = [
        model
        for model in search_index.get_indexed_models()
        if post_save.disconnect(search_index_on_save, sender=model)
    ]
    post_save.connect(remember, weak=False, dispatch_uid="demo_catalog.remember")
    post_delete.connect(forget, weak=False, dispatch_uid="demo_catalog.forget")
    try:
        with disable_reference_index_auto_update():
            yield
    finally:
        post_save.disconnect(dispatch_uid="demo_catalog.remember")
        post_delete.disconnect(dispatch_uid="demo_catalog.forget")
        for model in searched:
            post_save.connect(search_index_on_save, sender=model)
    for (app_label, model_name), pks in saved.items():
        model = apps.get_model(app_label, model_name)
        # Objects deleted later in the block are gone: skip them, as their tasks would fail.
        for pk in model.objects.filter(pk__in=pks).values_list("pk", flat=True).iterator(chunk_size=2000):
            if ReferenceIndex.is_indexed(model):
                # The task's own code: it indexes a child object through its parent.
                update_reference_index_task.call(app_label, model_name, str(pk))
            if model in searched:
                insert_or_update_object_task.call(app_label, model_name, str(pk))


class Command(BaseCommand):
    @property
    def help(self):
        # argparse needs a str, not a lazy translation.
        return str(HELP)

    def add_arguments(self, parser):
        parser.add_argument(
            "--products", type=int, default=2000, help=gettext_lazy("How many products (default 2000).")
        )
        parser.add_argument("--seed", type=int, default=1, help=gettext_lazy("Random seed (default 1)."))
        parser.add_argument(
            "--reset",
            action="store_true",
            help=gettext_lazy("Delete existing demo products and product models first."),
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=DEFAULT_CHUNK_SIZE,
            help=gettext_lazy("Products generated and inserted per transaction step (default 2000)."),
        )
        parser.add_argument(
            "--reference-date",
            type=_reference_date,
            default=None,
            help=gettext_lazy(
                "Date the lifecycle and price dates are relative to (default today); fix it for "
                "reproducible catalogs across days."
            ),
        )
        parser.add_argument(
            "--classes",
            nargs="+",
            metavar="EC_CODE",
            help=gettext_lazy("Only these ETIM classes (default: all demo classes in the catalog)."),
        )
        parser.add_argument(
            "--catalog-only",
            action="store_false",
            dest="with_extras",
            help=gettext_lazy(
                "Only products: skip what other apps add to a demo catalog (demo assets, demo "
                "export channels). Benchmarks use this."
            ),
        )

    def handle(
        self, *args, products, seed, reset, chunk_size, reference_date, classes, with_extras=True, **options
    ):
        verbosity = options.get("verbosity", 1)
        if products < 1:
            raise CommandError(_("--products must be at least 1."))
        existing = demo_products().count()
        if existing and not reset:
            raise CommandError(
                _(
                    "The catalog already has %(count)s demo products. Run demo_catalog --reset to "
                    "replace them."
                )
                % {"count": existing}
            )
        if existing:
            with tqdm(
                total=existing, unit=" products", desc=_("Deleting demo"), disable=verbosity < 1
            ) as bar:
                reset_demo_catalog(progress=bar.update)
        # Deletions above update Wagtail's indexes as usual (inline); what the build saves is
        # indexed once at the end.
        with index_updates_at_the_end():
            self.build(products, seed, chunk_size, reference_date, classes, with_extras, verbosity)

    def build(self, products, seed, chunk_size, reference_date, classes, with_extras, verbosity):
        bar = tqdm(total=products, unit=" products", desc=_("Demo catalog"), disable=verbosity < 1)
        generator = DemoCatalogGenerator(
            products=products,
            seed=seed,
            chunk_size=chunk_size,
            reference_date=reference_date,
            classes=classes,
            progress=bar.update,
        )
        try:
            summary = generator.run()
        except DemoCatalogError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        # Engineers filter on what the demo fills in: make those attributes facets.
        # (A bulk update: the search index is rebuilt after the demo anyway.)
        Attribute.objects.filter(
            code__in={code for plan in generator.plans for code in plan.specs},
            type__in=[t for t in AttributeType if t != AttributeType.TEXT],
            filterable=False,
        ).update(filterable=True)
        if generator.missing_classes:
            self.stderr.write(
                self.style.WARNING(
                    _(
                        "Not in the catalog, skipped: %(classes)s. Run python manage.py import_etim "
                        "--demo-subset to import all demo classes."
                    )
                    % {"classes": ", ".join(generator.missing_classes)}
                )
            )
        lifecycles = ", ".join(f"{state} {count}" for state, count in sorted(summary.lifecycles.items()))
        lines = [
            _("Demo catalog (seed %(seed)s): %(products)s products in %(families)s families.")
            % {"seed": seed, "products": summary.products, "families": summary.families},
            _("  product models %(models)s, variants %(variants)s, standalone %(standalone)s")
            % {
                "models": summary.models,
                "variants": summary.variants,
                "standalone": summary.products - summary.variants,
            },
            _(
                "  values %(values)s (+ %(model_values)s on models), prices %(prices)s, relations %(relations)s"
            )
            % {
                "values": summary.product_values,
                "model_values": summary.model_values,
                "prices": summary.prices,
                "relations": summary.relations,
            },
            _("  lifecycle: %(lifecycles)s; not publicly visible %(hidden)s")
            % {"lifecycles": lifecycles, "hidden": summary.not_visible},
            _("  %(seconds).1f s, %(rate).0f products/s")
            % {"seconds": summary.seconds, "rate": summary.rate},
        ]
        if verbosity >= 2 and generator.unmatched:
            # Profile values the imported data does not offer (an ETIM release renamed an
            # option, a unit maps to another quantity): those attributes fell back or stayed empty.
            self.stdout.write(_("Profile values not in the catalog's data:"))
            for (etim_class, code, value), count in sorted(generator.unmatched.items()):
                self.stdout.write(f"  {etim_class} {code}: {value} ({count}×)")
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(lines[0]))
            for line in lines[1:]:
                self.stdout.write(line)
        if with_extras:
            demo_catalog_built.send(
                sender=self.__class__,
                products=demo_products(),
                seed=seed,
                verbosity=verbosity,
                stdout=self.stdout,
                stderr=self.stderr,
            )
