# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MODEL := models/default

.PHONY: install test-deps chromium demo test test-unit lint lock check-locks studio clean

# Every package is installed at the version its lock pins (locks/newstag.txt), so a new
# upstream release changes nothing here until `make lock` takes it in.
LOCK := locks/newstag.txt

$(INSTALLED): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --constraint $(LOCK) --upgrade pip
	@# The default model's features include sentence embeddings: the extra is part of the install.
	$(BIN)/pip install --quiet --constraint $(LOCK) -e '.[test,embeddings]'
	touch $@

install: $(INSTALLED)

HELD_OUT := labeling/corpus/evaluation_articles.txt
# The default model learns from the seeds and the corpus, never from the corpus' evaluation
# articles, so the held-out scores `make demo` prints are about articles it never saw.
TRAIN := $(BIN)/newstag train --data labeling/seed_annotations.json --data labeling/corpus \
	--hold-out $(HELD_OUT) --quality benchmarks/QUALITY.md --output $(MODEL) --force > /dev/null

# Trained when missing or older than its data or config, and again by `make demo` when the
# folder no longer loads (an older model format, say).
$(MODEL)/model.skops: $(INSTALLED) configs/default.toml labeling/seed_annotations.json \
		$(wildcard labeling/corpus/*.json) $(HELD_OUT)
	@echo "training $(MODEL) on the seeds and the corpus (a few minutes) ..."
	$(TRAIN)

demo: $(INSTALLED) $(MODEL)/model.skops
	@$(BIN)/newstag info --model $(MODEL) > /dev/null 2>&1 || { echo "retraining $(MODEL), which this newstag cannot load"; $(TRAIN); }
	@$(BIN)/newstag info --model $(MODEL)
	@echo "Scores on the $$(wc -l < $(HELD_OUT)) held-out evaluation articles, which the model never saw:"
	@$(BIN)/newstag evaluate labeling/corpus --model $(MODEL) --only $(HELD_OUT) -o out/evaluation --force 2>/dev/null \
		| sed -n '/^| group | macro-F1/,/^$$/p'
	@echo "Tagging the seed articles. The model was trained on them, so these labels look better"
	@echo "than it would do on unseen articles: the held-out scores above are the honest ones."
	@echo "The last article (examples/) is about Sudan: the responsible spans name its parties."
	@$(BIN)/newstag tag seeds/ examples/sudan-el-fasher.txt --model $(MODEL)
	@$(BIN)/newstag report seeds/ examples/sudan-el-fasher.txt --model $(MODEL) -o out/report.html --force

# Debian's Chromium and ChromeDriver for the browser tests: installed when run as root,
# else one line with the command to run.
chromium:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else \
	    echo "make test needs Chromium: run \`sudo apt-get install -y chromium chromium-driver\`, then make test again" >&2; exit 1; \
	  fi; \
	fi

# Everything the whole suite needs beyond the install: Label Studio in .studio/, Chromium.
test-deps: $(INSTALLED) chromium
	@$(BIN)/newstag studio install

# The whole suite, Label Studio and browser tests included; nothing may skip.
test: check-locks test-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# The quick loop while coding: no Label Studio, no browser.
test-unit: $(INSTALLED)
	$(BIN)/python -m pytest -m "not studio and not browser"

# A local Label Studio with the seed sentences in project "newstag-seeds"; prints URL and login.
studio: $(INSTALLED)
	$(BIN)/newstag studio start
	$(BIN)/newstag export seeds/ --project newstag-seeds
	$(BIN)/newstag studio login

# The upgrade path: `make lock` (fresh installs from PyPI, frozen), `make test`, commit the locks.
lock: $(INSTALLED)
	$(BIN)/python locks/lock.py update

# Fails, naming the package, when pyproject.toml or the Label Studio version moved past a lock.
check-locks: $(INSTALLED)
	$(BIN)/python locks/lock.py check

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src tests

clean:
	rm -rf $(VENV) .pytest_cache data/annotations
