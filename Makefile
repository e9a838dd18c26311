# hlsswarm — common tasks. Run `make help` for the list.

GO          ?= go
PKGS        ?= ./...
STATICCHECK ?= $(shell $(GO) env GOPATH)/bin/staticcheck
BENCH_OUT   ?= bench.txt

# FFMPEG41 is the static ffmpeg 4.1 build the compatibility job runs (from
# the npm registry: not committed, fetched by `make ffmpeg41`).
FFMPEG41_PKG ?= @ffmpeg-installer/linux-x64@4.1.0
FFMPEG41_DIR ?= .cache/ffmpeg41
FFMPEG41     := $(FFMPEG41_DIR)/package/ffmpeg
TRUTH_TESTS  ?= ^(TestTruth|TestOriginUnderLoad)$$
FAULTS41     ?= ^TestFaults$$/^keepalive_(off|on)$$/^(404_segments|503_bursts)$$

.PHONY: help deps load test test-timing test-short scale scale-native bench lint staticcheck ffmpeg41 test-ffmpeg41 test-deploy

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

# Each tool a test needs, as "command:Debian package": deps installs the
# packages of the missing ones with one apt-get update and one install.
DEPS_TOOLS = ffmpeg:ffmpeg chromium:chromium stress-ng:stress-ng prometheus:prometheus promtool:prometheus \
	prometheus-pushgateway:prometheus-pushgateway

deps: ## install ffmpeg, chromium, stress-ng, prometheus and its pushgateway (Debian/Ubuntu apt-get) when they are missing
	@missing=""; \
	for t in $(DEPS_TOOLS); do \
		cmd=$${t%%:*}; pkg=$${t#*:}; \
		if command -v $$cmd >/dev/null 2>&1; then echo "$$cmd found: $$(command -v $$cmd)"; \
		else case " $$missing " in *" $$pkg "*) ;; *) missing="$$missing $$pkg";; esac; fi; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if command -v apt-get >/dev/null 2>&1; then \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		echo "installing$$missing"; \
		$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	else \
		echo "missing:$$missing, and apt-get is not available."; \
		echo "Without ffmpeg (4.1 or newer; or HLSSWARM_FFMPEG naming one) the ffmpeg engine cannot run;"; \
		echo "without chromium, stress-ng or prometheus the tests that need them skip (and fail under CI=true)."; \
		case "$$missing" in *ffmpeg*) exit 1;; esac; \
	fi
	@ffmpeg -hide_banner -version | head -n 1

ffmpeg41: $(FFMPEG41) ## fetch the static ffmpeg 4.1 build (npm pack; nodejs/npm from apt-get when missing)

$(FFMPEG41):
	@if ! command -v npm >/dev/null 2>&1; then \
		if command -v apt-get >/dev/null 2>&1; then \
			SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
			$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm; \
		else \
			echo "npm is missing and apt-get is not available: install nodejs and npm"; exit 1; \
		fi; \
	fi
	rm -rf $(FFMPEG41_DIR) && mkdir -p $(FFMPEG41_DIR)
	cd $(FFMPEG41_DIR) && npm pack --silent $(FFMPEG41_PKG) >/dev/null && tar xzf *.tgz && rm -f *.tgz
	chmod +x $(FFMPEG41)
	$(FFMPEG41) -hide_banner -version | head -n 1

test-ffmpeg41: $(FFMPEG41) ## the truth tests (TestTruth, TestOriginUnderLoad, TestFaults' status cases) again with ffmpeg 4.1
	HLSSWARM_FFMPEG=$(abspath $(FFMPEG41)) $(GO) test -race -count=1 -timeout 30m -run '$(TRUTH_TESTS)' ./e2e
	HLSSWARM_FFMPEG=$(abspath $(FFMPEG41)) $(GO) test -race -count=1 -timeout 30m -run '$(FAULTS41)' ./e2e

# LOAD_OUT receives the reports of `make load` (go test -artifacts puts
# them under $(LOAD_OUT)/_artifacts/<package>/<test>/<random>/).
LOAD_OUT ?= .cache/load

load: ## the main job: a real ffmpeg fleet against the embedded fixture origin, printing its summary and where its HTML report is
	@mkdir -p $(LOAD_OUT)
	@$(GO) test -count=1 -v -artifacts -outputdir $(abspath $(LOAD_OUT)) -run '^TestOriginUnderLoad$$' ./e2e; status=$$?; \
		report=$$(find $(abspath $(LOAD_OUT))/_artifacts -name 'TestOriginUnderLoad.html' -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -n 1 | cut -d' ' -f2-); \
		if [ -n "$$report" ]; then echo "HTML report: $$report"; else echo "no HTML report written"; fi; \
		exit $$status

# Packages run one at a time (-p 1): e2e, loadtest, internal/pump and
# internal/ffmpeg each run real ffmpeg fleets, and two of them at once on a
# 2-core machine measure the machine, not the code.
test: ## the whole suite with the race detector (needs ffmpeg), then the timing tests without it and the Kubernetes manifests
	$(GO) test -race -count=1 -p 1 -timeout 30m $(PKGS)
	$(MAKE) test-timing
	$(MAKE) test-deploy

# Tests that measure playback timing skip under -race, which slows Go code
# several times over; they run here without it.
TIMING_TESTS ?= ^TestSpeedNoFalseAlarm$$

test-timing: ## the tests that measure playback timing, without the race detector
	$(GO) test -count=1 -timeout 10m -run '$(TIMING_TESTS)' ./e2e

# deploy/kubernetes is a module of its own (the Kubernetes API types stay
# out of the library's dependencies): go test ./... at the root skips it.
test-deploy: ## validate the Kubernetes manifests and Dockerfile (deploy/kubernetes, no cluster needed)
	cd deploy/kubernetes && $(GO) test -count=1 ./...

test-short: ## the suite without the long cases
	$(GO) test -race -count=1 -p 1 -short $(PKGS)

SCALE_STEPS ?= 100,200,300,500,700,1000
SCALE_ENGINE ?=

scale: ## capacity: the largest live fleet this machine holds (e2e.TestScale over SCALE_STEPS; SCALE_ENGINE=native for the native engine), alone, without the race detector
	HLSSWARM_SCALE=$(SCALE_STEPS) HLSSWARM_SCALE_ENGINE=$(SCALE_ENGINE) $(GO) test -count=1 -v -run '^TestScale$$' -timeout 40m ./e2e

NATIVE_SCALE_STEPS ?= 1000,2000,3000,5000

scale-native: ## density of the native engine: live viewers over NATIVE_SCALE_STEPS, origin in process and in a child (internal/player BenchmarkLiveDensity), alone, without the race detector
	HLSSWARM_NATIVE_SCALE=$(NATIVE_SCALE_STEPS) $(GO) test -run '^$$' -bench LiveDensity -benchtime 1x -timeout 40m ./internal/player

bench: ## every benchmark, 5 runs each, into $(BENCH_OUT) for benchstat
	$(GO) test -run '^$$' -bench . -benchmem -count 5 -timeout 60m $(PKGS) | tee $(BENCH_OUT)

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2

staticcheck: $(STATICCHECK)

lint: $(STATICCHECK) ## gofmt, go vet (and for darwin, windows, freebsd), staticcheck
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	for os in darwin windows freebsd; do GOOS=$$os $(GO) build ./... && GOOS=$$os $(GO) vet ./loadtest ./assert ./fixtures ./verdict || exit 1; done
	$(STATICCHECK) $(PKGS)
	cd deploy/kubernetes && $(GO) vet ./...
	cd deploy/kubernetes && $(STATICCHECK) ./...
