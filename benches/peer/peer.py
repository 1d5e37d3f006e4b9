#!/usr/bin/env python3
"""The Python peer of `npsight analyze` for scripts/bench: what a data scientist would script.

Not part of npsight and not run by CI; scripts/bench installs its requirements into
.cache/bench-venv. Same job, same model, same heads:

- read the export with pandas, reject rows whose score is not a whole number 0-10;
- embed every comment *and its clauses* (npsight embeds both: themes are scored per clause)
  with transformers (torch, CPU) from the same converted folder models/multilingual-e5-small
  (model.safetensors, tokenizer.json): NFC, the "query: " prefix, mean pooling, L2, batches of
  `--batch` texts sorted by length (as sentence-transformers does), `--threads` torch threads;
- score the heads of models/heads as scikit-learn LogisticRegression objects whose coef_ and
  intercept_ are the trained weights (the sentiment head is multinomial over
  positive/negative/neutral; each theme head is a binary model with the dev-split threshold of
  themes.json); a theme is tagged when its probability on the comment or a clause reaches the
  threshold;
- pandas for the statistics: NPS with its 95 % interval, and per theme the mentions, the NPS
  of mentioners and of the others and the impact (overall NPS minus the NPS without the
  mentioners);
- write tagged.csv (the input columns + nps_category, sentiment, sentiment_score, themes,
  status), rejected.csv and summary.json.

What it does NOT do that npsight does (so the peer has less work, which favours it): no
lexicon (the sentiment head gets zeros for its seven lexicon features, no lexicon theme
matches, no evidence spans, no negation handling), no language detection, no windows for texts
over 512 tokens (truncated), no mismatch flags, no segment/driver statistics, no bootstrap or
multiple-testing correction, no PII masking, no HTML/Markdown report, no formula-injection
neutralisation. Clauses are split with a simple regex (punctuation and a few contrast words),
not npsight's clause splitter, so the number of texts embedded differs a little (both counts
are printed).

usage: peer.py INPUT.csv OUT_DIR [--threads N] [--batch B] [--model DIR] [--heads DIR]
Prints one line `PEER_TIMINGS {json}` to stderr with per-stage wall seconds.
"""

import argparse
import json
import math
import os
import re
import sys
import time
import unicodedata

T0 = time.perf_counter()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from transformers import AutoModel, AutoTokenizer  # noqa: E402

CLAUSE = re.compile(
    r"[.!?;,。！？；，]+\s*|\s+(?:but|aber|но|nhưng|pero|mais|但是)\s+", re.IGNORECASE
)


def clauses(text):
    parts = [p.strip() for p in CLAUSE.split(text) if p and p.strip()]
    return parts if len(parts) > 1 else []


def head_models(heads_dir):
    with open(os.path.join(heads_dir, "sentiment.json")) as f:
        s = json.load(f)
    sent = LogisticRegression()
    sent.classes_ = np.array(s["labels"])
    sent.coef_ = np.array(s["weights"], dtype=np.float32)
    sent.intercept_ = np.array(s["bias"], dtype=np.float32)
    with open(os.path.join(heads_dir, "themes.json")) as f:
        t = json.load(f)
    themes = []
    for k, label in enumerate(t["labels"]):
        m = LogisticRegression()
        m.classes_ = np.array([0, 1])
        m.coef_ = np.array([t["weights"][k]], dtype=np.float32)
        m.intercept_ = np.array([t["bias"][k]], dtype=np.float32)
        themes.append((label, m, t["thresholds"][k]))
    return sent, themes


def nps(scores):
    n = len(scores)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    pro = (scores >= 9).mean()
    det = (scores <= 6).mean()
    v = 100 * (pro - det)
    var = (pro + det - (pro - det) ** 2) / n
    h = 196 * math.sqrt(max(var, 0.0))
    return v, v - h, v + h


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("out")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--model", default="models/multilingual-e5-small")
    ap.add_argument("--heads", default="models/heads")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t = {"import": time.perf_counter() - T0}

    s = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(a.model)
    model = AutoModel.from_pretrained(a.model).eval()
    sent_head, theme_heads = head_models(a.heads)
    t["load"] = time.perf_counter() - s

    s = time.perf_counter()
    df = pd.read_csv(a.input, dtype=str, keep_default_na=False)
    score_col, text_col = "nps_score", "comment"
    num = pd.to_numeric(df[score_col].str.strip().str.replace(",", "."), errors="coerce")
    ok = num.notna() & (num == num.round()) & (num >= 0) & (num <= 10)
    rejected = df[~ok].copy()
    rejected["reason"] = "score is not a whole number 0-10"
    df = df[ok].copy()
    df["score"] = num[ok].astype(int)
    df["text"] = df[text_col].map(lambda x: unicodedata.normalize("NFC", " ".join(x.split())))
    t["read"] = time.perf_counter() - s

    # Texts to embed: each non-empty comment, then its clauses.
    units, owner = [], []
    for i, text in enumerate(df["text"]):
        if text:
            for u in [text] + clauses(text):
                units.append("query: " + u)
                owner.append(i)
    order = sorted(range(len(units)), key=lambda k: -len(units[k]))
    emb = np.zeros((len(units), model.config.hidden_size), dtype=np.float32)
    tok_s = enc_s = 0.0
    with torch.inference_mode():
        for b in range(0, len(order), a.batch):
            idx = order[b : b + a.batch]
            s = time.perf_counter()
            x = tokenizer(
                [units[k] for k in idx], padding=True, truncation=True, max_length=512,
                return_tensors="pt",
            )
            tok_s += time.perf_counter() - s
            s = time.perf_counter()
            h = model(input_ids=x["input_ids"], attention_mask=x["attention_mask"]).last_hidden_state
            m = x["attention_mask"].unsqueeze(-1).to(h.dtype)
            v = (h * m).sum(1) / m.sum(1).clamp(min=1)
            v = torch.nn.functional.normalize(v, dim=-1)
            emb[idx] = v.numpy()
            enc_s += time.perf_counter() - s
    t["tokenise"], t["encode"] = tok_s, enc_s

    s = time.perf_counter()
    owner = np.array(owner)
    first = np.ones(len(units), dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    whole = emb[first]
    commented = np.flatnonzero(df["text"].str.len().to_numpy() > 0)
    sent_p = sent_head.predict_proba(np.hstack([whole, np.zeros((len(whole), 7), np.float32)]))
    labels = sent_head.classes_[sent_p.argmax(1)]
    sentiment = np.array([""] * len(df), dtype=object)
    score = np.zeros(len(df))
    sentiment[commented] = labels
    score[commented] = np.round((sent_p[:, 0] - sent_p[:, 1]).astype(np.float64), 3)
    themes = [[] for _ in range(len(df))]
    mention = {}
    for label, m, thr in theme_heads:
        p = m.predict_proba(emb)[:, 1]
        best = pd.Series(p).groupby(owner).max()
        hit = best.index[best.to_numpy() >= thr].to_numpy()
        for i in hit:
            themes[i].append(label)
        flags = np.zeros(len(df), dtype=bool)
        flags[hit] = True
        mention[label] = flags
    t["classify"] = time.perf_counter() - s

    s = time.perf_counter()
    df["nps_category"] = np.where(df["score"] >= 9, "promoter", np.where(df["score"] >= 7, "passive", "detractor"))
    overall = nps(df["score"].to_numpy())
    with_comment = df["text"].str.len() > 0
    rows = []
    for label, flags in mention.items():
        sc = df["score"].to_numpy()
        m_ = flags & with_comment.to_numpy()
        others = with_comment.to_numpy() & ~m_
        rows.append({
            "id": label, "mentions": int(m_.sum()),
            "nps_mentioners": nps(sc[m_])[0], "nps_others": nps(sc[others])[0],
            "impact_points": overall[0] - nps(sc[~m_])[0],
        })
    theme_table = pd.DataFrame(rows).sort_values("impact_points")
    t["statistics"] = time.perf_counter() - s

    s = time.perf_counter()
    os.makedirs(a.out, exist_ok=True)
    out = df.drop(columns=["score", "text"]).copy()
    out["sentiment"] = sentiment
    out["sentiment_score"] = score
    out["themes"] = [";".join(x) for x in themes]
    out["status"] = np.where(with_comment, "tagged", "no_comment")
    out.to_csv(os.path.join(a.out, "tagged.csv"), index=False)
    rejected.to_csv(os.path.join(a.out, "rejected.csv"), index=False)
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump({
            "rows_in": int(len(df) + len(rejected)), "tagged": int(len(df)),
            "rejected": int(len(rejected)), "texts_embedded": len(units),
            "nps": {"value": overall[0], "ci95": [overall[1], overall[2]]},
            "themes": theme_table.to_dict(orient="records"),
        }, f, indent=1)
    t["report"] = time.perf_counter() - s
    t["total"] = time.perf_counter() - T0
    t["texts_embedded"] = len(units)
    print("PEER_TIMINGS " + json.dumps(t), file=sys.stderr)


if __name__ == "__main__":
    main()
