# Two commands matter (see README.md): `make demo` and `make test`. The rest serve development and CI.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format migrations check-migrations clean

# Reinstall only when the declared requirements change.
$(STAMP): pyproject.toml example_project/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "khub-plugin needs Python 3.11 or newer: run e.g. PYTHON=python3.12 make demo")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The package from this checkout (editable) with its test tools, and what the demo intranet needs besides.
	$(BIN)/python -m pip install --quiet -e ".[dev,modeladmin]" -r example_project/requirements.txt
	touch $(STAMP)

demo: $(STAMP)
	cd example_project && ../$(BIN)/python manage.py migrate --noinput -v 0
	cd example_project && ../$(BIN)/python manage.py load_demo
	cd example_project && ../$(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations: $(STAMP)
	cd example_project && ../$(BIN)/python manage.py makemigrations

check-migrations: $(STAMP)
	cd example_project && ../$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) .tox build dist *.egg-info example_project/db.sqlite3 example_project/static example_project/media
