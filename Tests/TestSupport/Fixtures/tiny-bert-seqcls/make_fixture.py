#!/usr/bin/env python3
"""Writes the tiny BertForSequenceClassification fixture of this folder with real transformers.

Not run by the tests (they need no Python and read only the files written here): it records
exactly how every file was made, and remakes them. Made with torch 2.15.0+cu132,
transformers 5.25.0, safetensors 0.8.0, Python 3.11.7 on CPU (float32, eval mode, eager
attention). To regenerate, from the package root:

    python3 Tests/TestSupport/Fixtures/tiny-bert-seqcls/make_fixture.py

It writes, next to itself:

    model/          a Hugging Face model folder as `save_pretrained` writes it:
                    config.json (architectures ["BertForSequenceClassification"], id2label),
                    model.safetensors (bert.embeddings.*, bert.encoder.*, bert.pooler.dense.*,
                    classifier.weight [3, 32], classifier.bias [3]), tokenizer.json and
                    tokenizer_config.json (BertTokenizer.save_pretrained), vocab.txt (its source)
    texts.csv       the texts, one per row, column "text" (RFC 4180 quoting)
    expected.json   transformers' outputs for each text: input_ids, logits and softmax
                    probabilities (float64 softmax of the float32 logits), the predicted label,
                    and the label names in class-id order

The model: hidden 32, 2 layers, 4 heads, intermediate 64, 64 positions, a 200-odd token
WordPiece vocabulary (no 'q', 'x', 'z' pieces, so words with those letters at their start
become [UNK]), and 3 labels whose id order differs from their sorted order
(0 positive, 1 negative, 2 neutral). Weights are drawn from torch.manual_seed(SEED) at
larger scales than transformers' initialisation (which gives nearly the same logits for
every text), so that the probabilities differ clearly between texts. The script checks its
outputs against transformers.pipeline("text-classification", model="model/") before writing
expected.json.
"""

import csv
import json
import math
import os
import platform
import shutil

import safetensors
import torch
import transformers
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer, pipeline

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "model")
SEED = 20240611
ID2LABEL = {0: "positive", 1: "negative", 2: "neutral"}  # id order != sorted order

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PUNCTUATION = list(".,!?;:'\"-()")
DIGITS = list("0123456789")
LETTERS = [c for c in "abcdefghijklmnopqrstuvwy"]  # no q, x, z
WORDS = """
the a an and or but not no so very too is was are were be been it its this that these those
i you he she we they me my your our their of to in on at for with from by as about than then
good great happy love nice fine best better well wonderful excellent fun glad like enjoy
bad awful sad hate poor worst worse terrible boring angry sorry dull ugly
table chair day days film movie book food service flight time place people thing ones
cafe naive resume coffee tea music song show story end start night morning week year
what when where who why how all some many much more most one two three first last
do did does have has had will would can could should make made go went see saw say said
""".split()
SUFFIXES = ["##s", "##d", "##ed", "##ing", "##ly", "##er", "##est", "##y", "##es", "##ness", "##ful"]
CONTINUATIONS = ["##" + c for c in LETTERS]

TEXTS = [
    "good film",
    'The table was not very nice, and the "service" was awful.',
    "I loved this café!",
    "What a zorblax of a film",
    "HAPPY Happy happy days, so HAPPY!",
    "It was a great day and the film was very good, but the chair was poor and the table was bad; "
    "I hate sad films and love happy ones.",
    "so sad 😢",
]


def vocabulary():
    tokens = SPECIAL + PUNCTUATION + DIGITS + LETTERS + WORDS + SUFFIXES + CONTINUATIONS
    seen, result = set(), []
    for token in tokens:
        if token not in seen:
            seen.add(token)
            result.append(token)
    return result


def randomise(model, generator):
    """Every parameter drawn again at scales that make the classifier's output depend on the text."""
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            shape = parameter.shape
            if "embeddings" in name and "LayerNorm" not in name:
                value = torch.randn(shape, generator=generator)
            elif "LayerNorm.weight" in name:
                value = 1 + 0.2 * torch.randn(shape, generator=generator)
            elif name.endswith(".bias"):
                value = 0.1 * torch.randn(shape, generator=generator)
            elif name.startswith("classifier."):
                value = 3.0 / math.sqrt(shape[1]) * torch.randn(shape, generator=generator)
            else:  # the encoder's and the pooler's Linear weights [out, in]
                value = 1.5 / math.sqrt(shape[1]) * torch.randn(shape, generator=generator)
            parameter.copy_(value)


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    if os.path.isdir(MODEL):
        shutil.rmtree(MODEL)
    os.makedirs(MODEL)

    tokens = vocabulary()
    vocab_path = os.path.join(MODEL, "vocab.txt")
    with open(vocab_path, "w", encoding="utf-8") as file:
        file.write("\n".join(tokens) + "\n")
    tokenizer = BertTokenizer(vocab_path, do_lower_case=True)
    tokenizer.save_pretrained(MODEL)

    config = BertConfig(
        vocab_size=len(tokens), hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
        max_position_embeddings=64, type_vocab_size=2, hidden_act="gelu", hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1, pad_token_id=0, id2label=ID2LABEL,
        label2id={name: index for index, name in ID2LABEL.items()}, attn_implementation="eager")
    model = BertForSequenceClassification(config)
    generator = torch.Generator().manual_seed(SEED)
    randomise(model, generator)
    model.eval()
    model.save_pretrained(MODEL, safe_serialization=True)

    # Reload from the folder, as a user would, and run every text alone (no padding).
    model = BertForSequenceClassification.from_pretrained(MODEL, attn_implementation="eager").eval()
    tokenizer = BertTokenizer.from_pretrained(MODEL)
    labels = [model.config.id2label[index] for index in range(model.config.num_labels)]
    cases = []
    with torch.no_grad():
        for text in TEXTS:
            encoded = tokenizer(text, return_tensors="pt")
            assert encoded["input_ids"].shape[1] <= config.max_position_embeddings
            logits = model(**encoded).logits[0]
            probabilities = torch.softmax(logits.double(), dim=-1)
            cases.append({
                "text": text,
                "input_ids": encoded["input_ids"][0].tolist(),
                "tokens": tokenizer.convert_ids_to_tokens(encoded["input_ids"][0].tolist()),
                "logits": logits.tolist(),
                "probabilities": probabilities.tolist(),
                "label": labels[int(probabilities.argmax())],
            })

    # The same model through transformers' own text-classification pipeline.
    classify = pipeline("text-classification", model=MODEL, top_k=None, device="cpu")
    for case, scores in zip(cases, classify(TEXTS)):
        by_label = {entry["label"]: entry["score"] for entry in scores}
        for label, probability in zip(labels, case["probabilities"]):
            assert abs(by_label[label] - probability) < 1e-6, (case["text"], label, by_label[label], probability)

    assert any(1 in case["input_ids"] for case in cases), "some text should have an unknown word"
    predicted = {case["label"] for case in cases}
    assert predicted == set(labels), f"every label should be predicted for some text, got {predicted}"

    with open(os.path.join(HERE, "texts.csv"), "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["text"])
        for text in TEXTS:
            writer.writerow([text])

    expected = {
        "made_with": {"torch": torch.__version__, "transformers": transformers.__version__,
                      "safetensors": safetensors.__version__, "python": platform.python_version()},
        "labels": labels,
        "cases": cases,
    }
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as file:
        json.dump(expected, file, indent=1, ensure_ascii=False)
        file.write("\n")
    for case in cases:
        print(f"{case['label']:>8}  {[round(p, 4) for p in case['probabilities']]}  {case['text']}")


if __name__ == "__main__":
    main()
