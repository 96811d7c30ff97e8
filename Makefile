# Two entry points, both creating .venv on first use: `make run` and `make test`. Each is
# scripts/dev.py, which runs them where there is no make too (Windows: python scripts/dev.py test).
PYTHON ?= python3
VENV ?= .venv
WORKSPACE ?= workspace

.PHONY: run test lint bench clean

# run: the app on a learner workspace of your own (created on first run, never overwritten)
# test: lint, types and layers first (seconds), then the suite on two workers
run test lint bench clean:
	$(PYTHON) scripts/dev.py $@ --venv $(VENV) --workspace $(WORKSPACE)
