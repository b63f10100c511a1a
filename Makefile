# OneWindow — the targets CI uses, and a few for daily work.
.PHONY: run build test test-postgres browser ci format lint

run:            ## serve on http://127.0.0.1:8080 (SQLite in ./data)
	swift run onewindow serve

build:
	swift build --build-tests

test: build     ## the Swift suites on SQLite
	swift test --skip-build

test-postgres: build  ## the same suites on a local PostgreSQL 15 (started by .ci/postgres-start.sh)
	DATABASE_URL="$$(bash .ci/postgres-start.sh | tail -n 1)" swift test --skip-build

browser: build  ## headless Chromium smoke test
	bash .ci/browser-deps.sh
	python3 Tests/browser/smoke.py .build/debug/onewindow

ci:             ## everything CI runs
	bash .ci/run

format:
	swift format --in-place --recursive Sources Tests Package.swift

lint:           ## the structure checks CI runs first: module graph, file sizes, swift format lint
	bash .ci/structure.sh
