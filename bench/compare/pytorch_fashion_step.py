#!/usr/bin/python3
"""The Fashion-MNIST training step of bench/fashion_step_bench.cpp in PyTorch, for docs/performance.md.

784-128(relu)-10 in float32, sparse categorical cross-entropy from logits (nn.CrossEntropyLoss, mean over the
batch), Adam(lr 1e-3, eps 1e-7 as Keras), on a fixed random batch (pixels uniform in [0, 1), labels 0..9):
zero_grad, forward, loss, backward, step. Eager mode and, when it works, TorchScript. As in the C++
benchmark, every 200 steps the parameters and the optimizer state go back to the start outside the timed
region (so that Adam's moments never turn subnormal), one warm-up step is not timed, and the figure is the
median over 10 repetitions of the mean step time of a run of about 0.5 s.

Run with Debian's interpreter, which has the python3-torch package (PyTorch 1.13 on Debian 12):

    /usr/bin/python3 bench/compare/pytorch_fashion_step.py [--threads N]

Prints one line per batch size: median ms per step and the FLOPS figure counted as the C++ benchmark counts it.
"""
import argparse
import statistics
import time

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--repetitions", type=int, default=10)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(20240601)


def flops_per_step(batch):
    return batch * (2.0 * 784 * 128 + 3.0 * 128 * 10) * 2.0


def make_model():
    return torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))


def measure(batch, scripted):
    model = make_model()
    if scripted:
        model = torch.jit.script(model)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    loss_fn = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(7)
    x = torch.rand(batch, 784, generator=g)
    y = torch.randint(0, 10, (batch,), generator=g)

    def restart():
        model.load_state_dict(start)
        return torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)

    def step(opt):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    opt = restart()
    step(opt)  # warm-up
    per_run = []
    for _ in range(args.repetitions):
        opt = restart()
        steps, elapsed = 0, 0.0
        while elapsed < 0.5:
            if steps and steps % 200 == 0:
                opt = restart()
            t = time.perf_counter()
            step(opt)
            elapsed += time.perf_counter() - t
            steps += 1
        per_run.append(elapsed / steps)
    return statistics.median(per_run)


print("PyTorch %s, %d thread(s), medians of %d runs" % (torch.__version__, torch.get_num_threads(), args.repetitions))
for scripted in (False, True):
    for batch in (32, 256):
        try:
            t = measure(batch, scripted)
        except Exception as e:  # TorchScript may be unavailable in a build
            print("%s batch %d: failed: %s" % ("torchscript" if scripted else "eager", batch, e))
            continue
        print("%-11s batch %3d: %8.3f ms per step, FLOPS %.2f G/s" % (
            "torchscript" if scripted else "eager", batch, t * 1e3, flops_per_step(batch) / t / 1e9))
