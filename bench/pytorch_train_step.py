#!/usr/bin/python3
"""One training step (forward + backward + Adam, batch 32, one thread) of the four networks in
PyTorch, the reference for bench/bench_train.cpp. Also the machine's float32 matmul GFLOP/s
(torch.mm 1024x1024, one thread) and the achieved GFLOP/s of the LSTM step.

Run: OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive /usr/bin/python3 bench/pytorch_train_step.py
(python3-torch from Debian; the same libtorch 1.13 and BLAS as the C++ build).
"""
import json
import statistics
import sys
import time

import torch
from torch import nn

STEPS = 64  # RepeatVector(64)


def mlp(n_in, widths, drops):
    layers, prev = [], n_in
    for w, d in zip(widths, drops):
        layers += [nn.Linear(prev, w), nn.ReLU()]
        if d > 0:
            layers.append(nn.Dropout(d))
        prev = w
    return nn.Sequential(*layers), prev


class Heads(nn.Module):
    def __init__(self, n_in, widths, drops, heads):
        super().__init__()
        self.trunk, prev = mlp(n_in, widths, drops)
        self.heads = nn.ModuleList(nn.Linear(prev, h) for h in heads)

    def forward(self, x):
        h = self.trunk(x)
        return [head(h) for head in self.heads]


class Pattern(nn.Module):
    def __init__(self, units=512):
        super().__init__()
        self.embed = nn.Linear(31, 256)
        self.lstm1 = nn.LSTM(256, units, batch_first=True)
        self.lstm2 = nn.LSTM(units, units, batch_first=True)
        self.drop = nn.Dropout(0.3)
        self.out = nn.Linear(units, 4)

    def forward(self, x):
        h = torch.relu(self.embed(x)).unsqueeze(1).expand(-1, STEPS, -1)
        h = self.drop(self.lstm1(h)[0])
        h = self.drop(self.lstm2(h)[0])
        return [self.out(h).reshape(x.shape[0], -1)]


def build(kind, batch):
    torch.manual_seed(1)
    if kind == "GenreClassifier":
        net = Heads(32, [256, 128, 64], [0.3, 0.3, 0], [8, 1])
        x, lab = torch.randn(batch, 32), torch.randint(8, (batch,))

        def loss(o):
            correct = (o[0].argmax(1) == lab).float().detach()
            return nn.functional.cross_entropy(o[0], lab) + nn.functional.mse_loss(torch.sigmoid(o[1]).squeeze(1), correct)
    elif kind == "TechniqueRecognizer":
        net = Heads(6, [128, 64], [0.4, 0.4], [20])
        x, y = torch.randn(batch, 6), (torch.rand(batch, 20) > 0.8).float()

        def loss(o):
            return nn.functional.binary_cross_entropy_with_logits(o[0], y)
    elif kind == "MixAnalyzer":
        net = Heads(1024, [512, 256, 128], [0.3, 0.3, 0], [6, 1, 1, 1, 1])
        x, y = torch.randn(batch, 1024), torch.rand(batch, 10)

        def loss(o):
            cols, total = 0, 0
            for i, h in enumerate(o):
                out = h if i == 1 else torch.sigmoid(h)
                total = total + nn.functional.mse_loss(out, y[:, cols:cols + h.shape[1]])
                cols += h.shape[1]
            return total
    else:
        net = Pattern()
        x, y = torch.randn(batch, 31), torch.rand(batch, STEPS * 4)

        def loss(o):
            return nn.functional.mse_loss(torch.sigmoid(o[0]), y)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    net.train()

    def step():
        opt.zero_grad()
        l = loss(net(x))
        l.backward()
        opt.step()
        return float(l)
    return net, step


def flops(kind, net, batch):
    """2 x multiply-adds of the matrix products, x3 for forward + backward (as bench_train)."""
    fwd = 0.0
    for name, p in net.named_parameters():
        if "weight" not in name:
            continue
        per_step = kind == "PatternGenerator" and not name.startswith("embed")
        fwd += 2.0 * p.numel() * (STEPS if per_step else 1)
    return 3.0 * fwd * batch


def median_seconds(fn, min_runs, min_time):
    fn()  # warm-up
    times, start = [], time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < min_time:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), len(times)


def main():
    torch.set_num_threads(1)
    batch = 32
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    mm_s, _ = median_seconds(lambda: torch.mm(a, b), 20, 1.0)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(),
              "matmul_1024_gflops": 2 * 1024 ** 3 / mm_s / 1e9, "models": {}}
    for kind in ["GenreClassifier", "TechniqueRecognizer", "MixAnalyzer", "PatternGenerator"]:
        net, step = build(kind, batch)
        runs = 5 if kind == "PatternGenerator" else 50
        sec, n = median_seconds(step, runs, 2.0)
        entry = {"median_ms": sec * 1e3, "runs": n, "gflops": flops(kind, net, batch) / sec / 1e9}
        if kind == "PatternGenerator":
            h = 512
            lstm = 3.0 * (2 * 4 * h * (256 + h) + 2 * 4 * h * (2 * h)) * STEPS * batch
            # The LSTM-only step: the same two layers, forward + backward on [32, 64, 256].
            l1, l2 = net.lstm1, net.lstm2
            seq = torch.randn(batch, STEPS, 256)

            def lstm_step():
                net.zero_grad()
                out = l2(l1(seq)[0])[0]
                out.sum().backward()
            lsec, _ = median_seconds(lstm_step, 5, 2.0)
            entry.update({"lstm_only_median_ms": lsec * 1e3, "lstm_gflops": lstm / lsec / 1e9})
        result["models"][kind] = entry
    json.dump(result, sys.stdout, indent=2)
    print()
    print(f"matmul 1024x1024 fp32, 1 thread: {result['matmul_1024_gflops']:.1f} GFLOP/s", file=sys.stderr)
    for k, v in result["models"].items():
        extra = f", LSTM-only {v['lstm_only_median_ms']:.0f} ms = {v['lstm_gflops']:.1f} GFLOP/s" if "lstm_gflops" in v else ""
        print(f"{k:20s} {v['median_ms']:9.2f} ms/step  {v['gflops']:6.1f} GFLOP/s{extra}", file=sys.stderr)


if __name__ == "__main__":
    main()
