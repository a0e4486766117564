"""Write a llama-architecture GGUF with random weights (deterministic), sized for throughput benchmarks.

    python bench/make_bench_model.py OUT.gguf [--dim 2048 --layers 8 --heads 16 --kv-heads 4 --ff 5632]

Like scripts/make_tiny_model.py, but larger (default ~360 M parameters, F16) so that llama-bench measures real
compute and memory traffic; quantize it with llama-quantize for a Q4 model. Needs numpy and the `gguf` package
(PyPI, or llama.cpp's gguf-py on PYTHONPATH; PyYAML is optional).
"""
import argparse
import sys
import types

import numpy as np

try:
    import yaml  # noqa: F401  (gguf's metadata module imports it; unused for writing)
except ImportError:
    sys.modules["yaml"] = types.ModuleType("yaml")
from gguf import GGUFWriter, TokenType  # noqa: E402

VOCAB = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)] + ["▁", "▁the", "▁a", "hello", "▁world"]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--dim", type=int, default=2048)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--heads", type=int, default=16)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--ff", type=int, default=5632)
    ap.add_argument("--ctx", type=int, default=2048)
    a = ap.parse_args(argv)
    rng = np.random.default_rng(42)
    head_dim = a.dim // a.heads
    w = GGUFWriter(a.out, "llama")
    w.add_name("aistack-bench")
    w.add_context_length(a.ctx)
    w.add_embedding_length(a.dim)
    w.add_block_count(a.layers)
    w.add_feed_forward_length(a.ff)
    w.add_head_count(a.heads)
    w.add_head_count_kv(a.kv_heads)
    w.add_rope_dimension_count(head_dim)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(1)  # mostly F16
    w.add_tokenizer_model("llama")
    w.add_token_list(VOCAB)
    w.add_token_scores([0.0] * 259 + [-1.0] * (len(VOCAB) - 259))
    w.add_token_types([TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL] + [TokenType.BYTE] * 256
                      + [TokenType.NORMAL] * (len(VOCAB) - 259))
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)

    def t(name, *shape, dtype=np.float16):
        w.add_tensor(name, (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype(dtype))

    params = 0
    t("token_embd.weight", len(VOCAB), a.dim, dtype=np.float32)
    kv = a.kv_heads * head_dim
    for i in range(a.layers):
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(a.dim, dtype=np.float32))
        t(f"blk.{i}.attn_q.weight", a.dim, a.dim)
        t(f"blk.{i}.attn_k.weight", kv, a.dim)
        t(f"blk.{i}.attn_v.weight", kv, a.dim)
        t(f"blk.{i}.attn_output.weight", a.dim, a.dim)
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(a.dim, dtype=np.float32))
        t(f"blk.{i}.ffn_gate.weight", a.ff, a.dim)
        t(f"blk.{i}.ffn_up.weight", a.ff, a.dim)
        t(f"blk.{i}.ffn_down.weight", a.dim, a.ff)
        params += 2 * a.dim * a.dim + 2 * kv * a.dim + 3 * a.ff * a.dim
    w.add_tensor("output_norm.weight", np.ones(a.dim, dtype=np.float32))
    t("output.weight", len(VOCAB), a.dim, dtype=np.float32)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"{a.out}: {params / 1e6:.0f} M layer parameters")


if __name__ == "__main__":
    main()
