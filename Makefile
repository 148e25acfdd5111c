# Two commands for a newcomer: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PO     := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)

.PHONY: run test lint i18n i18n-extract i18n-update i18n-compile install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's dependencies change.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) i18n-compile

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@ >/dev/null

i18n-compile: $(MO)

# The web server and, beside it, a worker for background jobs (imports, e-mails, exports);
# both stop together (Ctrl-C).
run: install
	$(BIN)/elearn db upgrade
	$(BIN)/elearn demo
	@$(BIN)/elearn worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/elearn run --host 127.0.0.1 --port 5000

# Both cores (or all of them): each pytest-xdist worker has its own databases, instance
# folder, ports and Redis databases (tests/harness.py). `make test PYTEST_WORKERS=0` runs
# in one process; PYTEST_ARGS picks tests (`PYTEST_ARGS="-k quiz tests/test_quizzes.py"`).
PYTEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check elearn tests
	$(BIN)/ruff format --check elearn tests

# Extract the English msgids, merge them into the fr and ar catalogs, compile.
i18n-extract: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k _l -k lazy_gettext -k _n:1,2 -k lazy_ngettext:1,2 -o translations/messages.pot elearn

i18n-update: i18n-extract
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations

i18n: i18n-update
	$(BIN)/pybabel compile -d translations

clean:
	rm -rf $(VENV) build dist *.egg-info
