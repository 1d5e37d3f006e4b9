#!/usr/bin/env python3
"""Checks models/corpus/<lang>.csv (standard library only): header, ids, labels, consistency
between sentiment and theme polarities, duplicates (after case, NFKC and whitespace folding,
also against models/examples), and the quotas of README.md. Prints the counts; exits 1 on an
error. Usage: check_corpus.py [LANG ...] (default: every <lang>.csv here)."""
import collections
import csv
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
THEMES = ["wait_time", "transfers", "compliance_reading", "verification", "paperwork",
          "agent_attitude", "agent_knowledge", "resolution", "repeat_contact", "callback", "ivr",
          "self_service", "channel_access", "personalization", "billing", "technical_issue",
          "lead_time", "product_quality"]
CONTACT = set(THEMES[:16])
SENT = {"positive", "negative", "neutral", "mixed"}
POL = {"positive", "negative", "neutral"}
HEADER = ["id", "lang", "split", "text", "sentiment", "themes"]


def fold(t):
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", t).casefold()).strip()


def check(lang, seen_global):
    path = os.path.join(HERE, f"{lang}.csv")
    errors = []
    with open(path, encoding="utf-8", newline="") as f:
        r = csv.reader(f)
        header = next(r)
        if header != HEADER:
            errors.append(f"header is {header}, expected {HEADER}")
        rows = [row for row in r]
    ids = set()
    by_split = collections.Counter()
    sent = collections.Counter()
    theme_n = {s: collections.Counter() for s in ("train", "dev")}
    no_theme = only_product = short = long_ = 0
    lengths = []
    for i, row in enumerate(rows, start=2):
        if len(row) != 6:
            errors.append(f"line {i}: {len(row)} fields")
            continue
        rid, lg, split, text, s, themes = row
        if not rid.startswith(f"{lang}-c") or rid in ids:
            errors.append(f"line {i}: bad or repeated id {rid!r}")
        ids.add(rid)
        if lg != lang:
            errors.append(f"line {i}: lang {lg!r}")
        if split not in ("train", "dev"):
            errors.append(f"line {i}: split {split!r}")
        if s not in SENT:
            errors.append(f"line {i}: sentiment {s!r}")
        if not text.strip():
            errors.append(f"line {i}: empty text")
        k = fold(text)
        if k in seen_global:
            errors.append(f"line {i}: text repeats {seen_global[k]}")
        seen_global[k] = rid
        items = [x for x in themes.split(";") if x]
        got = []
        for it in items:
            tid, _, pol = it.partition(":")
            if tid not in THEMES or pol not in POL:
                errors.append(f"line {i}: theme item {it!r}")
                continue
            got.append((tid, pol))
        order = [THEMES.index(t) for t, _ in got]
        if order != sorted(set(order)):
            errors.append(f"line {i}: themes not in taxonomy order or repeated")
        pols = {p for _, p in got}
        if s == "neutral" and pols - {"neutral"}:
            errors.append(f"line {i}: neutral comment with a polar mention")
        if s == "positive" and "negative" in pols:
            errors.append(f"line {i}: positive comment with a negative mention")
        if s == "negative" and "positive" in pols:
            errors.append(f"line {i}: negative comment with a positive mention")
        if {"positive", "negative"} <= pols and s != "mixed":
            errors.append(f"line {i}: both polarities but not mixed")
        by_split[split] += 1
        sent[s] += 1
        for t, _ in got:
            if split in theme_n:
                theme_n[split][t] += 1
        names = {t for t, _ in got}
        if not names:
            no_theme += 1
        elif not names & CONTACT - {"billing"}:
            only_product += 1
        n_words = len(text.split()) if lang not in ("zh",) else len(text) / 2
        short += n_words <= 4
        long_ += len(text) >= 150
        lengths.append(len(text))
    n = len(rows)
    lengths.sort()
    median = lengths[n // 2] if n else 0
    print(f"== {lang}: {n} rows ({by_split['train']} train, {by_split['dev']} dev); "
          f"no theme {no_theme} ({100 * no_theme / max(n, 1):.0f} %), only product-group "
          f"{only_product} ({100 * only_product / max(n, 1):.0f} %); short {short}, long {long_}, "
          f"median {median} chars; sentiment {dict(sent)}")
    print("   theme mentions train/dev: " + ", ".join(
        f"{t} {theme_n['train'][t]}/{theme_n['dev'][t]}" for t in THEMES))
    quota = []
    if n < 1500:
        quota.append(f"{n} rows < 1500")
    if (no_theme + only_product) < 0.4 * n:
        quota.append("less than 40 % without a contact-centre theme")
    for t in THEMES:
        if theme_n["train"][t] < 40 or theme_n["dev"][t] < 10:
            quota.append(f"{t}: {theme_n['train'][t]}/{theme_n['dev'][t]} (< 40/10)")
    if quota:
        print("   quota gaps: " + "; ".join(quota))
    for e in errors[:40]:
        print("   ERROR " + e)
    return errors, quota


def main():
    langs = sys.argv[1:] or sorted(f[:-4] for f in os.listdir(HERE) if f.endswith(".csv"))
    seen = {}
    ex = os.path.join(HERE, "..", "examples")
    for fn in ("train.csv", "dev.csv"):
        p = os.path.join(ex, fn)
        if os.path.exists(p):
            for row in csv.DictReader(open(p, encoding="utf-8", newline="")):
                seen[fold(row["text"])] = row["id"]
    bad = False
    for lang in langs:
        errors, _ = check(lang, seen)
        bad |= bool(errors)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
