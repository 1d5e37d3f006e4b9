"""Run by scripts/test-spark when NPSIGHT_TEST_RAY=1: the Ray runner against one `npsight tag`
run (lexicon tagger). The bundled example's records, each with its row, in a Ray dataset of
four blocks tagged by two workers: the lines, in row order, must equal one run's byte for byte.
"""
import os
import tempfile
import time

import ray

from npsight.ray import tag_dataset
from spark_check import compare, german_stream, one_run, read_example

BIN = os.environ["NPSIGHT_BIN"]


def check(records, expected, what):
    numbered = [dict(r, row=i) for i, r in enumerate(records, 1)]
    ds = ray.data.from_items(numbered, override_num_blocks=4)
    t0 = time.time()
    lines = [r["line"] for r in tag_dataset(ds, encoder="none", batch_size=64).take_all()]
    took = time.time() - t0
    compare(lines, expected, "ray", what)
    return took


def main():
    tmp = tempfile.mkdtemp()
    records = read_example()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        took = check(records, one_run(records, tmp, "example"), "the example")
        de = german_stream()
        check(de, one_run(de, tmp, "de"), "German with short answers")
    finally:
        ray.shutdown()
    print(f"ray check: {len(records)} records in 4 blocks, 2 workers: lines identical to one "
          f"`npsight tag` run ({took:.1f} s in Ray); the German stream with short answers too")


if __name__ == "__main__":
    main()
