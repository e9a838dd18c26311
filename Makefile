# hlsswarm — common tasks. Run `make help` for the list.

GO          ?= go
PKGS        ?= ./...
STATICCHECK ?= $(shell $(GO) env GOPATH)/bin/staticcheck
BENCH_OUT   ?= bench.txt

.PHONY: help deps load test test-short scale bench lint staticcheck

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

deps: ## install ffmpeg (Debian/Ubuntu apt-get) when it is missing
	@if command -v ffmpeg >/dev/null 2>&1; then \
		echo "ffmpeg found: $$(command -v ffmpeg) ($$(ffmpeg -hide_banner -version | head -n 1))"; \
	elif command -v apt-get >/dev/null 2>&1; then \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y ffmpeg; \
	else \
		echo "ffmpeg is missing and apt-get is not available."; \
		echo "Install ffmpeg 4.1 or newer with your package manager (brew install ffmpeg, dnf install ffmpeg, ...)"; \
		echo "or point HLSSWARM_FFMPEG at an ffmpeg binary."; \
		exit 1; \
	fi

load: ## the main job: a real ffmpeg fleet against the embedded fixture origin, printing its summary
	$(GO) test -count=1 -v -run '^TestOriginUnderLoad$$' ./e2e

# Packages run one at a time (-p 1): e2e, loadtest, internal/parse and
# internal/ffmpeg each run real ffmpeg fleets, and two of them at once on a
# 2-core machine measure the machine, not the code.
test: ## the whole suite with the race detector (needs ffmpeg)
	$(GO) test -race -count=1 -p 1 -timeout 30m $(PKGS)

test-short: ## the suite without the long cases
	$(GO) test -race -count=1 -p 1 -short $(PKGS)

scale: ## capacity: the 300-viewer e2e.TestScale, alone, without the race detector
	HLSSWARM_SCALE=1 $(GO) test -count=1 -v -run '^TestScale$$' -timeout 20m ./e2e

bench: ## every benchmark, 5 runs each, into $(BENCH_OUT) for benchstat
	$(GO) test -run '^$$' -bench . -benchmem -count 5 -timeout 60m $(PKGS) | tee $(BENCH_OUT)

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2

staticcheck: $(STATICCHECK)

lint: $(STATICCHECK) ## gofmt, go vet, staticcheck
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(STATICCHECK) $(PKGS)
