# Tongdai: the two commands a newcomer needs are `make run` and `make test`.
# Everything they need is installed from here (apt when root, pip into .venv,
# npm into web/node_modules); nothing is fetched at run time.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
PYTEST_ARGS ?=

.PHONY: run test build deps test-deps venv pjsua2 ext web prompts lint bench bench-deps bench-acd bench-sip bench-media clean distclean

run: build
	$(VENV)/bin/tongdai run

# pytest's exit status passes through (5: no tests collected) so .ci/run can tell.
test: build test-deps
	@TONGDAI_REQUIRE_COMPILED=1 $(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	  [ $$rc -eq 5 ] && echo "pytest: no tests were collected" >&2; exit $$rc

build: venv pjsua2 ext web prompts

# System packages (Debian): what building and running needs.
deps:
	@bash image/deps.sh run

test-deps: venv
	@bash image/deps.sh test
	@$(PIP) install -e '.[test]' --no-build-isolation

venv: deps $(VENV)/.installed

$(VENV)/.installed: setup.py pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install 'setuptools>=69' 'Cython>=3.0' wheel
	$(PIP) install -e . --no-build-isolation
	touch $@

pjsua2: venv
	@bash image/pjsua2/build.sh $(PY)

# The Cython ACD core and the SIP hot path, compiled in place beside their Python source.
ext: venv
	$(PY) setup.py -q build_ext --inplace -j 2

# Spoken prompts (Vietnamese and English) made with espeak-ng and sox; unchanged ones are kept.
prompts: venv
	@$(PY) -m tongdai.prompts.build

web: web/static/vendor/.built

web/static/vendor/.built: web/package.json web/package-lock.json web/build.mjs
	cd web && npm ci --no-audit --no-fund --loglevel=error && node build.mjs
	touch $@

lint: test-deps
	$(VENV)/bin/ruff check firmware ext tests bench setup.py

bench: build bench-deps
	$(PY) bench/acd.py
	$(PY) bench/sip_register.py
	$(PY) bench/media_calls.py

bench-deps: venv
	@$(PIP) install -e '.[bench]' --no-build-isolation

# ACD simulation speed: the compiled core, the same core interpreted, and a SimPy model.
bench-acd: build bench-deps
	$(PY) bench/acd.py

# SIP registrations per second, Tongdai against Kamailio, one core each (installs
# SIPp and Kamailio with apt-get when missing).
bench-sip: build
	$(PY) bench/sip_register.py

# Concurrent bridged, recorded calls with RTP (SIPp at both ends): loss, CPU, memory,
# post-dial delay.
bench-media: build
	$(PY) bench/media_calls.py

clean:
	rm -rf build ext/*.c ext/*.so web/static/vendor web/node_modules
	rm -f firmware/tongdai/*/*.c firmware/tongdai/*/*.so
	rm -rf firmware/tongdai/prompts/sounds
	find . -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) var
