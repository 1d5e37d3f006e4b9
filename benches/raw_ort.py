#!/usr/bin/env python3
"""Raw ONNX Runtime baseline for scripts/bench: the same padded batch shapes npsight ran.

Reads the `NPSIGHT_TIMINGS {json}` line of an `npsight analyze` log (NPSIGHT_TIMINGS=1), whose
`batch_shapes` lists [rows, seq, count] for every padded batch the encoder ran, and replays
batches of exactly those shapes through onnxruntime's own Python session (the same library
version as npsight loads; one intra-op thread, sequential, graph optimisation "all", no
spinning: npsight's per-session settings) with random non-special token ids. Prints one line
`RAW_ORT {json}` with the CPU seconds for all of them (`seconds`; `wall` too; extrapolated when
`--fraction` < 1 replays only that share of each shape's batches) to compare with npsight's
`encode` CPU seconds (both are CPU time, so a busy machine does not skew the ratio): the ratio is what the pipeline adds around the forward pass (padding,
tensor creation, pooling, session locking).

usage: raw_ort.py LOG MODEL.onnx [--fraction F]
"""

import json
import sys
import time

import numpy as np
import onnxruntime as ort


def main():
    args = sys.argv[1:]
    fraction = 1.0
    if "--fraction" in args:
        i = args.index("--fraction")
        fraction = float(args[i + 1])
        del args[i : i + 2]
    log, model = args
    timings = None
    with open(log, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("NPSIGHT_TIMINGS "):
                timings = json.loads(line[len("NPSIGHT_TIMINGS "):])
    if timings is None:
        sys.exit(f"{log}: no NPSIGHT_TIMINGS line")
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(7)
    total, wall, ran, all_batches = 0.0, 0.0, 0, 0
    for rows, seq, count in timings["batch_shapes"]:
        all_batches += count
        k = max(1, round(count * fraction)) if fraction < 1 else count
        ids = rng.integers(5, 200000, size=(rows, seq), dtype=np.int64)
        ids[:, 0], ids[:, -1] = 0, 2
        mask = np.ones((rows, seq), dtype=np.int64)
        t, w = time.process_time(), time.perf_counter()
        for _ in range(k):
            sess.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask})
        total += (time.process_time() - t) * count / k
        wall += (time.perf_counter() - w) * count / k
        ran += k
    print("RAW_ORT " + json.dumps({"seconds": total, "wall": wall, "batches": all_batches, "replayed": ran}))


if __name__ == "__main__":
    main()
