# Two entry points, both creating .venv on first use: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
WORKSPACE ?= workspace

.PHONY: run test lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# the app on a learner workspace of your own (created on first run, never overwritten)
run: $(VENV)/.installed
	$(VENV)/bin/grader init $(WORKSPACE) > /dev/null
	FORWARDLAB_WORKSPACE=$(WORKSPACE) $(VENV)/bin/forwardlab

# lint and types first (seconds), then the suite
# two pytest workers: most tests wait on a subprocess or a grading child
test: lint
	$(PY) -m pytest -q -n 2 --dist loadgroup

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: $(VENV)/.installed
	$(PY) bench/grade_latency.py

clean:
	rm -rf $(VENV) build *.egg-info
