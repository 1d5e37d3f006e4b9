#!/usr/bin/env python3
"""Validate models/examples/train.csv and dev.csv (python3 standard library only).

Usage: python3 check_examples.py [DIR]     (DIR defaults to this script's folder)

Checks: header, UTF-8, unique ids (across both files, prefix = lang), valid lang /
sentiment / theme ids / polarities, themes in canonical order without repeats,
text length (3-40 words; zh 5-60 characters), sentiment consistent with the theme
polarities, no duplicate texts (after case and whitespace folding) within or across
files (so no text is in both train and dev), and the per-language quotas
(150 train + 50 dev rows; every theme >= 5 times in train and >= 2 in dev;
>= 15 % rows without a theme). Prints a counts table; exits 1 on any error.
"""
import collections
import csv
import os
import re
import sys
import unicodedata

HEADER = ["id", "lang", "text", "sentiment", "themes"]
LANGS = ["en", "de", "ru", "vi", "zh", "es", "fr"]
SENTIMENTS = ["negative", "positive", "mixed", "neutral"]
POLARITIES = ["positive", "negative", "neutral"]
THEMES = [
    "wait_time", "transfers", "compliance_reading", "verification", "paperwork",
    "agent_attitude", "agent_knowledge", "resolution", "repeat_contact", "callback",
    "ivr", "self_service", "channel_access", "personalization", "billing",
    "technical_issue",
]
SPLITS = {"train": (150, 5), "dev": (50, 2)}  # rows per language, min mentions per theme
MIN_NO_THEME = 0.15

errors = []


def err(msg):
    errors.append(msg)


def norm(text):
    t = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", t).strip()


def parse_themes(field, where):
    if field == "":
        return []
    out = []
    for part in field.split(";"):
        if part.count(":") != 1:
            err(f"{where}: bad theme item {part!r}")
            continue
        tid, pol = part.split(":")
        if tid not in THEMES:
            err(f"{where}: unknown theme {tid!r}")
            continue
        if pol not in POLARITIES:
            err(f"{where}: bad polarity {pol!r}")
            continue
        out.append((tid, pol))
    ids = [t for t, _ in out]
    if len(set(ids)) != len(ids):
        err(f"{where}: theme repeated")
    if ids != sorted(ids, key=THEMES.index):
        err(f"{where}: themes not in canonical order")
    return out


def load(path, split):
    rows = []
    try:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header != HEADER:
                err(f"{path}: header {header} != {HEADER}")
            for n, rec in enumerate(reader, start=2):
                where = f"{os.path.basename(path)} record {n}"
                if len(rec) != 5:
                    err(f"{where}: {len(rec)} fields")
                    continue
                rid, lang, text, sent, themes = rec
                if lang not in LANGS:
                    err(f"{where}: bad lang {lang!r}")
                if not re.fullmatch(r"[a-z]{2}-\d{4}", rid) or rid[:2] != lang:
                    err(f"{where}: bad id {rid!r} for lang {lang!r}")
                if sent not in SENTIMENTS:
                    err(f"{where}: bad sentiment {sent!r}")
                if text != text.strip() or not text:
                    err(f"{where}: empty text or surrounding whitespace")
                if lang == "zh":
                    n_chars = len(re.sub(r"\s", "", text))
                    if not 5 <= n_chars <= 60:
                        err(f"{where}: zh text has {n_chars} characters (5-60)")
                else:
                    n_words = len(text.split())
                    if not 3 <= n_words <= 40:
                        err(f"{where}: text has {n_words} words (3-40)")
                th = parse_themes(themes, where)
                pols = {p for _, p in th}
                if sent == "neutral" and pols - {"neutral"}:
                    err(f"{where}: neutral comment with a polar theme mention")
                if sent == "positive" and "negative" in pols:
                    err(f"{where}: positive comment with a negative theme mention")
                if sent == "negative" and "positive" in pols:
                    err(f"{where}: negative comment with a positive theme mention")
                if sent != "mixed" and {"positive", "negative"} <= pols:
                    err(f"{where}: both polarities but sentiment is {sent}")
                rows.append({"id": rid, "lang": lang, "text": text, "sentiment": sent,
                             "themes": th, "split": split, "where": where})
    except (OSError, UnicodeDecodeError) as e:
        err(f"{path}: {e}")
    return rows


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    rows = []
    for split in SPLITS:
        rows += load(os.path.join(folder, f"{split}.csv"), split)

    seen_id, seen_text = {}, {}
    for r in rows:
        if r["id"] in seen_id:
            err(f"{r['where']}: duplicate id {r['id']} (also {seen_id[r['id']]})")
        seen_id[r["id"]] = r["where"]
        key = norm(r["text"])
        if key in seen_text:
            other = seen_text[key]
            kind = "in both train and dev" if other["split"] != r["split"] else "duplicate text"
            err(f"{r['where']}: {kind}: {r['text']!r} (also {other['where']})")
        else:
            seen_text[key] = r

    # quotas per language and split
    for lang in LANGS:
        for split, (n_rows, min_theme) in SPLITS.items():
            sub = [r for r in rows if r["lang"] == lang and r["split"] == split]
            if len(sub) != n_rows:
                err(f"{lang}/{split}: {len(sub)} rows, expected {n_rows}")
            tc = collections.Counter(t for r in sub for t, _ in r["themes"])
            for t in THEMES:
                if tc[t] < min_theme:
                    err(f"{lang}/{split}: theme {t} appears {tc[t]} times (< {min_theme})")
            none = sum(1 for r in sub if not r["themes"])
            if sub and none / len(sub) < MIN_NO_THEME:
                err(f"{lang}/{split}: only {none}/{len(sub)} rows without a theme")

    # counts table
    print("Rows per language x split x sentiment (no_theme = rows with no theme)")
    cols = SENTIMENTS + ["no_theme", "total"]
    print(f"{'lang':<5}{'split':<7}" + "".join(f"{c:>10}" for c in cols))
    grand = collections.Counter()
    for lang in LANGS:
        for split in SPLITS:
            sub = [r for r in rows if r["lang"] == lang and r["split"] == split]
            c = collections.Counter(r["sentiment"] for r in sub)
            c["no_theme"] = sum(1 for r in sub if not r["themes"])
            c["total"] = len(sub)
            grand.update(c)
            print(f"{lang:<5}{split:<7}" + "".join(f"{c[k]:>10}" for k in cols))
    print(f"{'all':<12}" + "".join(f"{grand[k]:>10}" for k in cols))
    tot = max(1, grand["total"])
    print(f"{'share':<12}" + "".join(f"{100 * grand[k] / tot:>9.1f}%" for k in cols))

    print()
    print("Theme mentions (all languages): train | dev | polarity over both (+ / - / 0)")
    print(f"{'theme':<20}{'train':>7}{'dev':>6}{'pos':>6}{'neg':>6}{'neu':>6}{'min/lang/train':>16}{'min/lang/dev':>14}")
    for t in THEMES:
        tr = sum(1 for r in rows if r["split"] == "train" for x, _ in r["themes"] if x == t)
        dv = sum(1 for r in rows if r["split"] == "dev" for x, _ in r["themes"] if x == t)
        pc = collections.Counter(p for r in rows for x, p in r["themes"] if x == t)
        mins = {}
        for split in SPLITS:
            mins[split] = min(
                sum(1 for r in rows if r["split"] == split and r["lang"] == lang
                    for x, _ in r["themes"] if x == t)
                for lang in LANGS)
        print(f"{t:<20}{tr:>7}{dv:>6}{pc['positive']:>6}{pc['negative']:>6}{pc['neutral']:>6}"
              f"{mins['train']:>16}{mins['dev']:>14}")
    n_multi = sum(1 for r in rows if len(r["themes"]) > 1)
    print(f"\nrows with 2+ themes: {n_multi}; theme mentions: {sum(len(r['themes']) for r in rows)}")

    if errors:
        print(f"\n{len(errors)} error(s):", file=sys.stderr)
        for e in errors[:200]:
            print("  " + e, file=sys.stderr)
        return 1
    print("\nOK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
