"""Tables that are only ever added to: the workflow's transition logs and the archive of issued documents.

On PostgreSQL a trigger makes the database itself refuse UPDATE and DELETE on them, whatever program
connects. TRUNCATE (emptying a whole test database) is left to the database owner.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION jinchen_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%只能追加记录，不能修改或删除（%）', TG_TABLE_NAME, TG_OP
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
