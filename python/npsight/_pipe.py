"""The one thing every runner does: pipe records through an ``npsight tag`` process.

Shared by ``npsight.spark`` and ``npsight.ray``: finding the binary, the flags, streaming a
batch of records through one process, and measuring the language prior on the driver.
"""

import json
import os
import shutil
import subprocess
import threading

PRIOR_ROWS = 500


def _binary(binary=None):
    found = binary or os.environ.get("NPSIGHT_BIN") or shutil.which("npsight")
    if not found:
        raise RuntimeError(
            "npsight binary not found: set NPSIGHT_BIN or pass binary=, or put npsight on PATH"
        )
    return found


def _flags(language=None, prior=None, keep_pii=False, encoder=None, batch=None):
    flags = []
    if language:
        flags += ["--language", language]
    elif prior is not None:
        flags += ["--prior", prior or "none"]
    if keep_pii:
        flags.append("--keep-pii")
    if encoder:
        flags += ["--encoder", encoder]
    if batch:
        flags += ["--batch", str(batch)]
    return flags


def tag_records(records, binary=None, flags=()):
    """Tag an iterator of record dicts with one ``npsight tag`` process; yields the output lines
    (JSON strings), one per record, in order. Records are written by a thread while lines are
    read, so a partition of any size streams without filling a pipe."""
    proc = subprocess.Popen(
        [_binary(binary), "tag", "-", "-q", *flags],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    failure = []

    def feed():
        try:
            for r in records:
                proc.stdin.write((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8"))
        except BaseException as e:  # a broken pipe: the process failed, its stderr says why
            failure.append(e)
        finally:
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    for line in proc.stdout:
        yield line.decode("utf-8").rstrip("\n")
    writer.join()
    err = proc.stderr.read().decode("utf-8", "replace")
    if proc.wait() != 0 or failure:
        raise RuntimeError(f"npsight tag failed ({proc.returncode}): {err.strip() or failure}")


def measure_prior(records, binary=None):
    """The language prior of the first 500 records (a code such as "de", or None)."""
    proc = subprocess.run(
        [_binary(binary), "tag", "-", "--measure-prior"],
        input="".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8"),
        capture_output=True,
        check=True,
    )
    return json.loads(proc.stdout)["prior"]
