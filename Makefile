# coyeu-lms: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export LMS_ENV ?= development
# Links and certificates' QR codes point where the server listens, unless set otherwise.
export LMS_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test install dev lint fmt translations catalog worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations

dev: $(VENV)/.installed-dev translations

# Compile the gettext catalogs (the .mo files are build output, not in git).
translations: | $(BIN)/python
	$(BIN)/pybabel compile -d lms/translations

# Refresh the catalogs from the sources after changing UI strings.
catalog: $(VENV)/.installed-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o lms/translations/messages.pot --no-location --sort-output --project coyeu-lms .
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching

# The job worker runs beside the development server; Ctrl-C stops both and make ends
# quietly with status 0 (lms/devserver.py says how).
run: install
	$(BIN)/lms db upgrade
	$(BIN)/lms certificates init-keys
	$(BIN)/lms demo
	$(BIN)/lms dev-server --host $(HOST) --port $(PORT)

# The browser journeys and fault injections start servers and switch the process-wide job
# queue, so each group runs in a pytest process of its own.
test: dev
	$(BIN)/pytest -q -m "not e2e and not faults" $(PYTEST_ARGS)
	$(BIN)/pytest -q -m "e2e" $(PYTEST_ARGS)
	$(BIN)/pytest -q -m "faults" $(PYTEST_ARGS)

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
