# Atelier: README's two commands are `make run` and `make test`.
GO      ?= go
ADDR    ?= 127.0.0.1:8080
DATA    ?= ./data
BIN     := bin/atelier

.PHONY: run build web test e2e bench-e2e deps bench fuzz clean

## run: build everything (web app and server) and serve on http://$(ADDR) with SQLite under $(DATA)
run: build
	./$(BIN) serve --addr $(ADDR) --data $(DATA)

## build: build the web editor (web/dist/app), then the atelier binary that embeds it
build: web
	$(GO) build -o $(BIN) ./cmd/atelier

## web: build the browser editor with Vite (npm packages installed first if missing)
web:
	@if [ ! -d node_modules ]; then echo "npm install"; npm install --no-save --no-audit --no-fund --loglevel=error; fi
	npm run --silent build:web

## deps: install what the tests need (npm packages, PostgreSQL running)
deps:
	./.ci/setup

## test: the whole suite, as CI runs it (the browser suite runs against the freshly built binary)
test: deps build
	@unformatted="$$(gofmt -l $$(git ls-files '*.go'))"; if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted" >&2; exit 1; fi
	$(GO) vet ./...
	npm run --silent typecheck:web
	npm run --silent test:web
	$(GO) test -race -count=1 -timeout 30m ./...
	npm run --silent test:e2e

## e2e: the browser suite alone (Chromium, two designers, a real server); bench-e2e: its measurements
e2e: build
	npm run --silent test:e2e
bench-e2e: build
	npm run --silent bench:e2e

## bench: the engine and store benchmarks (figures go in docs/performance.md)
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3000x ./crdt/
	$(GO) test -run '^$$' -bench . ./store/... ./crdt/format/ ./scene/
	$(GO) test -run '^$$' -bench BenchmarkFanout -benchtime 1x ./review/media/

## fuzz: run every fuzz target for FUZZTIME each (not part of the test suite)
FUZZTIME ?= 30s
FUZZ := server/wire:FuzzDecode server/wire:FuzzDecodeFastAgrees server/wire:FuzzParseDocURL \
	crdt/format:FuzzParseChange crdt/format:FuzzParseChangeBody crdt/format:FuzzDecodeSyncMessage \
	crdt/format:FuzzDecodeBloom scene:FuzzLayerStateJSON scene:FuzzResolveGraph scene:FuzzKeyBetween \
	scene:FuzzParseOpMessage server/auth:FuzzVerify \
	review:FuzzAnnotationInput review:FuzzCheckFrame review/media:FuzzParseFragment review/media:FuzzParseSample \
	review/internal/rtpkey:FuzzH264 review/internal/rtpkey:FuzzVPX \
	review/recording:FuzzReadIndex review/recording:FuzzCodecs
fuzz:
	@for t in $(FUZZ); do pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzz $$pkg $$fn"; $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) ./$$pkg/ || exit 1; done

clean:
	rm -rf bin web/dist/app
