# The two commands: `make demo` and `make test`. Everything else is what they stand on.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN    := LIANXIN_DEBUG=1 LIANXIN_DEMO=1 LIANXIN_TASKS=immediate $(BIN)/python manage.py
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: demo test test-fast lint format bench setup assets clean-demo messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

lianxin/static/vendor/.copied: node_modules/.package-lock.json scripts/copy_assets.sh
	scripts/copy_assets.sh
	touch $@

assets: lianxin/static/vendor/.copied

setup: $(VENV)/.installed assets

demo: setup
	$(RUN) migrate --noinput -v0
	$(RUN) import_regions --province 12
	$(RUN) seed_demo
	@echo ""
	@echo "  连心桥 Lianxin demo: http://$(HOST):$(PORT)/"
	@echo "  Accounts (password demo12345):"
	@echo "    city    市委组织部, whole city        hexi    河西区 administrator"
	@echo "    nankai  南开区 administrator          street  a 河西区 street's staff"
	@echo "    center  a 河西区 community center     leader  河西区 包保 leader: /campaign/my-sites/"
	@echo "    head    that center's head (reopened cases)  admin   system administrator (/sysadmin/)"
	@echo "    clerk_dl  东丽区 community window      clerk_xq  西青区 one-stop hall"
	@echo "    hedong    河东区 premises and matching  baodi_cw / ninghe_cw  宝坻/宁河 finance officers"
	@echo "    nankai_gh 南开区 planning department    nankai_zj  南开区 housing department (joint review)"
	@echo "    resident: phone 13800138000 (residents' account, no staff access)"
	@echo "  API docs: http://$(HOST):$(PORT)/api/v1/docs"
	@echo ""
	$(RUN) runserver --noreload $(HOST):$(PORT)

# All tests on the configured database (SQLite unless LIANXIN_DATABASE_URL is set),
# browser journeys included (Debian chromium at /usr/bin/chromium).
test: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: setup
	$(BIN)/ruff check lianxin bench e2e conftest.py
	$(BIN)/ruff format --check lianxin bench e2e conftest.py

format: setup
	$(BIN)/ruff format lianxin bench e2e conftest.py
	$(BIN)/ruff check --fix lianxin bench e2e conftest.py

bench: setup
	$(BIN)/python bench/import_regions.py
	$(BIN)/python bench/campaign_schedules.py
	$(BIN)/python bench/campaign_pages.py

messages: setup
	cd lianxin && LIANXIN_DEBUG=1 ../$(BIN)/python ../manage.py makemessages -l en --no-obsolete
	cd lianxin && LIANXIN_DEBUG=1 ../$(BIN)/python ../manage.py compilemessages -l en

clean-demo:
	rm -f var/lianxin.sqlite3 var/lianxin.sqlite3-wal var/lianxin.sqlite3-shm
