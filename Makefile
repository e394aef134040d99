# AIPIA Credentials — everyday commands. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
TEST_WORKERS ?= auto
STAMP := $(VENV)/.installed

.PHONY: install run test test-s3 lint typecheck format check-deploy lock messages worker clean screenshots

$(STAMP): requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	touch $(STAMP)

node_modules/.installed: package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the browser tests' accessibility checks (axe-core) will be skipped; apt-get install npm"; fi

install: $(STAMP) node_modules/.installed  ## .venv with everything the app and the tests need, axe-core (npm) for the browser tests, and the official EDC material
	$(BIN)/python manage.py install_edc_material

run: install  ## the embedded default: SQLite, local files, in-process tasks, demo data, on 127.0.0.1:$(PORT)
	$(BIN)/python manage.py migrate --noinput
	SEAL_TEST_PKI=$${SEAL_TEST_PKI:-true} WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=$${WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:-true} SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/python manage.py seed_demo
	@echo "Demo: STAFF_2FA_REQUIRED=false, so the demo's committee members and administrator sign in with a password alone."
	@echo "      In production (DEBUG=false) staff and committee members must set up two-factor authentication."
	@echo "Webhooks: the demo endpoint posts to 127.0.0.1:8765; watch the events with 'python manage.py webhook_receiver'."
	@echo "Outbox: each e-mail and webhook is tried once after its change; retry what failed with 'python manage.py deliver_outbox' (or --loop 60)."
	SEAL_TEST_PKI=$${SEAL_TEST_PKI:-true} WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=$${WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:-true} STAFF_2FA_REQUIRED=$${STAFF_2FA_REQUIRED:-false} SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install  ## the suite but its minutes-long tests, on every core (DATABASE_URL for PostgreSQL; TEST_WORKERS=1 for one process)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not slow"

test-all: install  ## everything, the slow tests too (site-wide browser walk, schemathesis): what CI runs
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

test-s3: install  ## the tests that store, serve or erase files (marker `storage`) again, on S3: moto's server mode on 127.0.0.1
	STORAGE_BACKEND_UNDER_TEST=s3 $(BIN)/python -m pytest -n $(TEST_WORKERS) -m "storage and not slow"

screenshots: install  ## the four journeys (applicant, committee, verifier, admin) at desktop and phone widths, as PNG files in var/screenshots/ (demo data, a live server, Chromium)
	rm -rf var/screenshots
	SCREENSHOTS_DIR=$(CURDIR)/var/screenshots $(BIN)/python -m pytest tests/e2e/screenshots.py -o python_files=screenshots.py -p no:cacheprovider -q
	@echo "$$(find var/screenshots -name '*.png' | wc -l) screenshots in var/screenshots/desktop and var/screenshots/phone"

lint: install  ## ruff, and the import layers (import-linter contracts in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install  ## mypy with django-stubs on the services and pure modules
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-deploy: install  ## Django's deployment checks with production-like settings (and a throwaway test seal)
	DEBUG=true DATABASE_URL=sqlite:////tmp/aipia-check.sqlite3 $(BIN)/python manage.py create_test_seal /tmp/aipia-check-seal.p12
	DEBUG=false SECRET_KEY=$$(head -c 64 /dev/urandom | base64 | tr -d '\n/+=' | head -c 60) \
	  ALLOWED_HOSTS=credentials.example.org DATABASE_URL=sqlite:////tmp/aipia-check.sqlite3 \
	  SEAL_PKCS12_PATH=/tmp/aipia-check-seal.p12 \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

messages: install  ## refresh the Italian translation catalogue, then compile it
	$(BIN)/python manage.py makemessages -l it --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=node_modules
	$(BIN)/python manage.py compilemessages --ignore=.venv

lock:  ## re-pin dependencies after editing pyproject.toml
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml -q -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev -q -o requirements-dev.lock

worker: install  ## a Celery worker (needs CELERY_BROKER_URL)
	$(BIN)/celery -A aipia worker -l info

clean:
	rm -rf $(VENV) var node_modules .pytest_cache .ruff_cache
