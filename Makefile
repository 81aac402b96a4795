# doorstep: `make site` builds the site with its pamphlets; `make test` runs every test.
# Both set everything up first (Debian packages, .venv/), so they work on a bare machine.

export NO_MKDOCS_2_WARNING := 1
VENV := .venv

.PHONY: site test serve check bench clean

site:
	@scripts/setup site
	$(VENV)/bin/doorstep build

test:
	@scripts/setup test
	$(VENV)/bin/doorstep check
	$(VENV)/bin/python -m pytest

serve:
	@scripts/setup site
	$(VENV)/bin/doorstep serve

check:
	@scripts/setup site
	$(VENV)/bin/doorstep check

bench:
	@scripts/setup bench
	$(VENV)/bin/python scripts/bench_site
	$(VENV)/bin/python scripts/bench_pamphlets
	$(VENV)/bin/python scripts/bench_campaigns

clean:
	rm -rf site .cache dist
