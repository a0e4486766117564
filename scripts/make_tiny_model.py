"""Write a tiny llama-architecture GGUF with random weights (deterministic), for offline stacks and tests.

Usage: python scripts/make_tiny_model.py OUT.gguf   (prints the file's sha256)
"""
import hashlib
import sys

import numpy as np
from gguf import GGUFWriter, TokenType

VOCAB = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)] + ["▁", "▁the", "▁a", "hello", "▁world"]
DIM, LAYERS, HEADS, FF, CTX = 64, 2, 4, 128, 512


def main(path: str) -> None:
    rng = np.random.default_rng(42)
    w = GGUFWriter(path, "llama")
    w.add_name("aistack-tiny")
    w.add_context_length(CTX)
    w.add_embedding_length(DIM)
    w.add_block_count(LAYERS)
    w.add_feed_forward_length(FF)
    w.add_head_count(HEADS)
    w.add_head_count_kv(HEADS)
    w.add_rope_dimension_count(DIM // HEADS)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(0)
    w.add_tokenizer_model("llama")
    w.add_token_list(VOCAB)
    w.add_token_scores([0.0] * 3 + [0.0] * 256 + [-1.0] * (len(VOCAB) - 259))
    types = [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL] + [TokenType.BYTE] * 256 + [TokenType.NORMAL] * (len(VOCAB) - 259)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)

    def t(name, *shape):
        w.add_tensor(name, (rng.standard_normal(shape) * 0.02).astype(np.float32))

    t("token_embd.weight", len(VOCAB), DIM)
    for i in range(LAYERS):
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(DIM, dtype=np.float32))
        t(f"blk.{i}.attn_q.weight", DIM, DIM)
        t(f"blk.{i}.attn_k.weight", DIM, DIM)
        t(f"blk.{i}.attn_v.weight", DIM, DIM)
        t(f"blk.{i}.attn_output.weight", DIM, DIM)
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(DIM, dtype=np.float32))
        t(f"blk.{i}.ffn_gate.weight", FF, DIM)
        t(f"blk.{i}.ffn_up.weight", FF, DIM)
        t(f"blk.{i}.ffn_down.weight", DIM, FF)
    w.add_tensor("output_norm.weight", np.ones(DIM, dtype=np.float32))
    t("output.weight", len(VOCAB), DIM)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(hashlib.sha256(open(path, "rb").read()).hexdigest())


if __name__ == "__main__":
    main(sys.argv[1])
