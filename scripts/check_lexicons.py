#!/usr/bin/env python3
"""Validate models/taxonomy.toml and models/sentiment.toml (python3 >= 3.11, stdlib only).

Checks the shape of both files and the hygiene of every pattern (lower case, NFC, single spaces,
wildcards only where the matcher understands them, Chinese without spaces or '*', no duplicates),
then runs a small re-implementation of the tagger's word matcher over the taxonomy's example
sentences: every example must hit its own theme. Exits 1 with one line per problem, naming the
theme / language / field; warnings (overlaps worth a look) do not change the exit code.

    python3 scripts/check_lexicons.py [--quiet] [--taxonomy FILE] [--sentiment FILE]
    python3 scripts/check_lexicons.py --explain LANG "some comment"   # show what matches
"""

import argparse
import sys
import tomllib
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGS = ["en", "de", "ru", "vi", "zh", "es", "fr"]
THEMES = [
    ("wait_time", "process"), ("transfers", "process"), ("compliance_reading", "process"),
    ("verification", "process"), ("paperwork", "process"), ("agent_attitude", "agent"),
    ("agent_knowledge", "agent"), ("resolution", "outcome"), ("repeat_contact", "outcome"),
    ("callback", "process"), ("ivr", "process"), ("self_service", "channel"),
    ("channel_access", "channel"), ("personalization", "process"), ("billing", "product"),
    ("technical_issue", "product"), ("lead_time", "product"), ("product_quality", "product"),
]
GROUPS = {"agent", "process", "outcome", "channel", "product"}
THEME_FIELDS = ["patterns", "negative", "positive", "examples"]
POLAR = ["positive", "strong_positive", "negative", "strong_negative"]
MODIFIERS = ["negators", "intensifiers", "diminishers", "contrast"]
SENT_FIELDS = POLAR + MODIFIERS
MIN_STEM = 3  # letters before/after a '*'

errors: list[str] = []
warnings: list[str] = []


def err(msg: str) -> None:
    errors.append(msg)


def warn(msg: str) -> None:
    warnings.append(msg)


# --- tokenizer and matcher: mirror src/text/tokens.rs and src/text/matcher.rs -----------------

def is_cjk(c: str) -> bool:
    o = ord(c)
    return (0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF
            or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F)


def is_word_char(c: str) -> bool:
    return unicodedata.category(c)[0] in "LNM" and not is_cjk(c)


APOSTROPHES = "'\u2019\u02bc\u2018"


def tokenize(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text)
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if is_cjk(c):
            out.append(c)
            i += 1
            continue
        if not is_word_char(c):
            i += 1
            continue
        word = ""
        while i < n:
            c = text[i]
            if is_word_char(c):
                word += c.lower()
                i += 1
            elif (c in APOSTROPHES and word.endswith("n") and i + 1 < n and text[i + 1] in "tT"
                  and not (i + 2 < n and is_word_char(text[i + 2]))):
                word += "'t"
                i += 2
                break
            else:
                break
        out.append(word)
    return out


def pieces(pattern: str) -> list[tuple[str, str]]:
    """(kind, text) per word: exact, prefix, suffix, contains, any."""
    out = []
    for w in pattern.lower().split():
        if w == "*":
            out.append(("any", ""))
        elif len(w) > 2 and w.startswith("*") and w.endswith("*"):
            out.append(("contains", w.strip("*")))
        elif w.startswith("*"):
            out.append(("suffix", w[1:]))
        elif w.endswith("*"):
            toks = tokenize(w[:-1])
            out.extend(("exact", t) for t in toks[:-1])
            if toks:
                out.append(("prefix", toks[-1]))
        else:
            out.extend(("exact", t) for t in tokenize(w))
    return out


def accepts(piece: tuple[str, str], word: str) -> bool:
    kind, s = piece
    if kind == "exact":
        return word == s
    if kind == "prefix":
        return word.startswith(s)
    if kind == "suffix":
        return word.endswith(s) and len(word) > len(s)
    if kind == "contains":
        return s in word
    return True


def find(pattern_pieces: list, tokens: list[str]) -> list[tuple[int, int]]:
    n = len(pattern_pieces)
    return [(i, i + n) for i in range(len(tokens) - n + 1)
            if all(accepts(p, t) for p, t in zip(pattern_pieces, tokens[i:i + n]))]


# --- pattern hygiene ------------------------------------------------------------------------

def has_cjk(s: str) -> bool:
    return any(is_cjk(c) for c in s)


def check_pattern(where: str, p) -> None:
    if not isinstance(p, str):
        err(f"{where}: {p!r} is not a string")
        return
    if p != p.strip():
        err(f"{where} '{p}': leading or trailing space")
    if "  " in p or "\t" in p or "\n" in p:
        err(f"{where} '{p}': words must be separated by single spaces")
    if p != p.lower():
        err(f"{where} '{p}': not lower case")
    if not unicodedata.is_normalized("NFC", p):
        err(f"{where} '{p}': not NFC")
    if has_cjk(p):
        if " " in p:
            err(f"{where} '{p}': Chinese patterns are written without spaces")
        if "*" in p:
            err(f"{where} '{p}': no '*' in Chinese patterns")
        return
    if len(p) < 2:
        err(f"{where} '{p}': shorter than 2 characters")
    words = p.split()
    if not words or all(w == "*" for w in words):
        err(f"{where} '{p}': only wildcards")
        return
    if words[-1] == "*":
        err(f"{where} '{p}': a lone '*' at the end adds nothing; drop it")
    for w in words:
        if w == "*":
            continue
        core = w
        if len(w) > 2 and w.startswith("*") and w.endswith("*"):
            core = w[1:-1]
        elif w.startswith("*"):
            core = w[1:]
        elif w.endswith("*"):
            core = w[:-1]
        if "*" in core:
            err(f"{where} '{p}': '*' may only start or end a word ('{w}')")
            continue
        if core != w and sum(1 for c in core if unicodedata.category(c)[0] == "L") < MIN_STEM:
            err(f"{where} '{p}': wildcard stem '{core}' has fewer than {MIN_STEM} letters")
        toks = tokenize(core)
        if toks != [core.lower()]:
            err(f"{where} '{p}': '{core}' is not one word for the tokenizer (it reads {toks}); "
                "write the words separated by spaces")


def check_list(where: str, value, allow_empty: bool) -> list:
    if not isinstance(value, list):
        err(f"{where}: missing or not a list")
        return []
    if not value and not allow_empty:
        err(f"{where}: empty")
    seen = set()
    for p in value:
        if isinstance(p, str) and p in seen:
            err(f"{where} '{p}': duplicate")
        seen.add(p)
    return value


# --- taxonomy -------------------------------------------------------------------------------

def check_taxonomy(path: Path) -> dict:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        err(f"{path}: cannot read it: {e}")
        return {}
    if data.get("schema") != 1:
        err(f"{path}: schema must be 1, found {data.get('schema')!r}")
    themes = data.get("theme", [])
    ids = [t.get("id") for t in themes]
    if ids != [t for t, _ in THEMES]:
        err(f"{path}: theme ids must be exactly, in order: {[t for t, _ in THEMES]}; found {ids}")
    groups = dict(THEMES)
    for t in themes:
        tid = t.get("id", "?")
        extra = set(t) - {"id", "name", "group", "description", "exclude", "exclude_comment", "head_alone", "head_threshold", "head_veto", *THEME_FIELDS}
        if extra:
            err(f"theme '{tid}': unknown keys {sorted(extra)}")
        for key in ("head_threshold", "head_veto"):
            ht = t.get(key)
            if ht is not None and not (isinstance(ht, (int, float)) and 0 <= ht <= 1):
                err(f"theme '{tid}': {key} {ht!r} is not a probability between 0 and 1")
        if t.get("group") not in GROUPS:
            err(f"theme '{tid}': group {t.get('group')!r} is not one of {sorted(GROUPS)}")
        elif tid in groups and t["group"] != groups[tid]:
            err(f"theme '{tid}': group must be '{groups[tid]}', found '{t['group']}'")
        for key in ("name", "description"):
            if not str(t.get(key, "")).strip():
                err(f"theme '{tid}': {key} is empty")
        for field in THEME_FIELDS:
            table = t.get(field)
            if not isinstance(table, dict):
                err(f"theme '{tid}': [theme.{field}] is missing")
                continue
            unknown = set(table) - set(LANGS)
            if unknown:
                err(f"theme '{tid}': {field} has unknown languages {sorted(unknown)}")
            for lang in LANGS:
                where = f"theme '{tid}' {field}.{lang}"
                items = check_list(where, table.get(lang), allow_empty=field in ("negative", "positive"))
                if field == "examples":
                    if not 4 <= len(items) <= 6:
                        warn(f"{where}: {len(items)} examples (aim 4-6)")
                    for ex in items:
                        if not isinstance(ex, str) or not ex.strip():
                            err(f"{where}: empty example")
                    continue
                if field in ("negative", "positive") and not items:
                    warn(f"{where}: empty")
                for p in items:
                    check_pattern(where, p)
        for lang, items in (t.get("exclude") or {}).items():
            for p in check_list(f"theme '{tid}' exclude.{lang}", items, allow_empty=True):
                check_pattern(f"theme '{tid}' exclude.{lang}", p)
    # The same topic pattern in two themes: allowed, but each case should be deliberate.
    for lang in LANGS:
        owner: dict[str, str] = {}
        for t in themes:
            for p in t.get("patterns", {}).get(lang, []):
                if p in owner and owner[p] != t.get("id"):
                    warn(f"patterns.{lang} '{p}' is a topic pattern of both '{owner[p]}' and '{t.get('id')}'")
                owner.setdefault(p, t.get("id"))
    return data


def theme_matchers(themes: list, lang: str) -> list[tuple[str, str, str, list]]:
    out = []
    for t in themes:
        for field in ("patterns", "negative", "positive"):
            for p in t.get(field, {}).get(lang, []):
                if isinstance(p, str):
                    out.append((t.get("id"), field, p, pieces(p)))
    return out


def check_examples(themes: list) -> None:
    """Every example sentence must hit its own theme with the patterns of its language."""
    for lang in LANGS:
        ms = theme_matchers(themes, lang)
        for t in themes:
            for ex in t.get("examples", {}).get(lang, []):
                if not isinstance(ex, str):
                    continue
                toks = tokenize(ex)
                hit = {tid for tid, _f, _p, pc in ms if find(pc, toks)}
                if t.get("id") not in hit:
                    err(f"theme '{t.get('id')}' examples.{lang}: no pattern of the theme matches \"{ex}\"")


# --- sentiment lexicon ----------------------------------------------------------------------

def check_sentiment(path: Path) -> dict:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        err(f"{path}: cannot read it: {e}")
        return {}
    if data.get("schema") != 1:
        err(f"{path}: schema must be 1, found {data.get('schema')!r}")
    langs = data.get("lang", {})
    for lang in LANGS:
        table = langs.get(lang)
        if not isinstance(table, dict):
            err(f"sentiment [lang.{lang}] is missing")
            continue
        extra = set(table) - set(SENT_FIELDS)
        if extra:
            err(f"sentiment lang.{lang}: unknown keys {sorted(extra)}")
        where_of: dict[str, str] = {}
        for field in SENT_FIELDS:
            items = check_list(f"sentiment lang.{lang}.{field}", table.get(field), allow_empty=False)
            for p in items:
                check_pattern(f"sentiment lang.{lang}.{field}", p)
                if not isinstance(p, str):
                    continue
                # A term has one role: never positive and negative, never polar and a modifier.
                if p in where_of and where_of[p] != field:
                    err(f"sentiment lang.{lang}: '{p}' is in both {where_of[p]} and {field}")
                where_of.setdefault(p, field)
    for lang in langs:
        if lang not in LANGS:
            warn(f"sentiment lang.{lang}: not one of the supported languages")
    return data


def cross_checks(tax: dict, sent: dict) -> None:
    """Theme polar phrases that are also plain sentiment words get a fixed polarity; flag them."""
    for t in tax.get("theme", []):
        for field in ("negative", "positive"):
            for lang in LANGS:
                lex = sent.get("lang", {}).get(lang, {})
                words = {p for f in SENT_FIELDS for p in lex.get(f, [])}
                for p in t.get(field, {}).get(lang, []):
                    if p in words:
                        warn(f"theme '{t.get('id')}' {field}.{lang} '{p}' is also a sentiment-lexicon "
                             "term: as a theme phrase its polarity cannot be negated")


# --- reporting ------------------------------------------------------------------------------

def summary(tax: dict, sent: dict) -> None:
    print("taxonomy: topic / negative / positive / examples per language")
    head = f"{'theme':<20}" + "".join(f"{lang:>14}" for lang in LANGS)
    print(head)
    tot = {lang: [0, 0, 0] for lang in LANGS}
    for t in tax.get("theme", []):
        row = f"{t.get('id', '?'):<20}"
        for lang in LANGS:
            c = [len(t.get(f, {}).get(lang, [])) for f in THEME_FIELDS]
            for k in range(3):
                tot[lang][k] += c[k]
            row += f"{c[0]:>5}/{c[1]:>2}/{c[2]:>2}/{c[3]:>1}"
        print(row)
    print(f"{'total patterns':<20}" + "".join(f"{sum(tot[lang]):>14}" for lang in LANGS))
    print()
    print("sentiment lexicon: terms per list")
    print(f"{'list':<20}" + "".join(f"{lang:>7}" for lang in LANGS))
    langs = sent.get("lang", {})
    for f in SENT_FIELDS:
        print(f"{f:<20}" + "".join(f"{len(langs.get(lang, {}).get(f, [])):>7}" for lang in LANGS))
    print(f"{'polar total':<20}" + "".join(
        f"{sum(len(langs.get(lang, {}).get(f, [])) for f in POLAR):>7}" for lang in LANGS))
    print(f"{'all total':<20}" + "".join(
        f"{sum(len(langs.get(lang, {}).get(f, [])) for f in SENT_FIELDS):>7}" for lang in LANGS))


def explain(tax: dict, sent: dict, lang: str, text: str) -> None:
    toks = tokenize(text)
    print("tokens:", toks)
    for tid, field, p, pc in theme_matchers(tax.get("theme", []), lang):
        for s, e in find(pc, toks):
            print(f"  theme {tid:<20} {field:<9} '{p}' -> {' '.join(toks[s:e])}")
    lex = sent.get("lang", {}).get(lang, {})
    for f in SENT_FIELDS:
        for p in lex.get(f, []):
            for s, e in find(pieces(p), toks):
                print(f"  sentiment {f:<16} '{p}' -> {' '.join(toks[s:e])}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--taxonomy", type=Path, default=ROOT / "models" / "taxonomy.toml")
    ap.add_argument("--sentiment", type=Path, default=ROOT / "models" / "sentiment.toml")
    ap.add_argument("--quiet", action="store_true", help="no summary table")
    ap.add_argument("--explain", nargs=2, metavar=("LANG", "TEXT"), help="show the matches in TEXT")
    args = ap.parse_args()

    tax = check_taxonomy(args.taxonomy)
    sent = check_sentiment(args.sentiment)
    if args.explain:
        explain(tax, sent, *args.explain)
        return 0
    check_examples(tax.get("theme", []))
    cross_checks(tax, sent)
    if not args.quiet:
        summary(tax, sent)
    for w in warnings:
        print(f"warning: {w}")
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    if errors:
        print(f"{len(errors)} error(s), {len(warnings)} warning(s)", file=sys.stderr)
        return 1
    print(f"ok: {args.taxonomy.name} and {args.sentiment.name} pass ({len(warnings)} warning(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
