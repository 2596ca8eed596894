# 金城镇“无职党员设岗定责” — build, run and test.
#
#   make run     system packages, virtualenv, front-end assets, migrate, demo data, dev server
#   make test    the same checks CI runs: ruff, migration check, the whole pytest suite
#   make help    list of targets
#
# Every target is idempotent: a second run only redoes what changed.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.ONESHELL:
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules
.DEFAULT_GOAL := help

# --- settings ---------------------------------------------------------------

PYTHON    ?= python3
VENV      := .venv
PY        := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.requirements.stamp
RUN_ADDR  ?= 127.0.0.1:8000
# Production mode (make serve): gunicorn web processes and db_worker task processes.
SERVE_ADDR   ?= 127.0.0.1:8000
WEB_WORKERS  ?= 3
TASK_WORKERS ?= 2
# Extra arguments for pytest, e.g.  make test PYTEST_ARGS='-k grids -x'. The order of the tests is random on
# every run (pytest-randomly prints its seed: PYTEST_ARGS='--randomly-seed=1234' repeats it); the session's clock
# can start elsewhere: TEST_CLOCK=2026-06-15 make test (conftest.py). CI adds the coverage floor (.ci/run).
PYTEST_ARGS ?=

# Debian packages: CJK fonts and HarfBuzz subsetting for WeasyPrint PDFs, poppler-utils
# (pdftotext/pdftoppm) for the tests. The browser test additionally needs Debian's Chromium.
SYSDEPS      := fonts-noto-cjk libharfbuzz-subset0 poppler-utils
# The body's 仿宋 (GB/T 9704): FandolFang, GB 2312 complete, GPL with the font exception. It ships only inside
# texlive-lang-chinese, whose installation pulls TeX Live (22 packages, 106 MB to download, 271 MB installed);
# `make fonts` takes the one .otf (7 MB) out of that package's 49 MB .deb instead, into FONT_DIR, where
# fontconfig finds it. Noto CJK stays behind it for the characters GB 2312 lacks (PRINTING.md).
FONT_DEB     := texlive-lang-chinese
FONT_FILE    := FandolFang-Regular.otf
FONT_DIR     := /usr/local/share/fonts/fandol
TEST_SYSDEPS := $(SYSDEPS) chromium
BENCH_SYSDEPS := wrk

# Front-end files served by the project itself (no CDN). One line per file. ECharts is its "common" build
# (bar, line, pie, tooltip, legend, SVG renderer): 715 kB instead of 1.1 MB, loaded by the dashboard only.
# Bootstrap's source maps come along because its files name them, and collectstatic insists they exist.
VENDOR_DIR   := static/vendor
VENDOR_FILES := \
	node_modules/bootstrap/dist/css/bootstrap.min.css \
	node_modules/bootstrap/dist/css/bootstrap.min.css.map \
	node_modules/bootstrap/dist/js/bootstrap.bundle.min.js \
	node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map \
	node_modules/htmx.org/dist/htmx.min.js \
	node_modules/echarts/dist/echarts.common.min.js

NPM_STAMP      := node_modules/.jinchen-npm.stamp
VENDOR_TARGETS := $(addprefix $(VENDOR_DIR)/,$(notdir $(VENDOR_FILES)))

.PHONY: help sysdeps sysdeps-test fonts venv assets migrate seed run test lint clean bench-pdf bench-import bench-pages bench-match bench-points backup restore serve bench-load

help:
	@echo "make run          install everything, migrate, load demo data, serve on http://$(RUN_ADDR)"
	@echo "make serve        production mode on PostgreSQL: gunicorn ($(WEB_WORKERS)) + task workers ($(TASK_WORKERS)), on $(SERVE_ADDR)"
	@echo "make test         ruff, migration check and the whole pytest suite, in random order (PYTEST_ARGS='...', TEST_CLOCK=…)"
	@echo "make sysdeps      Debian packages: $(SYSDEPS)"
	@echo "make sysdeps-test the above plus chromium"
	@echo "make fonts        FandolFang (仿宋) from Debian's $(FONT_DEB), into $(FONT_DIR) (part of sysdeps)"
	@echo "make venv         virtualenv $(VENV) from requirements.txt"
	@echo "make assets       npm packages, copied into $(VENDOR_DIR)/"
	@echo "make migrate      apply database migrations (DATABASE_URL, default SQLite db.sqlite3)"
	@echo "make seed         load demo data (safe to repeat)"
	@echo "make lint         ruff check + ruff format --check"
	@echo "make bench-pdf    a town's letters through the task queue on two db_worker processes against one render per letter"
	@echo "make bench-import 10,000-row member import: project path against the library's default path"
	@echo "make bench-pages  dashboard, village and grid pages against a bare view, town and county data"
	@echo "make bench-match  建议配岗 pages: the largest demo village and every village of the town, against the solver alone"
	@echo "make bench-points the county's points registers and proposed stars recomputed, against one member at a time"
	@echo "make bench-load   the county on PostgreSQL + gunicorn under 50 connections per page (wrk)"
	@echo "make backup       a dated backup of the database and the archived PDFs, into backups/"
	@echo "make restore FILE=backups/jinchen-….tar.gz   load a backup into an empty database"
	@echo "make clean        remove $(VENV) node_modules $(VENDOR_DIR) staticfiles"

# --- Debian packages --------------------------------------------------------

# $(call ensure_debs,package list): install what is missing; apt-get update only then.
define ensure_debs
if ! command -v dpkg >/dev/null 2>&1; then
	echo "sysdeps: not a Debian system, make sure these are installed: $(1)" >&2
	exit 0
fi
missing=()
for p in $(1); do
	dpkg -s "$$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$$p")
done
if (( $${#missing[@]} == 0 )); then
	echo "sysdeps: installed: $(1)"
	exit 0
fi
if (( EUID == 0 )); then
	sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo=(sudo -n)
else
	echo "sysdeps: missing Debian packages: $${missing[*]}" >&2
	echo "sysdeps: install them as root, then run make again:" >&2
	echo "    sudo apt-get update && sudo apt-get install -y $${missing[*]}" >&2
	exit 1
fi
echo "sysdeps: installing $${missing[*]}"
apt_opts=(-y -q -o DPkg::Lock::Timeout=600)
"$${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$${apt_opts[@]}" update
"$${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$${apt_opts[@]}" install --no-install-recommends "$${missing[@]}"
endef

sysdeps: fonts
	@$(call ensure_debs,$(SYSDEPS))

sysdeps-test: fonts
	@$(call ensure_debs,$(TEST_SYSDEPS))

fonts:
	@if [[ -f $(FONT_DIR)/$(FONT_FILE) ]]; then
		echo "fonts: installed: $(FONT_DIR)/$(FONT_FILE)"
		exit 0
	fi
	if ! command -v dpkg-deb >/dev/null 2>&1; then
		echo "fonts: not a Debian system: install $(FONT_FILE) (CTAN package fandol) where fontconfig finds it" >&2
		exit 0
	fi
	if (( EUID == 0 )); then
		sudo=()
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo=(sudo -n)
	else
		echo "fonts: $(FONT_DIR)/$(FONT_FILE) is missing; run make fonts as root" >&2
		exit 1
	fi
	tmp=$$(mktemp -d)
	trap 'rm -rf "$$tmp"' EXIT
	chmod 755 "$$tmp"  # apt-get download fetches as the _apt user where it can
	echo "fonts: taking $(FONT_FILE) out of $(FONT_DEB)"
	cd "$$tmp"
	apt-get download -q $(FONT_DEB) 2>/dev/null || {
		"$${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 update
		apt-get download -q $(FONT_DEB)
	}
	dpkg-deb --fsys-tarfile $(FONT_DEB)_*.deb | tar -x --wildcards '*/fandol/$(FONT_FILE)' '*/fonts/fandol/README'
	"$${sudo[@]}" install -D -m 644 -t $(FONT_DIR) $$(find . -name $(FONT_FILE)) $$(find . -path '*/fandol/README')
	if command -v fc-cache >/dev/null 2>&1; then "$${sudo[@]}" fc-cache $(FONT_DIR); fi
	echo "fonts: installed $(FONT_DIR)/$(FONT_FILE)"

sysdeps-bench:
	@$(call ensure_debs,$(BENCH_SYSDEPS))

# --- Python virtualenv ------------------------------------------------------

venv: $(VENV_STAMP)

$(VENV_STAMP): requirements.txt
	@if [[ ! -x $(PY) ]]; then
		echo "venv: creating $(VENV) with $(PYTHON)"
		$(PYTHON) -m venv $(VENV) || {
			echo "venv: '$(PYTHON) -m venv' failed; on Debian install python3-venv (apt-get install python3-venv)" >&2
			exit 1
		}
	fi
	echo "venv: pip install -r requirements.txt"
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

# --- front-end assets -------------------------------------------------------

assets: $(VENDOR_TARGETS)

$(NPM_STAMP): package.json $(wildcard package-lock.json)
	@if [[ -f package-lock.json ]]; then
		npm ci --no-audit --no-fund
	else
		npm install --no-audit --no-fund
	fi
	touch $@

# One copy rule per vendored file: static/vendor/<basename> from its node_modules path.
define vendor_rule
$(VENDOR_DIR)/$(notdir $(1)): $(NPM_STAMP)
	@mkdir -p $(VENDOR_DIR)
	cp $(1) $$@
	echo "assets: $(1) -> $$@"
endef
$(foreach f,$(VENDOR_FILES),$(eval $(call vendor_rule,$(f))))

# --- Django -----------------------------------------------------------------

migrate: $(VENV_STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

seed: migrate
	$(PY) manage.py seed_demo

# The background worker (batch printing) runs beside the server and stops with it.
run: sysdeps $(VENV_STAMP) assets migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py worker --reload &
	worker=$$!
	trap 'kill $$worker 2>/dev/null' EXIT
	$(PY) manage.py runserver $(RUN_ADDR)

# Production mode, locally: PostgreSQL (DATABASE_URL, or a server of our own in .serve/pg), DEBUG off,
# gunicorn and task worker processes (kept running), logs on stdout. Demo accounts get a private password (.serve/demo_password):
# production refuses to start while one has the published password.
serve: sysdeps $(VENV_STAMP) assets
	mkdir -p .serve
	export DATABASE_URL="$${DATABASE_URL:-$$(.ci/postgres start .serve/pg)}"
	test -f .serve/secret_key || $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > .serve/secret_key
	export DEBUG=0 SECRET_KEY="$${SECRET_KEY:-$$(cat .serve/secret_key)}"
	export ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}"  # PUBLIC_BASE_URL: from the environment, else each print's address
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py seed_demo --private-password .serve/demo_password
	# Each worker rides out a database outage by itself (manage.py worker); whatever else ends one, it is
	# started again after a second, as systemd's Restart=always does in production (README).
	for i in $$(seq $(TASK_WORKERS)); do
		(trap 'kill $$pid 2>/dev/null; exit' TERM
		 while true; do $(PY) manage.py worker & pid=$$!; wait $$pid || true; echo "worker $$i stopped: restarting" >&2; sleep 1; done) &
	done
	trap 'kill $$(jobs -p) 2>/dev/null' EXIT
	$(VENV)/bin/gunicorn jinchen.wsgi --workers $(WEB_WORKERS) --bind $(SERVE_ADDR) --access-logfile - --error-logfile -

# Importing a 10,000-row member file: the project's path against django-import-export's default (bench/bench_import.py).
bench-import: $(VENV_STAMP)
	$(PY) bench/bench_import.py

# The daily work: uploads never imported deleted, then a dated backup (database and archived files) into backups/, and back into an empty database (grids/backup.py).
backup: $(VENV_STAMP)
	$(PY) manage.py clean_uploads
	$(PY) manage.py backup

restore: $(VENV_STAMP)
	@test -n "$(FILE)" || { echo "用法：make restore FILE=backups/jinchen-….tar.gz（恢复到空数据库）" >&2; exit 2; }
	$(PY) manage.py restore "$(FILE)"

# 建议配岗 as the branch meetings open it: the largest demo village's page and every village's (bench/bench_match.py).
bench-match: $(VENV_STAMP) assets
	$(PY) bench/bench_match.py

# The county on PostgreSQL behind gunicorn, driven by wrk at 50 connections per page (bench/bench_load.py).
bench-load: sysdeps sysdeps-bench $(VENV_STAMP) assets
	$(PY) bench/bench_load.py

# Dashboard, village and grid pages against a bare Django view, on the demo town and the county (bench/bench_pages.py).
bench-pages: $(VENV_STAMP) assets
	$(PY) bench/bench_pages.py

# The whole county's points registers and proposed stars recomputed from the records, against one member at a
# time (bench/bench_points.py).
bench-points: $(VENV_STAMP)
	$(PY) bench/bench_points.py

# A town's letters as a user prints them (the view, the task queue, two db_worker processes on a PostgreSQL server
# of its own, installed if missing) against one render per letter: speed and the workers' memory (bench/bench_pdf.py).
bench-pdf: sysdeps $(VENV_STAMP)
	$(PY) bench/bench_pdf.py

lint: $(VENV_STAMP)
	@echo "==> ruff check ."
	$(VENV)/bin/ruff check .
	echo "==> ruff format --check ."
	$(VENV)/bin/ruff format --check .

# Recipes run as one bash script (.ONESHELL, -e): the first failing step stops the target.
test: sysdeps-test $(VENV_STAMP) assets
	@echo "==> ruff check ."
	$(VENV)/bin/ruff check .
	echo "==> ruff format --check ."
	$(VENV)/bin/ruff format --check .
	echo "==> manage.py makemigrations --check --dry-run"
	$(PY) manage.py makemigrations --check --dry-run
	echo "==> pytest $(PYTEST_ARGS)"
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules $(VENDOR_DIR) staticfiles
