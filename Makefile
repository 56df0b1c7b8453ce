# 窗口 — everyday commands. Needs only Python >= 3.11, pip and make.
#   make run ARGS="check"     pass arguments to bot.py

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# Set-up re-runs only when the declared dependencies change.
STAMP  := $(VENV)/.installed

.PHONY: setup run test bench check clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e ".[test]"
	touch $@

run: $(STAMP)
	$(PY) bot.py $(ARGS)

test: $(STAMP)
	$(PY) -m pytest -q

check: $(STAMP)
	$(PY) bot.py check

bench: $(STAMP)
	@set -e; for script in $(wildcard bench/*.py); do echo "== $$script"; $(PY) $$script; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis bench/out
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
