# Two commands on a fresh machine: `make demo` trains on the embedded digits and writes runs/demo;
# `make test` runs the whole test suite. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
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

clean:
	rm -rf $(VENV) runs
