# Two commands: `make run` serves the demo, `make test` runs every test. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The public address baked into certificates, QR codes and e-mailed links: by default the one `make run` serves.
BASE_URL ?= http://$(HOST):$(PORT)
export FLASK_APP := app

.PHONY: run test bench venv dev-venv translations lint system-deps migrate clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

venv: $(VENV)/.installed
dev-venv: $(VENV)/.installed-dev

translations: venv
	$(BIN)/pybabel compile --use-fuzzy -d translations -f >/dev/null

migrate: venv translations
	@bash scripts/system-deps.sh run
	$(BIN)/flask db upgrade

run: migrate
	BASE_URL=$(BASE_URL) $(BIN)/flask seed-demo --if-empty
	@echo
	@echo "Serving on http://$(HOST):$(PORT)  (log in at /login; BASE_URL=$(BASE_URL))"
	@echo "Demo logins, password demo1234: admin@demo.lms, trainer@demo.lms, trainee1@demo.lms ... trainee5@demo.lms, participant1@demo.lms ... participant4@demo.lms"
	@echo
	BASE_URL=$(BASE_URL) $(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) app:app

# Debian packages the tests need: Chromium, PostgreSQL, poppler-utils, zbar-tools (and Pango).
system-deps:
	@bash scripts/system-deps.sh test

lint: dev-venv
	$(BIN)/ruff check .

test: system-deps dev-venv translations lint
	$(BIN)/pytest -q
	bash scripts/with-postgres.sh $(BIN)/pytest -q --ignore=tests/e2e

# Benchmarks: figures as ratios against baselines measured in the same run (see README, "Benchmarks").
bench: system-deps dev-venv translations
	@bash scripts/system-deps.sh bench
	$(BIN)/python scripts/bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
