# The two commands of the README: `make run` sets everything up and analyses the bundled
# example into out/; `make test` runs every check CI runs (.ci/run calls it).

CARGO ?= cargo
OUT ?= out

.PHONY: run test build lint clean

build:
	$(CARGO) build --release --locked

# Exit code 1 means "finished, some rows rejected": the example contains four bad rows on
# purpose, so 1 is success here; anything else fails.
run: build
	./target/release/npsight analyze examples/feedback.csv --out $(OUT) || [ $$? -eq 1 ]
	@echo "Open $(OUT)/report.html in a browser; tagged data in $(OUT)/tagged.csv."

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

test: lint
	$(CARGO) test --locked

clean:
	rm -rf $(OUT) target
