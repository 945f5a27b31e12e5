"""Plain multi-row inserts for the child rows of new products (values, prices, relations,
packing units, category links).

Django's ``bulk_create`` builds one statement per 500 rows and prepares every value of every
row through the field's generic save path; for a batch of new products with a dozen values
each that was a fifth of an import's commit. Here the statement is built once per table and
run with ``executemany``; a value goes through its field's preparation only when the field
or the value needs it (an ``int`` for an integer or key column, a ``str`` for a text column
is what the driver takes as it is). Signals are not sent, as with ``bulk_create``.
"""

from collections import defaultdict

from django.db import connections, router
from django.db.models import (
    AutoField,
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    Field,
    FloatField,
    ForeignKey,
    IntegerField,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    SmallIntegerField,
    TextField,
)

# Field classes whose database value is the Python value itself when the value has the
# plain type given (their ``get_db_prep_save`` only converts other types).
_PLAIN_TYPES = {
    AutoField: (int,),
    BigAutoField: (int,),
    BigIntegerField: (int,),
    IntegerField: (int,),
    PositiveIntegerField: (int,),
    PositiveSmallIntegerField: (int,),
    SmallIntegerField: (int,),
    BooleanField: (bool,),
    CharField: (str,),
    TextField: (str,),
    FloatField: (float,),
}


def _plain_types(field) -> tuple:
    """The value types ``field`` stores unchanged (empty: every value is prepared)."""
    if isinstance(field, ForeignKey):
        return _plain_types(field.target_field)
    for cls in type(field).__mro__:
        if cls in _PLAIN_TYPES:
            # Only where the subclass keeps the plain preparation (a custom field may not).
            if type(field).get_db_prep_save is Field.get_db_prep_save and (
                type(field).get_db_prep_value is Field.get_db_prep_value
                or type(field).get_db_prep_value is cls.get_db_prep_value
            ):
                return _PLAIN_TYPES[cls]
            return ()
    return ()


class _Column:
    __slots__ = ("attname", "field", "plain", "pre_save")

    def __init__(self, field):
        self.field = field
        self.attname = field.attname
        self.plain = (type(None), *_plain_types(field))
        # Fields that fill themselves on saving (auto_now dates, files) keep doing so.
        self.pre_save = type(field).pre_save is not Field.pre_save


def insert_rows(model, rows: list, *, parent_key: str | None = None) -> None:
    """Insert ``rows`` (unsaved instances of ``model``) in one ``executemany``. With
    ``parent_key`` (the name of their foreign key to a parent all of whose rows are among
    them, e.g. the new products' values), each row gets its primary key back, read in
    insertion order per parent, as ``bulk_create`` sets it."""
    if not rows:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields = [
        field
        for field in model._meta.local_concrete_fields
        if not field.primary_key and not getattr(field, "generated", False)
    ]
    columns = [_Column(field) for field in fields]
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(columns))
    # Table and column names come from the model, quoted by the backend; values are parameters.
    table = quote(model._meta.db_table)
    names = ", ".join(quote(field.column) for field in fields)
    sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608
    params = []
    for row in rows:
        values = []
        for column in columns:
            value = column.field.pre_save(row, add=True) if column.pre_save else getattr(row, column.attname)
            if type(value) not in column.plain:
                value = column.field.get_db_prep_save(value, connection)
            values.append(value)
        params.append(values)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    for row in rows:
        row._state.adding = False
        row._state.db = alias
    if parent_key is not None:
        _read_back_keys(model, rows, parent_key, alias)


def _read_back_keys(model, rows: list, parent_key: str, alias: str) -> None:
    """Set the primary keys of the rows just inserted: the parents had no rows before, and a
    table's keys rise in the order its rows were inserted, so the n-th key of a parent is its
    n-th row."""
    attname = model._meta.get_field(parent_key).attname
    by_parent: dict[int, list] = defaultdict(list)
    for row in rows:
        by_parent[getattr(row, attname)].append(row)
    keys: dict[int, list] = defaultdict(list)
    for pk, parent in (
        model._default_manager.using(alias)
        .filter(**{f"{attname}__in": list(by_parent)})
        .order_by(attname, "pk")
        .values_list("pk", attname)
        .iterator(chunk_size=5000)
    ):
        keys[parent].append(pk)
    for parent, parent_rows in by_parent.items():
        parent_keys = keys.get(parent, [])
        if len(parent_keys) != len(parent_rows):
            raise RuntimeError(
                f"{model._meta.label}: {len(parent_rows)} rows inserted for {parent}, "
                f"{len(parent_keys)} found; the parent had rows before"
            )
        for row, pk in zip(parent_rows, parent_keys, strict=True):
            row.pk = pk
