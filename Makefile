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

# the dev install, then the [synthetic] extra's SDMetrics without its dependencies: sdmetrics 0.32 and copulas pin
# pandas<3, yet both run on pandas 3 (QualityReport, DiagnosticReport, DCR checked); --no-deps keeps the pandas 3
# that the suite tests (users of the extra get whatever pandas pip resolves)
$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps -c constraints.txt sdmetrics==0.32.0 copulas==0.14.1 plotly==7.1.0 \
		narwhals==2.29.0
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
