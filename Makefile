# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make report   environment + sample data + the latest month's reports
#   make test     environment + the whole test suite
# and one to explore:
#   make lab      environment + sample data + JupyterLab on the notebooks
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SPARK  := $(VENV)/.installed-spark
JCONF  := $(VENV)/etc/jupyter/jupyter_server_config.json
DATA   ?= data/sample
MONTH  ?=
ARGS   ?=

.DEFAULT_GOAL := help
.PHONY: help install sample report lab test bench clean-sample

help: ## List the targets with what they do
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@bash scripts/setup-system.sh
	@touch $(STAMP)

# the optional Spark engine (pyspark and Java): installed for the tests, not for the reports
$(SPARK): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	@bash scripts/setup-system.sh spark
	@touch $(SPARK)

# every Jupyter server of the environment strips outputs from the project's notebooks on save
# (toolkit.lab.strip_project_outputs), also when JupyterLab is started without `make lab`
$(JCONF): scripts/jupyter_server_config.json | $(STAMP)
	@mkdir -p $(dir $@)
	cp $< $@

install: $(STAMP) $(JCONF) ## Create the virtual environment (.venv) and install the toolkit when needed

$(DATA)/truth.json: | $(STAMP)
	$(BIN)/toolkit sample --out $(DATA)

sample: $(STAMP) $(DATA)/truth.json ## Generate the bundled sample data set when it is missing

report: $(STAMP) $(JCONF) $(DATA)/truth.json ## Render the latest complete month's reports of the sample into reports/
	$(BIN)/toolkit report $(DATA) $(if $(MONTH),--month $(MONTH),) $(ARGS)

lab: $(STAMP) $(JCONF) $(DATA)/truth.json ## Start JupyterLab on the notebooks, reading the sample (saves strip outputs)
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks --ContentsManager.pre_save_hook=toolkit.lab.strip_outputs \
	  $(if $(filter 0,$(shell id -u)),--allow-root,) $(ARGS)

test: $(STAMP) $(JCONF) $(SPARK) $(DATA)/truth.json ## Run the whole test suite (on the sample, generated when missing)
	$(BIN)/python -m pytest $(ARGS)

bench: $(STAMP) $(DATA)/truth.json ## Run every benchmark (slow, ~15 min; results go to docs/benchmarks.md by hand)
	$(BIN)/python bench/bench_sample.py
	$(BIN)/python bench/bench_lifecycle.py --repeat 5
	$(BIN)/python bench/bench_build.py --users 100000 --repeat 3
	$(BIN)/python bench/bench_build.py --history --repeat 3
	$(BIN)/python bench/bench_preferences.py
	$(BIN)/python bench/bench_cohorts.py --users 100000 --repeat 5
	$(BIN)/python bench/bench_report.py --data $(DATA)
	$(BIN)/python bench/bench_value.py --repeat 3

clean-sample: ## Remove the generated sample data
	rm -rf $(DATA)
