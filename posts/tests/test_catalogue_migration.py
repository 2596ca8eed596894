"""Migration 0010 gives every town its own copy of the shared post types, and points its posts at it.

Run as an operator upgrades: a database of its own (a file, in a separate process, so the test database is not
migrated back and forth) is migrated to 0009, filled with two towns sharing a type, then migrated on.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

call_command("migrate", verbosity=0)
call_command("migrate", "posts", "0009_workflow_history", verbosity=0)
loader = MigrationExecutor(connection).loader
before = [("posts", "0009_workflow_history") if n[0] == "posts" else n for n in loader.graph.leaf_nodes()]
apps = loader.project_state(before).apps
Town, Village, Grid = (apps.get_model("grids", m) for m in ("Town", "Village", "Grid"))
PostType, Post = apps.get_model("posts", "PostType"), apps.get_model("posts", "Post")
PostType.objects.all().delete()  # the plan's six from 0002: a new database drops them, as checked below
shared = PostType.objects.create(name="社会治安巡逻岗", duties="改过的职责", need_category="security", order=30)
grids = {}
for name in ("金城镇", "新河镇"):
    village = Village.objects.create(town=Town.objects.create(name=name), name=name + "一村")
    grids[name] = Grid.objects.create(village=village, number=1, name="第一网格", public_token=name)
    Post.objects.create(grid=grids[name], post_type=shared, name="巡逻", duties="d")
own = PostType.objects.create(name="河道守护岗", duties="巡查河道", village=grids["新河镇"].village)
call_command("migrate", verbosity=0)
from posts.models import Post as NewPost, PostType as NewType
print(json.dumps({
    "shared": shared.pk,
    "types": sorted(NewType.objects.values_list("pk", "name", "duties", "need_category", "order", "town__name",
                                                "village__name", "county_id")),
    "posts": sorted(NewPost.objects.values_list("grid__village__town__name", "post_type_id")),
}))
"""


def migrate_in_a_database_of_its_own(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_migration_gives_every_town_its_own_copy(tmp_path):
    result = migrate_in_a_database_of_its_own(tmp_path)
    by_town = {
        town: (pk, name, duties, category, order)
        for pk, name, duties, category, order, town, _, _ in result["types"]
        if town
    }
    jc, xh = by_town["金城镇"], by_town["新河镇"]
    assert jc[0] == result["shared"] and xh[0] != jc[0]  # the oldest town keeps the row, the other gets a copy
    assert jc[1:] == xh[1:] == ("社会治安巡逻岗", "改过的职责", "security", 30)
    assert result["posts"] == [["新河镇", xh[0]], ["金城镇", jc[0]]]
    own = [t for t in result["types"] if t[1] == "河道守护岗"]
    assert [(t[5], t[6], t[7]) for t in own] == [(None, "新河镇一村", None)]  # a village's own stays its own
    assert len(result["types"]) == 3  # nothing left without an owner
