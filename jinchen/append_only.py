"""Tables that are only ever added to: the workflow's transition logs and the archive of issued documents.

On PostgreSQL triggers make the database itself refuse UPDATE, DELETE and TRUNCATE on them, whatever program
connects. Only a superuser gets past them, with `SET session_replication_role = replica` (triggers do not fire
then): the tests' flush empties the test database that way (conftest.py), and restore loads into an empty one.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION jinchen_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%只能追加记录，不能修改、删除或清空（%）', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def append_only(table):
    """A migration operation: on PostgreSQL, refuse UPDATE and DELETE on `table`; elsewhere nothing."""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(FUNCTION, params=None)  # None: the % in the function are its own
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION jinchen_append_only()"
        )

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")

    return migrations.RunPython(forward, backward, elidable=False)


def no_truncate(table):
    """A migration operation: on PostgreSQL, refuse TRUNCATE of `table` too (a statement, not a row, trigger)."""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(FUNCTION, params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION jinchen_append_only()"
        )

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")

    return migrations.RunPython(forward, backward, elidable=False)
