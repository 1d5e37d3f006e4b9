#!/usr/bin/env python3
"""Synthetic NPS exports for scripts/bench: N responses, deterministic for a seed.

Comments are recombined from the sentences of the project's own examples (examples/feedback.csv
and models/examples/*.csv, seven languages): one to three sentences usually, a long tail of up
to eight, so lengths look like real survey verbatims (median 14 words). About 20 % of the
rows repeat an earlier comment exactly (stock answers such as "Great service", copies of longer
comments, single sentences drawn twice), and about 8 % have no comment. Scores follow the comment's labelled
sentiment loosely; agents, teams, channels and dates are drawn from small lists.

usage: gen_responses.py N OUT.csv [--seed S]
"""

import csv
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPLIT = re.compile(r"(?<=[.!?。！？])\s*")
STOCK = [
    "Great service", "Good", "ok", "Thanks", "Very helpful", "Excellent", "Too long on hold",
    "Sehr gut", "Alles gut", "Muy bien", "Très bien", "Отлично", "Хорошо", "Rất tốt", "很好",
    "N/A", "nothing", "Quick and easy", "Agent was rude", "Still not fixed",
]


def pools():
    by_lang = {}
    for name in ["train.csv", "dev.csv"]:
        with open(ROOT / "models/examples" / name, encoding="utf-8") as f:
            for r in csv.DictReader(f):
                s = r["sentiment"]
                for sent in SPLIT.split(r["text"].strip()):
                    if sent:
                        by_lang.setdefault(r["lang"], []).append((sent, s))
    with open(ROOT / "examples/feedback.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            for sent in SPLIT.split(r["comment"].strip()):
                if sent:
                    by_lang.setdefault("mixed", []).append((sent, ""))
    return by_lang


def main():
    args = sys.argv[1:]
    seed = 20261123
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i : i + 2]
    n, out = int(args[0]), Path(args[1])
    rng = random.Random(seed)
    by_lang = pools()
    langs = sorted(by_lang)
    agents = [f"Agent {i:02d}" for i in range(40)]
    teams = ["Billing", "Tech Support", "Sales & Retention", "General Enquiries"]
    channels = ["phone", "chat", "email", "social"]
    seen = []
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["response_id", "date", "channel", "team", "agent", "nps_score", "comment"])
        for i in range(n):
            u = rng.random()
            if u < 0.08:
                comment, score = "", rng.randint(0, 10)
            elif u < 0.10:
                comment, score = rng.choice(STOCK), rng.randint(0, 10)
            elif u < 0.12 and seen:
                comment, score = rng.choice(seen), rng.randint(0, 10)
            else:
                pool = by_lang[rng.choice(langs)]
                k = rng.choices([1, 2, 3, 4, 6, 8], weights=[35, 30, 18, 9, 5, 3])[0]
                parts = [rng.choice(pool) for _ in range(k)]
                comment = " ".join(p[0] for p in parts)
                neg = sum(p[1] == "negative" for p in parts)
                pos = sum(p[1] == "positive" for p in parts)
                score = rng.randint(0, 6) if neg > pos else rng.randint(7, 10) if pos > neg else rng.randint(0, 10)
                if len(seen) < 5000:
                    seen.append(comment)
            day = 1 + (i * 28) // max(n, 1)
            w.writerow([
                f"R-{i + 1:07d}", f"2026-10-{day:02d}" if day <= 31 else "2026-10-31",
                rng.choice(channels), rng.choice(teams), rng.choice(agents), score, comment,
            ])


if __name__ == "__main__":
    main()
