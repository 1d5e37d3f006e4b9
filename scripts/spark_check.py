"""Run by scripts/test-spark: the Spark runner against one `npsight tag` run (lexicon tagger).

The bundled example's id, score and comment become 520 records; Spark (local[2], four
partitions) tags them through npsight.spark.tag_rdd and the collected lines, in row order, must
equal the lines of `npsight tag` over the same records as one file, byte for byte (the language
prior measured once on the driver and given to every partition). tag_dataframe must give one row
per record with the same tags.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

from npsight._pipe import measure_prior


BIN = os.environ["NPSIGHT_BIN"]


# Project-written German comments (no text from ../shared/data).
SHORT = ["Super", "Alles gut", "Danke", "Top Service", "Sehr gut", "Schnell", "Gerne wieder",
         "Ok", "Prima", "Passt", "Freundlich", "Kompetent", "Zu lange", "Nichts"]


def german_stream():
    who = ["Die Mitarbeiterin", "Der Berater", "Das Team an der Hotline", "Der Kollege im Chat",
           "Die Dame am Telefon", "Der Techniker"]
    what = ["hat mir schnell und freundlich geholfen", "konnte mein Problem leider nicht lösen",
            "hat mich dreimal weiterverbunden, bis endlich jemand zuständig war",
            "war sehr geduldig und hat alles genau erklärt",
            "hat versprochen zurückzurufen, aber es kam kein Anruf"]
    long = [f"{w} {x}." for w in who for x in what][:42]
    return [{"id": f"g{i}", "score": 8, "comment": c} for i, c in enumerate(long + SHORT, 1)]


def one_run(records, tmp, name):
    """`npsight tag` over the records as one file: its lines."""
    src = os.path.join(tmp, name + ".jsonl")
    with open(src, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    out = os.path.join(tmp, name + ".out.jsonl")
    subprocess.run([BIN, "tag", src, "--out", out, "--encoder", "none", "-q"], check=True)
    with open(out, encoding="utf-8") as f:
        return f.read().splitlines()


def compare(lines, expected, engine, what):
    """Exit with the first difference unless `lines`, put in row order, are `expected`."""
    got = sorted(lines, key=lambda l: json.loads(l)["row"])
    if got != expected:
        for a, b in zip(got, expected):
            if a != b:
                sys.exit(f"{engine} check FAILED ({what}): first difference\n  {engine}: {a}\n  one run: {b}")
        sys.exit(f"{engine} check FAILED ({what}): {len(got)} lines against {len(expected)}")


def check(spark, records, expected, what):
    from npsight.spark import tag_rdd

    rdd = spark.sparkContext.parallelize(records, 4)
    assert rdd.getNumPartitions() == 4
    t0 = time.time()
    lines = tag_rdd(rdd, encoder="none").collect()
    took = time.time() - t0
    compare(lines, expected, "spark", what)
    return took


def read_example():
    """The bundled example's id, score and comment, as records."""
    with open("examples/feedback.csv", encoding="utf-8", newline="") as f:
        return [
            {"id": r["response_id"], "score": r["nps_score"], "comment": r["comment"]}
            for r in csv.DictReader(f)
        ]


def main():
    from pyspark.sql import SparkSession

    from npsight.spark import tag_dataframe

    records = read_example()
    tmp = tempfile.mkdtemp()
    src = os.path.join(tmp, "export.jsonl")
    with open(src, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    ref = os.path.join(tmp, "ref.jsonl")
    t0 = time.time()
    subprocess.run([BIN, "tag", src, "--out", ref, "--encoder", "none", "-q"], check=True)
    one_time = time.time() - t0
    with open(ref, encoding="utf-8") as f:
        expected = f.read().splitlines()

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("npsight-spark-check")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        spark_time = check(spark, records, expected, "the example")
        # A German stream whose last quarter is one- and two-word answers: alone, that partition
        # has no prior and reads "Super" or "Ok" as other languages; the driver measures the
        # stream's prior ("de") and hands it to every partition, so the lines are one run's.
        de = german_stream()
        assert measure_prior(de, BIN) == "de", measure_prior(de, BIN)
        de_lines = one_run(de, tmp, "de")
        check(spark, de, de_lines, "German with short answers")
        last = de[-len(SHORT):]
        alone = subprocess.run(
            [BIN, "tag", "-", "--encoder", "none", "-q", "--prior", "none"],
            input="".join(json.dumps(r, ensure_ascii=False) + "\n" for r in last),
            capture_output=True, text=True, check=True,
        ).stdout.splitlines()
        langs_alone = [json.loads(l).get("language") for l in alone]
        assert any(l != "de" for l in langs_alone), f"the check has no teeth: {langs_alone}"
        assert all(json.loads(l).get("language") == "de" for l in de_lines[-len(SHORT):])
        df = spark.createDataFrame(records)
        tagged = tag_dataframe(df, comment="comment", id="id", score="score", encoder="none")
        rows = tagged.select("id", "status").collect()
        assert len(rows) == len(records), (len(rows), len(records))
        by_id = {r["id"]: r["status"] for r in rows if r["id"] is not None}
        want = {json.loads(l).get("id"): json.loads(l)["status"] for l in expected}
        for k, v in by_id.items():
            assert want.get(k) == v, (k, v, want.get(k))
    finally:
        spark.stop()
    print(
        f"spark check: {len(expected)} records, 4 partitions in local[2]: lines identical to one "
        f"`npsight tag` run ({spark_time:.1f} s in Spark, {one_time:.1f} s as one run); "
        f"tag_dataframe: {len(rows)} rows; a German stream with short answers ({len(de)} "
        f"records, prior de from the driver; its last partition alone reads "
        f"{sum(l != 'de' for l in langs_alone)} of {len(SHORT)} short answers as another "
        f"language): identical too"
    )


if __name__ == "__main__":
    main()
