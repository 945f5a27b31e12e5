"""Full reindex: rebuild the search index(es) from the database."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from pim.catalog.models import Product
from pim.search import indexing
from pim.search.backends import BackendUnavailable, index_targets


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the database: Elasticsearch into a new index whose alias is "
        "swapped when it is complete (zero downtime), the database index in place. Reports products/s."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--target",
            choices=["database", "elasticsearch", "all"],
            default="all",
            help="Which index to rebuild (default: every configured one).",
        )
        parser.add_argument("--batch-size", type=int, default=1000, help="Products read per database batch.")
        parser.add_argument("--threads", type=int, default=2, help="Parallel bulk requests to Elasticsearch.")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Processes that build documents (default: PIM_SEARCH_REINDEX_WORKERS, else the number of cores).",
        )
        parser.add_argument(
            "--drain", action="store_true", help="Only write pending outbox entries, no rebuild."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, target, batch_size, threads, workers, drain, no_progress, **options):
        targets = index_targets() if target == "all" else [target]
        if drain:
            for name, stats in indexing.drain(targets).items():
                self.stdout.write(
                    f"{name}: {stats['indexed']} written, {stats['failed']} postponed"
                    + (" (busy: another drain holds the lease)" if stats["busy"] else "")
                )
            return
        total = Product.objects.publicly_visible().count()
        for name in targets:
            bar = tqdm(
                total=total,
                desc=f"{name}",
                unit="products",
                disable=no_progress,
                file=self.stderr,
                dynamic_ncols=True,
            )
            try:
                stats = indexing.rebuild(
                    name,
                    batch_size=batch_size,
                    threads=threads,
                    workers=workers,
                    progress=bar.update,
                    expected=total,
                )
            except BackendUnavailable as exc:
                raise CommandError(f"{name}: the index cannot be reached: {exc}") from exc
            finally:
                bar.close()
            errors = stats.get("errors") or {}
            self.stdout.write(
                f"{name}: {stats['indexed']} products in {stats['seconds']:.1f} s "
                f"({stats['per_second']:.0f} products/s)"
                + (f", index {stats['index']}" if stats.get("index") else "")
                + (f", {stats['removed']} stale entries removed" if stats.get("removed") else "")
            )
            if errors:
                sample = "; ".join(f"product {pk}: {msg}" for pk, msg in list(errors.items())[:5])
                raise CommandError(f"{name}: {len(errors)} documents were rejected, e.g. {sample}")
