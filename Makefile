# ecrctl: `make demo` and `make test` are all a new machine needs.
GO                    ?= go
BIN                   := bin/ecrctl
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT         := $(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
ACTIONLINT_VERSION    := v1.7.12
ACTIONLINT            := $(GO) run github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)
GORELEASER_VERSION    := v2.15.1
GORELEASER            := $(GO) run github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION)
FUZZTIME              ?= 60s
# What `ecrctl version` prints for a local build; release archives get the same
# from GoReleaser (.goreleaser.yaml) and `go install ...@VERSION` from Go.
VERSION               ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION              ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS               := -X main.version=$(VERSION) -X main.revision=$(REVISION)

.PHONY: build test unit e2e lint cross fuzz docs demo bench release-check release-snapshot clean

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/ecrctl

# Unit tests, golden files, the fake-ECR convergence tests, a short fuzz run of
# the spec loader, and end-to-end tests of the built binary against moto.
# The end-to-end package alone takes about 10 minutes on a busy 2-core
# machine, go test's default timeout; 30m leaves room without hiding a hang.
test:
	$(GO) test -count=1 -timeout 30m ./...
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=10s ./internal/spec

unit:
	$(GO) test -count=1 -short ./...

e2e:
	$(GO) test -count=1 -v -run 'TestE2E' ./internal/e2e

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=darwin $(GO) vet ./...
	$(GOLANGCI_LINT) run ./...
	$(ACTIONLINT) .github/workflows/*.yml
	$(GO) test -count=1 ./internal/ghaction   # action.yml: actionlint checks its use, not the file
	@$(MAKE) --no-print-directory cross

# ecrctl builds for every platform it is released for (the binary is
# discarded; the compile cache makes reruns fast).
CROSS_PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

cross:
	@for p in $(CROSS_PLATFORMS); do \
		echo "GOOS=$${p%/*} GOARCH=$${p#*/} go build ./cmd/ecrctl"; \
		GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) build -o /dev/null ./cmd/ecrctl || exit 1; \
	done

fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=$(FUZZTIME) ./internal/spec

# Regenerates docs/cli (one page per command, from the cobra tree); a test
# fails when the committed pages differ from the commands' help.
docs:
	$(GO) test -count=1 -run '^TestCLIDocs$$' ./cmd/ecrctl -update

# Builds ecrctl, starts a local ECR emulator on a free port (moto when
# python3 can import it, else the in-memory fake served over ECR's JSON
# protocol, which needs only Go; DEMO_BACKEND=moto|fake forces one), runs
# plan, apply, plan on registry.yaml against it, and stops the emulator.
demo: build
	@GO=$(GO) bash internal/e2e/demo.sh $(BIN)

# Not part of `make test`: ecrctl against moto behind a latency-injecting
# proxy, beside an AWS CLI loop; writes bench/results.md.
# BENCH_N=100,1000,5000 adds the 5000-repository run (about 6 more minutes).
BENCH_N ?= 100,1000

bench: build
	$(GO) run ./bench/cmd/ecrbench -ecrctl $(BIN) -n $(BENCH_N)

# Validates .goreleaser.yaml; the first run builds goreleaser (a few minutes).
release-check:
	$(GORELEASER) check

# Every release archive and the checksums file into dist/, nothing published.
release-snapshot:
	$(GORELEASER) release --snapshot --clean

clean:
	rm -rf bin dist
