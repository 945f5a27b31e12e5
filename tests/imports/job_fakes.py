"""Small stand-ins for the reader, planner and committer, so the job runner's own rules (dry
run writes nothing, all or nothing, skip invalid, findings, progress, error file) are tested
apart from how files are parsed and validated.

The fake committer writes real products, so what reaches the database is real. The fakes are
installed with ``monkeypatch`` on the modules the runner calls through (``pim.imports.tabular``,
``.planning``, ``.committing``), replacing the names of the contract, which must exist there.
"""

import csv
import io
from dataclasses import dataclass, field

import pim.imports.committing
import pim.imports.planning
import pim.imports.tabular
from pim.catalog.models import Product
from pim.imports.records import ERROR, WARNING, IncomingProduct, Location, Problem, Raw
from tests.factories import make_product

HEADERS = ["article_number", "name (en)", "note"]


def csv_bytes(rows) -> bytes:
    """A CSV of rows (article, name, note) as the fake reader reads it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode()


class FakeSource:
    """Reads the CSV of :func:`csv_bytes`; a note "bad" is an error of the reader for that row,
    "warn" a warning; a header other than HEADERS is a file-level error."""

    def __init__(self, fileobj, *, name, **options):
        self.options = options
        self.name = name
        self.rows = list(csv.reader(io.TextIOWrapper(fileobj, encoding="utf-8")))
        self.headers = self.rows[0] if self.rows else []
        self.problems = []
        if self.headers != HEADERS:
            self.problems.append(
                Problem("The column “article_number” is missing.", Location(file=name, row=1))
            )
        self.total_rows = max(len(self.rows) - 1, 0)
        self.closed = False

    def __iter__(self):
        for index, cells in enumerate(self.rows[1:], start=2):
            article, name, note = cells
            where = Location(file=self.name, row=index)
            item = IncomingProduct(
                article_number=Raw(article, Location(file=self.name, row=index, column="article_number")),
                location=where,
                localized={
                    "name": {"en": Raw(name, Location(file=self.name, row=index, column="name (en)"))}
                },
                cells=cells,
            )
            if note == "bad":
                item.problems.append(
                    Problem(
                        "Unknown unit “bra”: write bar or psi.",
                        Location(file=self.name, row=index, column="note"),
                        value=note,
                        article_number=article,
                    )
                )
            elif note == "stop":  # the file breaks here (a truncated XML, say)
                self.problems.append(
                    Problem("The file ends inside an element.", Location(file=self.name, line=index))
                )
                return
            elif note == "warn":
                item.problems.append(
                    Problem("Column ignored.", Location(file=self.name, row=index, column="note"), WARNING)
                )
            yield item

    def write_error_file(self, stream, rejected):
        write_error_file(stream, self.headers, rejected, name=self.name)
        return "csv"

    def close(self):
        self.closed = True


@dataclass
class FakeChange:
    incoming: IncomingProduct
    action: str
    product: Product | None = None
    changes: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    deferred_relations: dict = field(default_factory=dict)


class FakePlanner:
    """Compares the English name with the catalog; a second row with the same article number
    is an error; the reader's problems are handed on."""

    batches: list = []

    def __init__(self, *, user=None, mapping=None, languages=None, drafts=True):
        self.seen = {}

    def plan_batch(self, incoming):
        FakePlanner.batches.append(len(incoming))
        existing = {
            p.article_number: p
            for p in Product.objects.filter(article_number__in=[i.number for i in incoming])
        }
        planned = []
        for item in incoming:
            name = item.localized["name"]["en"].value
            problems = list(item.problems)
            if item.number in self.seen:
                problems.append(
                    Problem(
                        f"Article number {item.number} is also in row {self.seen[item.number]}.",
                        item.article_number.location,
                        value=item.number,
                    )
                )
            self.seen.setdefault(item.number, item.location.row)
            product = existing.get(item.number)
            deferred = {"accessory": [note[4:]]} if (note := item.cells[2]).startswith("rel:") else {}
            if any(p.severity == ERROR for p in problems):
                planned.append(FakeChange(item, "invalid", product, problems=problems))
            elif product is None:
                planned.append(
                    FakeChange(item, "create", None, [("Name (en)", "", name)], problems, deferred)
                )
            elif product.name.get("en") != name:
                planned.append(
                    FakeChange(item, "update", product, [("Name (en)", product.name["en"], name)], problems)
                )
            else:
                planned.append(
                    FakeChange(item, "unchanged", product, problems=problems, deferred_relations=deferred)
                )
        return planned

    def finish(self):
        return []


class FakeCommitter:
    """Writes the name; a name "refused" is refused by the catalog (as a failed save would be)."""

    def __init__(self, family):
        self.family = family
        self.applied = []

    def __call__(self, change, *, user, publish):
        name = change.incoming.localized["name"]["en"].value
        if name == "refused":
            raise ValueError("The catalog refused this name.")
        if change.product is None:
            product = make_product(
                self.family, article_number=change.incoming.number, live=publish, name={"en": name}
            )
        else:
            product = change.product
            product.name = {**product.name, "en": name}
            product.save()
        self.applied.append((change.incoming.number, user, publish))
        return product

    def create_drafts(self, changes, *, user):
        """The batch of new drafts: each as ``apply`` writes it (a refusal refuses the batch)."""
        return [self(change, user=user, publish=False) for change in changes]

    def link_created(self, changes, *, user):
        for change in changes:
            self.link(change, user=user, publish=False)

    def link(self, change, *, user, publish):
        """Links the relations to products met later in the file (they exist by now)."""
        targets = change.deferred_relations["accessory"]
        assert Product.objects.filter(article_number__in=targets).count() == len(targets)
        self.applied.append((f"{change.incoming.number}->{','.join(targets)}", user, publish))


def write_error_file(stream, source_headers, rejected, *, name):
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow([*source_headers, "error"])
    for incoming, problems in rejected:
        writer.writerow(
            [*incoming.cells, "; ".join(f"{p.location.describe()}: {p.message}" for p in problems)]
        )
    text.flush()
    text.detach()


def install(monkeypatch, family) -> FakeCommitter:
    """Route the job runner's calls to the fakes; returns the committer (what it applied)."""
    committer = FakeCommitter(family)
    FakePlanner.batches = []
    monkeypatch.setattr(pim.imports.tabular, "open_tabular", FakeSource)
    monkeypatch.setattr(pim.imports.tabular, "write_error_file", write_error_file)
    monkeypatch.setattr(pim.imports.planning, "Planner", FakePlanner)
    monkeypatch.setattr(pim.imports.committing, "apply", committer)
    monkeypatch.setattr(pim.imports.committing, "apply_deferred_relations", committer.link)
    monkeypatch.setattr(pim.imports.committing, "create_drafts", committer.create_drafts)
    monkeypatch.setattr(pim.imports.committing, "link_created", committer.link_created)
    return committer
