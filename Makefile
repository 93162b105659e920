# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MODEL := models/default

.PHONY: install install-embeddings demo test lint studio clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@# CI runs the embedding tests too; locally they skip, naming `make install-embeddings`.
	if [ "$$CI" = true ]; then $(BIN)/pip install --quiet -e '.[test,embeddings]'; fi
	touch $@

install-embeddings: $(INSTALLED)
	$(BIN)/pip install --quiet -e '.[test,embeddings]'

install: $(INSTALLED)

TRAIN := $(BIN)/newstag train --data labeling/seed_annotations.json --quality benchmarks/QUALITY.md \
	--output $(MODEL) --force > /dev/null

# Trained once, and again by `make demo` when the folder no longer loads (an older model
# format, say); delete models/default (or run `newstag train --force`) to retrain by hand.
$(MODEL)/model.skops: $(INSTALLED)
	$(TRAIN)

demo: $(INSTALLED) $(MODEL)/model.skops
	@$(BIN)/newstag info $(MODEL) > /dev/null 2>&1 || { echo "retraining $(MODEL), which this newstag cannot load"; $(TRAIN); }
	@$(BIN)/newstag info $(MODEL)
	@echo "Tagging the seed articles. The model was trained on them, so these labels look better"
	@echo "than it would do on unseen articles: the cross-validated scores above are the honest ones."
	@$(BIN)/newstag tag seeds/ --model $(MODEL)

test: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# A local Label Studio with the seed sentences in project "newstag-seeds"; prints URL and login.
studio: $(INSTALLED)
	$(BIN)/newstag studio start
	$(BIN)/newstag export seeds/ --project newstag-seeds
	$(BIN)/newstag studio login

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src tests

clean:
	rm -rf $(VENV) .pytest_cache data/annotations
