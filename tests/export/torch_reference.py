#!/usr/bin/env python3
"""Runs a ModelSpec (dumped as JSON by tests/export/torch_reference.h) with PyTorch (libtorch
underneath), as an implementation independent of echoelml's runtime and Core ML evaluator.

usage: torch_reference.py jobs.json > outputs.json
  jobs.json: [{"spec": SPEC, "rows": [[raw feature row], ...]}, ...]  (one python start for many
             models: importing torch takes seconds)
  SPEC:      {"inputs": [{"name", "shape"}], "outputs": [{"name", "shape"}],
              "layers": [{"kind", "inputs", "output", "activation", "params": [{"shape", "values"}],
                          "repeats", "hidden"}]}
  rows:      the model's single input, flattened
  stdout:    per job [[outputs in spec output order, flattened], ...]
"""
import json
import sys

import torch

ACT = {"linear": lambda x: x, "relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}


def tensor(p):
    return torch.tensor(p["values"], dtype=torch.float32).reshape(p["shape"])


def lstm(layer, x):
    w_ih, w_hh, b = (tensor(p) for p in layer["params"])
    hidden = layer["hidden"]
    m = torch.nn.LSTM(input_size=w_ih.shape[1], hidden_size=hidden, batch_first=False)
    with torch.no_grad():
        m.weight_ih_l0.copy_(w_ih)
        m.weight_hh_l0.copy_(w_hh)
        m.bias_ih_l0.copy_(b)  # the spec stores b_ih + b_hh combined
        m.bias_hh_l0.zero_()
        y, _ = m(x.unsqueeze(1))
    return y.squeeze(1)


def run(spec, row):
    inp = spec["inputs"][0]
    blobs = {inp["name"]: torch.tensor(row, dtype=torch.float32).reshape(inp["shape"])}
    for layer in spec["layers"]:
        xs = [blobs[n] for n in layer["inputs"]]
        x = xs[0]
        kind = layer["kind"]
        if kind == "dense":
            w, b = tensor(layer["params"][0]), tensor(layer["params"][1])
            y = ACT[layer["activation"]](torch.nn.functional.linear(x, w, b))
        elif kind == "activation":
            y = ACT[layer["activation"]](x)
        elif kind == "softmax":
            y = torch.softmax(x, dim=-1)
        elif kind == "scale":
            y = x * tensor(layer["params"][0]) + tensor(layer["params"][1])
        elif kind == "repeat":
            y = x.unsqueeze(0).repeat(layer["repeats"], 1)
        elif kind == "lstm":
            y = lstm(layer, x)
        elif kind == "concat":
            y = torch.cat(xs, dim=-1)
        elif kind == "reduce_max":
            y = x.max(dim=-1, keepdim=True).values
        else:
            raise SystemExit(f"torch_reference: unknown layer kind {kind}")
        blobs[layer["output"]] = y
    out = []
    for o in spec["outputs"]:
        out.extend(blobs[o["name"]].reshape(-1).tolist())
    return out


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    torch.set_num_threads(1)
    json.dump([[run(job["spec"], r) for r in job["rows"]] for job in jobs], sys.stdout)


if __name__ == "__main__":
    main()
