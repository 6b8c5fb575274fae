# Two commands on a fresh machine: `make demo` trains on the embedded digits and writes runs/demo;
# `make test` runs the whole test suite; `make docs` builds the documentation site into site/.
# Each creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench docs clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(VENV)/.installed $@

$(VENV)/.installed-docs: pyproject.toml constraints.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -c constraints.txt -e '.[docs]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	rm -rf runs/demo
	$(BIN)/vaekit train --config configs/digits-2d.toml --out runs/demo
	@echo "pictures: runs/demo/{reconstructions,samples,latent,manifold,traversals,loss}.png; TensorBoard: $(BIN)/tensorboard --logdir runs/demo/tensorboard"

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/fashion_mnist_classic.py

# the documentation site: docs/*.md and the reference generated from the code (docs/hooks.py) -> site/
docs: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) runs site
