# MTB: `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := mtb
MTB_PORT ?= 5000

.PHONY: run test bench migration db-upgrade translations clean fonts

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# PDFs print patients' names in any script; Chinese, Japanese and Korean glyphs come from
# Debian's Noto CJK fonts (installed here when missing and allowed, else explained).
fonts:
	@fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's fonts-noto-cjk for names in CJK scripts in the PDFs..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	  else echo "Note: install a CJK font (Debian: apt-get install fonts-noto-cjk) so PDFs print CJK names."; fi; }

# axe-core, run by the browser tests in Chromium for accessibility checks (never served).
node_modules/.installed: package.json
	@if command -v npm >/dev/null; then npm install --no-audit --no-fund --silent && touch $@; \
	else echo "Note: npm is missing; the accessibility tests are skipped (CI installs it)."; fi

db-upgrade: $(STAMP)
	$(BIN)/flask db upgrade heads

run: db-upgrade fonts
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask signing demo-ca
	@echo ""
	@echo "  MTB is starting at http://127.0.0.1:$(MTB_PORT)"
	@echo "  Log in as clinician@example.org, secretary@example.org, chair@example.org,"
	@echo "  member@example.org or admin@example.org, password: $${MTB_DEMO_PASSWORD:-tumour-board-demo}"
	@echo "  (Ctrl-C stops the web server and the scheduler)"
	@echo ""
	$(BIN)/python -m mtb.serve --port $(MTB_PORT)

test: $(STAMP) fonts node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# Regenerate the schema migration from the models (development only, see README).
migration: $(STAMP)
	$(BIN)/python -m mtb.devtools.make_migration

# Refresh the French catalogue from the code, then compile it (commit both files).
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location -o mtb/translations/messages.pot .
	$(BIN)/pybabel update -i mtb/translations/messages.pot -d mtb/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d mtb/translations

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules
