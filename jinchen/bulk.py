"""Writing thousands of rows in a few statements: a roster import of 10,000 members with their history.

Django's bulk_create prepares every value through the query compiler, which costs more than the database
does for a large file; insert() writes plain rows of column values as multi-row INSERTs sized to the
database's parameter limit, and returns the new primary keys in row order (RETURNING, which PostgreSQL and
SQLite ≥ 3.35 support; Django's bulk_create relies on the same order). Values are adapted for the database
by the model field itself where the driver would not store them the way Django does (dates, times,
decimals, JSON, UUIDs); text, numbers, booleans and keys go as they are.
"""

import sqlite3

from django.db import connections, models, router
from django.db.backends.signals import connection_created
from django.dispatch import receiver

ADAPTED = (models.DateField, models.TimeField, models.DecimalField, models.JSONField, models.UUIDField)


@receiver(connection_created)
def use_sqlite_real_parameter_limit(sender, connection, **kwargs):
    """Django 5.2 assumes SQLite's old compile-time limit of 999 parameters per statement; the SQLite in
    Debian and in Python's wheels allows 32,766, and a bulk insert of 10,000 rows then takes 7 statements
    instead of 200 (Django 6.0 asks SQLite the same way)."""
    if connection.vendor == "sqlite":
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        connection.features.max_query_params = limit


def max_params(connection):
    return connection.features.max_query_params or 65535


def insert(model, rows, columns):
    """INSERT `rows` (tuples of Python values in the order of `columns`, a list of attnames); returns the pks.

    The primary key must not be among the columns: the database assigns it.
    """
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [meta.get_field(name) if name == meta.pk.attname else _by_attname(meta, name) for name in columns]
    # Each adapted column keeps what it has adapted: a file's rows share dates and their one timestamp.
    adapt = [(i, f, {}) for i, f in enumerate(fields) if isinstance(f, ADAPTED)]
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    returning, _ = connection.ops.return_insert_columns([meta.pk])
    placeholder = f"({', '.join(['%s'] * len(fields))})"
    per_statement = max(1, max_params(connection) // len(fields))
    pks = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = []
            for row in chunk:
                if adapt:
                    row = list(row)
                    for i, field, done in adapt:
                        value = row[i]
                        try:
                            row[i] = done[value]
                        except KeyError:
                            row[i] = done[value] = field.get_db_prep_save(value, connection)
                        except TypeError:  # not hashable (JSON)
                            row[i] = field.get_db_prep_save(value, connection)
                params.extend(row)
            cursor.execute(f"{head}{', '.join([placeholder] * len(chunk))} {returning}", params)
            pks.extend(pk for (pk,) in cursor.fetchall())
    return pks


def _by_attname(meta, attname):
    for field in meta.concrete_fields:
        if field.attname == attname:
            return field
    raise LookupError(f"{meta.label} has no column {attname}")
