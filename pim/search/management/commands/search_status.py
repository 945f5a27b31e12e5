"""Search index status: documents in each index vs. the database, outbox, lag."""

import json

from django.core.management.base import BaseCommand
from elasticsearch import NotFoundError

from pim.catalog.models import Product
from pim.search import indexing
from pim.search.backends import BackendUnavailable, configured_backend, get_search_backend, index_targets
from pim.search.backends.elasticsearch import INDEX_LAYOUT
from pim.search.models import IndexTarget


class Command(BaseCommand):
    help = "Show, per search index: documents indexed vs. visible products, pending outbox entries and lag."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Machine-readable output.")

    def handle(self, *args, **options):
        visible = Product.objects.publicly_visible().count()
        report = {"backend": configured_backend(), "visible_products": visible, "targets": {}}
        for name in index_targets():
            entry = {"pending": 0}
            backend = get_search_backend(name)
            try:
                entry["documents"] = backend.document_count()
                if name == "elasticsearch":
                    entry["indices"] = backend.live_indices()
                    entry["mapped_fields"] = backend.mapped_field_count()
                    entry["reachable"] = True
                    entry["layout"] = backend.index_layout()
                    if entry["layout"] != INDEX_LAYOUT:
                        entry["error"] = (
                            f"the index has document layout {entry['layout']}, this version reads "
                            f"layout {INDEX_LAYOUT}: searches are answered by the database until "
                            "search_reindex builds a current index"
                        )
            except BackendUnavailable as exc:
                if isinstance(exc.__cause__, NotFoundError):
                    entry.update(
                        documents=0, reachable=True, error="the index does not exist yet: run search_reindex"
                    )
                else:
                    entry.update(documents=None, reachable=False, error=str(exc)[:300])
            outbox = indexing.outbox_status(name)
            entry.update(
                pending=outbox["pending"],
                failing=outbox["failing"],
                lag_seconds=round(outbox["lag_seconds"], 1),
                last_error=outbox["last_error"][:300],
            )
            state = IndexTarget.objects.filter(name=name).first()
            entry["last_success_at"] = (
                state.last_success_at.isoformat() if state and state.last_success_at else None
            )
            entry["in_sync"] = (
                entry["documents"] == visible
                and not outbox["pending"]
                and entry.get("layout", INDEX_LAYOUT) == INDEX_LAYOUT
            )
            report["targets"][name] = entry
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(f"search backend: {report['backend']}; publicly visible products: {visible}")
        for name, entry in report["targets"].items():
            documents = "unreachable" if entry["documents"] is None else entry["documents"]
            line = (
                f"{name}: {documents} documents, {entry['pending']} pending "
                f"({entry['failing']} failing), lag {entry['lag_seconds']} s, "
                f"{'in sync' if entry['in_sync'] else 'NOT in sync'}"
            )
            if entry.get("indices"):
                line += f"; index {', '.join(entry['indices'])}, {entry['mapped_fields']} mapped fields"
            self.stdout.write(line)
            if entry.get("error"):
                self.stdout.write(f"  error: {entry['error']}")
            elif entry["last_error"]:
                self.stdout.write(f"  last error: {entry['last_error']}")
