"""Dependencies point one way: commitments → posts → members → grids → jinchen.

Every import in the apps' code is read (module level and inside functions); a lower app importing a higher
one fails here with the file and line. Tests and migrations are left out: tests may drive the whole site,
and migrations name other apps by string. Production code never imports the demo-data modules either.
"""

import ast

from django.conf import settings

LAYERS = ["jinchen", "grids", "members", "posts", "commitments"]  # each may import only those before it
DEMO_MODULES = {"members.demo", "posts.demo", "posts.demo_year", "posts.demo_points"}
# The commands that load the demo data are the only production code that may read it.
DEMO_READERS = {
    "posts/management/commands/seed_demo.py",
    "members/demo.py",
    "posts/demo.py",
    "posts/demo_year.py",
    "posts/demo_points.py",
}


def production_files():
    for app in LAYERS:
        for path in sorted((settings.BASE_DIR / app).rglob("*.py")):
            parts = path.relative_to(settings.BASE_DIR).parts
            if "tests" not in parts and "migrations" not in parts:
                yield path


def imported_modules(path):
    """(line, absolute module name) of every import in a file; relative imports resolved against its package."""
    package = ".".join(path.relative_to(settings.BASE_DIR).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module
            yield node.lineno, module
            yield from ((node.lineno, f"{module}.{alias.name}") for alias in node.names)


def upward_imports(files):
    found = []
    for path in files:
        own = LAYERS.index(path.relative_to(settings.BASE_DIR).parts[0])
        for line, module in imported_modules(path):
            top = module.split(".")[0]
            if top in LAYERS and LAYERS.index(top) > own:
                found.append(f"{path.relative_to(settings.BASE_DIR)}:{line} imports {module}")
    return sorted(set(found))


def test_no_app_imports_an_app_above_it():
    assert upward_imports(production_files()) == []


def test_production_code_does_not_import_demo_data():
    found = []
    for path in production_files():
        if str(path.relative_to(settings.BASE_DIR)) in DEMO_READERS:
            continue
        found += [f"{path.relative_to(settings.BASE_DIR)}:{n} imports {m}" for n, m in imported_modules(path)]
    assert [f for f in found if f.split(" imports ")[1] in DEMO_MODULES] == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    # The check itself can fail: a grids module importing posts (inside a function, relative forms too).
    app = tmp_path / "grids"
    app.mkdir()
    (app / "bad.py").write_text("def f():\n    from posts.models import Round\n")
    (app / "fine.py").write_text("from .models import Town\nfrom jinchen import ratelimit\n")
    monkeypatch.setattr(settings, "BASE_DIR", tmp_path)
    assert upward_imports([app / "bad.py", app / "fine.py"]) == [
        "grids/bad.py:2 imports posts.models",
        "grids/bad.py:2 imports posts.models.Round",
    ]
