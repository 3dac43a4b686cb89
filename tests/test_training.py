"""The trainer against independent truths: a numpy implementation of the
reference protocol's steps, exact fits, determinism, bad input and the CLI."""

import argparse
import dataclasses
import io
import math
import json
import os
import re
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

from conftest import benchmark_script, recorded_bars
from nnpartition.datasets import random_dataset
from nnpartition.network import DeepNet, TwoLayerNet
from nnpartition.training import AccuracyMeasurement, TrainResult, real_accuracy, train


def _torch():
    """PyTorch, the trainer's peer. Skipped when it is missing, but under ``NNPARTITION_REQUIRE_PEERS=1`` (``.ci/run``
    installs it and sets that) a missing PyTorch fails: the peer tests must run in the project's CI, not skip."""
    try:
        import torch
    except ImportError:
        if os.environ.get("NNPARTITION_REQUIRE_PEERS") == "1":
            pytest.fail("PyTorch is missing under NNPARTITION_REQUIRE_PEERS=1 (.ci/run installs it: pip install torch)")
        pytest.skip("the PyTorch peer tests need torch (pip install torch)")
    return torch


def numpy_reference(X, y, net, steps, lr=0.02, lr_min=2e-4, b1=0.9, b2=0.999, eps=1e-8, optimizer="adam",
                    momentum=0.9):
    """The reference protocol in float64 numpy (mean BCE, full-batch Adam with
    PyTorch's bias correction, cosine schedule), from the given initial network.
    ``optimizer="sgd"`` is PyTorch's SGD with momentum instead: ``buf = momentum buf + g``, ``p -= lr_t buf``."""
    W, b, w, c = net.W1.copy(), net.b1.copy(), net.w2.copy(), np.array(net.b2)
    params = [W, b, w, c]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    n = len(y)
    for t in range(steps):
        u = X @ W + b
        h = np.maximum(u, 0)
        z = h @ w + c
        gz = (1 / (1 + np.exp(-z)) - y) / n
        gw = h.T @ gz
        gc = gz.sum()
        dh = np.outer(gz, w) * (u > 0)
        gW = X.T @ dh
        gb = dh.sum(0)
        lr_t = lr_min + (lr - lr_min) * (1 + np.cos(np.pi * t / steps)) / 2
        for i, g in enumerate([gW, gb, gw, gc]):
            if optimizer == "sgd":
                m[i] = momentum * m[i] + g          # the buffer starts at g: momentum * 0 + g
                params[i] -= lr_t * m[i]
                continue
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            mhat = m[i] / (1 - b1 ** (t + 1))
            vhat = v[i] / (1 - b2 ** (t + 1))
            params[i] -= lr_t * mhat / (np.sqrt(vhat) + eps)
    return params


@pytest.mark.parametrize("d, L", [(2, 5), (7, 33)])
def test_adam_steps_match_a_numpy_implementation(d, L):
    X, y = random_dataset(64, d, seed=4)
    steps = 5
    res = train(X, y, L, steps=steps, seed=1)
    # Step 0 is recorded before any update: if it is the best, `network` is the initial one.
    # Redo from the initial network (restart 0 of seed 1) with steps=1 to get it for sure.
    init = train(X, y, L, steps=1, seed=1).network
    W, b, w, c = numpy_reference(X.astype(np.float32).astype(np.float64), y, init, steps)
    fin = res.final_network
    for ours, ref in [(fin.W1, W), (fin.b1, b), (fin.w2, w), (fin.b2, c)]:
        np.testing.assert_allclose(ours, ref, atol=2e-5)


@pytest.mark.parametrize("kwargs", [
    dict(optimizer="sgd", lr=0.5, momentum=0.5), dict(optimizer="sgd", lr=0.5, momentum=0.0),
    dict(betas=(0.5, 0.9)), dict(betas=(0.0, 0.5)), dict(eps=0.05), dict(lr=0.05, betas=(0.8, 0.99), eps=1e-3),
])
def test_momentum_betas_and_eps_match_a_numpy_implementation(kwargs):
    """Non-default optimiser settings reach the steps: a few full-batch steps against float64 numpy (SGD with
    PyTorch's momentum buffer, Adam with the given betas and eps), from the same initial network."""
    X, y = random_dataset(40, 3, seed=6)
    steps, L = 4, 5
    res = train(X, y, L, steps=steps, seed=2, **kwargs)
    init = train(X, y, L, steps=1, seed=2, **kwargs).network      # one read step, before any update
    lr = kwargs.get("lr", 0.02)
    ref_kw = dict(lr=lr, lr_min=lr / 100, optimizer=kwargs.get("optimizer", "adam"),
                  momentum=kwargs.get("momentum", 0.9), eps=kwargs.get("eps", 1e-8))
    ref_kw["b1"], ref_kw["b2"] = kwargs.get("betas", (0.9, 0.999))
    W, b, w, c = numpy_reference(X.astype(np.float32).astype(np.float64), y, init, steps, **ref_kw)
    fin = res.final_network
    for ours, ref in [(fin.W1, W), (fin.b1, b), (fin.w2, w), (fin.b2, c)]:
        np.testing.assert_allclose(ours, ref, atol=2e-5)
    # and the settings matter at this size: the defaults give other parameters
    default = numpy_reference(X.astype(np.float32).astype(np.float64), y, init, steps,
                              **{**ref_kw, "momentum": 0.9, "b1": 0.9, "b2": 0.999, "eps": 1e-8})
    assert np.abs(fin.W1 - default[0]).max() > 1e-3


def numpy_variant_reference(X, y, net, steps, activation="relu", slope=0.01, loss="bce", lr=0.02):
    """Full-batch Adam (PyTorch's bias correction, cosine to ``lr / 100``) in float64 numpy, for any hidden activation
    (``relu``, ``leaky_relu`` of negative slope ``slope``, ``tanh``, ``sigmoid``) and loss: ``bce``, the mean binary
    cross-entropy on the logit, or ``hinge``, the mean of ``max(0, 1 - s z)`` with ``s = 2 y - 1`` (its gradient
    ``-s / n`` where ``s z < 1``, else 0)."""
    act = {"relu": lambda u: np.maximum(u, 0), "leaky_relu": lambda u: np.where(u > 0, u, slope * u),
           "tanh": np.tanh, "sigmoid": lambda u: 1 / (1 + np.exp(-u))}[activation]
    deriv = {"relu": lambda u, h: (u > 0) * 1.0, "leaky_relu": lambda u, h: np.where(u > 0, 1.0, slope),
             "tanh": lambda u, h: 1 - h * h, "sigmoid": lambda u, h: h * (1 - h)}[activation]
    W, b, w, c = net.W1.copy(), net.b1.copy(), net.w2.copy(), np.array(net.b2)
    params = [W, b, w, c]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    n, s = len(y), 2.0 * np.asarray(y) - 1
    for t in range(steps):
        u = X @ W + b
        h = act(u)
        z = h @ w + c
        gz = (1 / (1 + np.exp(-z)) - y) / n if loss == "bce" else np.where(s * z < 1, -s, 0.0) / n
        dh = np.outer(gz, w) * deriv(u, h)
        lr_t = lr / 100 + (lr - lr / 100) * (1 + np.cos(np.pi * t / steps)) / 2
        for i, g in enumerate([X.T @ dh, dh.sum(0), h.T @ gz, gz.sum()]):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            params[i] -= lr_t * (m[i] / (1 - 0.9 ** (t + 1))) / (np.sqrt(v[i] / (1 - 0.999 ** (t + 1))) + 1e-8)
    return params


@pytest.mark.parametrize("kwargs", [
    dict(activation="leaky_relu", slope=0.3), dict(activation="tanh"), dict(activation="sigmoid", lr=0.05),
    dict(loss="hinge"), dict(activation="tanh", loss="hinge"),
])
def test_activations_and_losses_match_a_numpy_implementation(kwargs):
    """The activations, the leaky slope and the hinge loss reach the steps: a few full-batch steps against float64
    numpy from the same initial network (only that these variants learn was checked, which a slope or a loss
    dropped on the way to the trainer still passes), and each setting moves the parameters away from the ReLU and
    BCE path by far more than the tolerance."""
    X, y = random_dataset(40, 3, seed=7)
    steps, L = 4, 6
    res = train(X, y, L, steps=steps, seed=2, **kwargs)
    init = train(X, y, L, steps=1, seed=2, **kwargs).network      # one read step, before any update
    Xd = X.astype(np.float32).astype(np.float64)
    ref = numpy_variant_reference(Xd, y, init, steps, **kwargs)
    fin = res.final_network
    for ours, want in zip((fin.W1, fin.b1, fin.w2, fin.b2), ref):
        np.testing.assert_allclose(ours, want, atol=2e-5)
    plain = numpy_variant_reference(Xd, y, init, steps, lr=kwargs.get("lr", 0.02))
    assert max(np.abs(a - b).max() for a, b in zip(ref, plain)) > 1e-3


def _pytorch_path(torch, X, y, init, steps, optimizer, lr, schedule):
    """PyTorch's training of ``init`` (a network of ours) on ``(X, y)``: mean BCE, its ``Adam`` (betas 0.9, 0.999, eps
    1e-8) or ``SGD(momentum=0.9)``, ``CosineAnnealingLR`` to ``lr / 100`` or a constant rate. Returns the loss and
    accuracy read at every 20th and the last step (before its update), and the final layers ``[(W, b), ...]``, output
    weights and output bias as numpy."""
    out = (init.w2, init.b2) if isinstance(init, TwoLayerNet) else (init.w_out, init.b_out)
    layers = [(torch.tensor(W, dtype=torch.float32, requires_grad=True),
               torch.tensor(b, dtype=torch.float32, requires_grad=True)) for W, b in init.layers]
    w_out, b_out = (torch.tensor(a, dtype=torch.float32, requires_grad=True) for a in out)
    params = [p for pair in layers for p in pair] + [w_out, b_out]
    opt = (torch.optim.SGD(params, lr=lr, momentum=0.9) if optimizer == "sgd" else
           torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8))
    sched = (torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=lr / 100)
             if schedule == "cosine" else None)
    Xt, yt = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    losses, accs = [], []
    for t in range(steps):
        h = Xt
        for W, b in layers:
            h = torch.relu(h @ W + b)
        z = h @ w_out + b_out
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, yt)
        if t % 20 == 0 or t == steps - 1:
            losses.append(loss.item())
            accs.append(((z > 0).float() == yt).float().mean().item())
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
    final = [(W.detach().numpy(), b.detach().numpy()) for W, b in layers]
    return losses, accs, final, w_out.detach().numpy(), b_out.item()


def test_matches_pytorch_from_the_same_initialisation():
    """Same data, same initial network: PyTorch's Adam + CosineAnnealingLR follows the same path (the reference
    protocol's optimizer and schedule)."""
    torch = _torch()
    X, y = random_dataset(200, 5, seed=3)
    steps = 120
    init = train(X, y, 16, steps=1, seed=2).network
    res = train(X, y, 16, steps=steps, seed=2)
    losses, accs, layers, _, _ = _pytorch_path(torch, X, y, init, steps, "adam", 0.02, "cosine")
    np.testing.assert_allclose(res.loss_history[0], losses, rtol=1e-4)
    np.testing.assert_allclose(res.accuracy_history[0], accs, atol=1.5 / 200)
    np.testing.assert_allclose(res.final_network.W1, layers[0][0], atol=1e-3)


@pytest.mark.parametrize("widths", [[12, 7, 9], [16]])
@pytest.mark.parametrize("optimizer, lr, schedule", [("sgd", 0.3, "constant"), ("adam", 0.01, "cosine")])
def test_deep_training_matches_pytorch_from_the_same_initialisation(optimizer, lr, schedule, widths):
    """Three hidden layers of unequal widths, and one (the two-layer network, its own code path), from the same
    initial network: PyTorch's SGD (momentum 0.9, its semantics) at a constant rate, and Adam with CosineAnnealingLR
    to lr/100, follow the same path as ours."""
    torch = _torch()
    X, y = random_dataset(60, 4, seed=5)
    steps = 100
    kw = dict(widths=widths, optimizer=optimizer, lr=lr, schedule=schedule, restarts=1, seed=4)
    init = train(X, y, steps=1, **kw).network         # the only read of one step is the initial network
    res = train(X, y, steps=steps, **kw)
    losses, accs, layers, w_out, b_out = _pytorch_path(torch, X, y, init, steps, optimizer, lr, schedule)
    assert losses[-1] < 0.9 * losses[0]                 # it trained: the comparison is of a moving path
    np.testing.assert_allclose(res.loss_history[0], losses, rtol=1e-4)
    np.testing.assert_allclose(res.accuracy_history[0], accs, atol=1.5 / 60)
    fin = res.final_network
    for (W, b), (Wt, bt) in zip(fin.layers, layers):
        np.testing.assert_allclose(W, Wt, atol=1e-4)
        np.testing.assert_allclose(b, bt, atol=1e-4)
    out = (fin.w2, fin.b2) if isinstance(fin, TwoLayerNet) else (fin.w_out, fin.b_out)
    np.testing.assert_allclose(out[0], w_out, atol=1e-4)
    np.testing.assert_allclose(out[1], b_out, atol=1e-4)


def numpy_deep_reference(X, y, net, steps, optimizer, lr, schedule, momentum=0.9):
    """Full-batch training of a deep ReLU network (``net.layers``, ``w_out``, ``b_out``) in float64 numpy: mean BCE on
    the logit, backpropagated layer by layer; PyTorch's Adam (betas 0.9, 0.999, eps 1e-8, bias correction) or SGD
    with a momentum buffer; ``lr`` constant or cosine to ``lr / 100``. Returns the parameters in the order
    ``W1, b1, ..., Wk, bk, w_out, b_out`` and the loss before each step."""
    params = [p.copy() for W, b in net.layers for p in (W, b)] + [net.w_out.copy(), np.array(net.b_out)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    n, k = len(y), len(net.layers)
    losses = []
    for t in range(steps):
        hs, us = [X], []
        for i in range(k):
            us.append(hs[-1] @ params[2 * i] + params[2 * i + 1])
            hs.append(np.maximum(us[-1], 0))
        z = hs[-1] @ params[-2] + params[-1]
        losses.append(np.mean(np.logaddexp(0, z) - y * z))
        gz = (1 / (1 + np.exp(-z)) - y) / n
        grads = [None] * len(params)
        grads[-2], grads[-1] = hs[-1].T @ gz, gz.sum()
        dh = np.outer(gz, params[-2])
        for i in reversed(range(k)):
            du = dh * (us[i] > 0)
            grads[2 * i], grads[2 * i + 1] = hs[i].T @ du, du.sum(0)
            dh = du @ params[2 * i].T
        lr_t = lr if schedule == "constant" else lr / 100 + (lr - lr / 100) * (1 + np.cos(np.pi * t / steps)) / 2
        for i, g in enumerate(grads):
            if optimizer == "sgd":
                m[i] = momentum * m[i] + g
                params[i] -= lr_t * m[i]
                continue
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            params[i] -= lr_t * (m[i] / (1 - 0.9 ** (t + 1))) / (np.sqrt(v[i] / (1 - 0.999 ** (t + 1))) + 1e-8)
    return params, np.array(losses)


@pytest.mark.parametrize("widths", [[12, 7, 9], [5, 11]])
@pytest.mark.parametrize("optimizer, lr, schedule", [("sgd", 0.3, "constant"), ("adam", 0.01, "cosine")])
def test_deep_training_matches_a_numpy_implementation(optimizer, lr, schedule, widths):
    """Deep networks' steps against backpropagation written out in float64 numpy, from the same initial network:
    the check that runs where PyTorch is not installed (the PyTorch test above skips there). Every layer's weights
    and biases after a few full-batch steps, and the loss where it is read."""
    X, y = random_dataset(50, 4, seed=8)
    steps = 6
    kw = dict(widths=widths, optimizer=optimizer, lr=lr, schedule=schedule, restarts=1, seed=3)
    init = train(X, y, steps=1, **kw).network         # the only read of one step is the initial network
    res = train(X, y, steps=steps, **kw)
    ref, losses = numpy_deep_reference(X.astype(np.float32).astype(np.float64), y, init, steps, optimizer, lr,
                                       schedule)
    fin = res.final_network
    ours = [p for W, b in fin.layers for p in (W, b)] + [fin.w_out, np.array(fin.b_out)]
    assert len(ours) == len(ref) == 2 * len(widths) + 2
    for i, (a, b) in enumerate(zip(ours, ref)):
        np.testing.assert_allclose(a, b, atol=2e-5, err_msg=f"parameter {i}")
    # (the loss is read with the accuracy: at step 0 and at the last step, before its update)
    np.testing.assert_allclose(res.loss_history[0], losses[[0, -1]], rtol=1e-5)
    # and the path moved: a network that did not train (or trained one layer only) is far from the reference
    start = [p for W, b in init.layers for p in (W, b)] + [init.w_out, np.array(init.b_out)]
    assert all(np.abs(a - b).max() > 1e-3 for a, b in zip(ref, start))


@pytest.mark.parametrize("widths", [[300, 40, 200], [7, 500]])
def test_deep_initialisation_is_pytorchs_layer_by_layer(widths):
    """Every layer of a deep stack as PyTorch's ``nn.Linear`` draws it, layer by layer: weights and hidden biases
    uniform on ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]`` with the layer's own fan-in (the previous layer's width), the
    output weights with the last width's, the output bias 0. A Kolmogorov-Smirnov test of each array against that
    law, at a fixed seed. (Arrays of these shapes drawn with a scale by the input dimension ``d`` or by the layer's
    own width, or from a normal law of the same variance, each fail it: some array is out of bounds or has p below
    1e-4.)"""
    stats = pytest.importorskip("scipy.stats")
    d = 9
    X, y = random_dataset(10, d, seed=0)
    net = train(X, y, widths=widths, steps=1, seed=5).network
    fans = [d, *widths[:-1]]
    arrays = [(W, fan) for (W, _), fan in zip(net.layers, fans)] + [(b, fan) for (_, b), fan in zip(net.layers, fans)]
    arrays.append((net.w_out, widths[-1]))
    for values, fan in arrays:
        a = 1 / np.sqrt(fan)
        assert np.abs(values).max() <= a
        p = stats.kstest(np.ravel(values), stats.uniform(loc=-a, scale=2 * a).cdf).pvalue
        assert p > 1e-4, (values.shape, fan, p)
    assert net.b_out == 0.0


def test_initialisation_follows_the_protocol():
    d, L = 9, 400
    X, y = random_dataset(10, d, seed=0)
    net = train(X, y, L, steps=1, seed=3).network
    assert np.abs(net.W1).max() <= 1 / np.sqrt(d) and np.abs(net.b1).max() <= 1 / np.sqrt(d)
    assert np.abs(net.w2).max() <= 1 / np.sqrt(L) and net.b2 == 0.0
    # uniform on [-a, a]: variance a^2/3 (the bounds alone held for zero biases or a zero output layer)
    assert abs(net.W1.var() - 1 / d / 3) < 0.1 / d
    for values, fan in ((net.b1, d), (net.w2, L)):   # 400 draws each: the sample variance is within 5%, sd
        assert abs(values.var() * 3 * fan - 1) < 0.25


def test_histories_and_best_are_consistent():
    X, y = random_dataset(100, 3, seed=2)
    r = train(X, y, 16, steps=101, restarts=3, seed=0)
    assert isinstance(r, TrainResult)
    assert r.history_steps.tolist() == [0, 20, 40, 60, 80, 100]
    assert r.loss_history.shape == r.accuracy_history.shape == (3, 6)
    assert r.restart_accuracies.tolist() == r.accuracy_history.max(axis=1).tolist()
    assert r.best_accuracy == r.accuracy_history.max() == r.restart_accuracies[r.best_restart]
    assert r.final_accuracy == r.accuracy_history[r.best_restart, -1]
    # The returned network really has the recorded accuracy (float32 training vs float64 check).
    assert abs(r.network.accuracy(X, y) - r.best_accuracy) <= 1 / 100
    assert r.loss_history[:, -1].mean() < r.loss_history[:, 0].mean()


def test_fits_xor_and_a_small_random_set_exactly():
    X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    r = train(X, [0, 1, 1, 0], 8, restarts=2, steps=1000)
    assert r.best_accuracy == 1.0 and r.network.predict(X).tolist() == [0, 1, 1, 0]
    # N=30 points in d=10 are shattered by a wide layer: 100%.
    X, y = random_dataset(30, 10, seed=0)
    assert train(X, y, 64, steps=1000).best_accuracy == 1.0


def test_same_result_whatever_the_thread_count():
    # The children keep the environment (PYTHONPATH among it): with only RAYON_NUM_THREADS and PATH they imported
    # the package installed in the interpreter, not the one under test. They say which one they ran.
    import os

    import nnpartition

    code = ("import nnpartition; from nnpartition.training import real_accuracy, train;"
            "from nnpartition.datasets import random_dataset;"
            "m = real_accuracy(3, 150, 12, datasets=3, restarts=2, seed=11);"
            "X, y = random_dataset(90, 4, seed=2);"
            "r = train(X, y, 10, restarts=3, steps=300, seed=5);"
            "print(nnpartition.__file__); print(m.per_dataset.tolist(), r.best_accuracy, r.network.W1.sum())")
    outs = set()
    for threads in ("1", "2", "3"):
        env = {**os.environ, "RAYON_NUM_THREADS": threads}
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        assert p.returncode == 0, p.stderr
        where, result = p.stdout.splitlines()
        assert where == nnpartition.__file__
        outs.add(result)
    assert len(outs) == 1
    a = real_accuracy(3, 150, 12, datasets=3, seed=11, threads=1)
    b = real_accuracy(3, 150, 12, datasets=3, seed=11, threads=2)
    c = real_accuracy(3, 150, 12, datasets=3, seed=11, callback=lambda k, acc: None)
    assert a.per_dataset.tolist() == b.per_dataset.tolist() == c.per_dataset.tolist()


def test_mean_and_std_are_those_of_the_per_dataset_accuracies():
    """The summary against Python's statistics module: mean, and the sample standard deviation (n - 1)."""
    import statistics

    m = real_accuracy(2, 40, 2, datasets=5, protocol=Protocol(steps=60, restarts=1), seed=3)
    acc = m.per_dataset.tolist()
    assert len(acc) == 5 and len(set(acc)) > 1            # a spread: ddof and the mean both matter
    assert m.mean == pytest.approx(statistics.fmean(acc), rel=1e-12)
    assert m.std == pytest.approx(statistics.stdev(acc), rel=1e-12)
    assert m.to_dict()["mean"] == m.mean and m.to_dict()["std"] == m.std
    one = real_accuracy(2, 40, 2, datasets=1, protocol=Protocol(steps=60, restarts=1), seed=3)
    assert one.mean == one.per_dataset[0] == acc[0] and math.isnan(one.std)
    # to_dict is strict JSON: the one-dataset NaN std is null (it was NaN, which json.loads of strict parsers refuse)
    text = json.dumps(one.to_dict(), allow_nan=False)
    assert json.loads(text)["std"] is None and json.loads(text)["datasets"] == one.datasets == 1 and m.datasets == 5


def test_real_accuracy_measurement():
    m = real_accuracy(2, 100, 4, datasets=3, restarts=1, seed=1)
    assert isinstance(m, AccuracyMeasurement)
    # Each dataset's accuracy is a count of its 100 points, read at every 20th step (not a mean of restarts).
    counts = m.per_dataset * 100
    assert np.allclose(counts, np.round(counts), atol=1e-9) and np.all((0 < counts) & (counts <= 100))
    assert m.to_dict()["datasets"] == 3
    # More restarts can only help (restart r draws the same stream).
    assert np.all(real_accuracy(2, 100, 4, datasets=3, restarts=3, seed=1).per_dataset >= m.per_dataset)


@pytest.mark.parametrize("kwargs", [
    dict(activation="tanh"), dict(activation="sigmoid", lr=0.05), dict(activation="leaky_relu", slope=0.1),
    dict(loss="hinge"), dict(optimizer="sgd", lr=0.5, momentum=0.9), dict(schedule="constant", lr=0.005),
    dict(batch_size=16), dict(widths=[16, 8], L=None),
])
def test_variants_learn(kwargs):
    X, y = random_dataset(64, 5, seed=9)
    L = kwargs.pop("L", 32)
    r = train(X, y, L, steps=600, seed=0, **kwargs)
    assert r.best_accuracy >= 0.9, (kwargs, r.best_accuracy)
    net = r.network
    assert abs(net.accuracy(X, y) - r.best_accuracy) <= 2 / 64
    if "widths" in kwargs:
        assert isinstance(net, DeepNet) and net.widths == [16, 8]
    else:
        assert isinstance(net, TwoLayerNet)


def test_fixed_output_is_frozen_at_plus_minus_v():
    X, y = random_dataset(50, 3, seed=1)
    r = train(X, y, 5, fixed_output=True, steps=200)
    v = 1 / np.sqrt(5)
    np.testing.assert_allclose(r.final_network.w2, [v, v, v, -v, -v], rtol=1e-6)
    assert r.final_network.b2 == 0.0
    r = train(X, y, 4, fixed_output=True, output_scale=2.0, steps=10)
    assert r.final_network.w2.tolist() == [2.0, 2.0, -2.0, -2.0]


@pytest.mark.parametrize("widths", [[7, 3], [2, 6, 5]])
def test_fixed_output_of_a_deep_network_is_scaled_by_its_last_width(widths):
    """The frozen output layer connects the last hidden layer: v = 1/sqrt(widths[-1]) (docs/training.md)."""
    X, y = random_dataset(30, 3, seed=1)
    r = train(X, y, widths=widths, fixed_output=True, steps=30)
    L = widths[-1]
    v = 1 / np.sqrt(L)
    want = [v] * ((L + 1) // 2) + [-v] * (L // 2)
    for net in (r.network, r.final_network):
        assert isinstance(net, DeepNet)
        np.testing.assert_allclose(net.w_out, want, rtol=1e-6)
        assert net.b_out == 0.0
    r = train(X, y, widths=widths, fixed_output=True, output_scale=0.25, steps=30)
    np.testing.assert_allclose(r.final_network.w_out, np.sign(want) * 0.25, rtol=1e-6)


# --- divergence: a run that blows up counts with the reads PyTorch would make ----------------------------------
# The audit's configuration, inside the estimator's validated range, that raised "training diverged at step 205".
AUDIT = dict(optimizer="sgd", lr=0.5, steps=250, batch_size=32, schedule="constant", restarts=1)


def test_a_diverged_run_counts_its_reads_before_the_divergence():
    """Checked against the same run cut before its divergence (constant lr, batches independent of `steps`): the
    long run's reads are the short run's, which never meets a non-finite number, and what real_accuracy reports is
    the best of them or the fraction of label-0 points (the NaN network's read, computed here from y)."""
    from dataclasses import replace
    p = Protocol(**AUDIT)
    X, y = random_dataset(300, 50, seed=0)
    with pytest.warns(RuntimeWarning, match=r"restart 0 at step \d+") as caught:
        r = train(X, y, widths=[100] * 4, protocol=p, seed=0)
    assert caught[0].filename == __file__   # the caller's line (it named the wrapper in training/protocol.py)
    t = r.diverged_at
    assert t is not None and 20 < t < p.steps - 1 and r.restart_diverged_at == (t,)
    k = (t - 1) // 20                       # the last read before step t is at step 20 k
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # an overflow in its very last update would warn
        short = train(X, y, widths=[100] * 4, protocol=replace(p, steps=20 * k + 1), seed=0)
    assert short.history_steps.tolist() == list(range(0, 20 * k + 1, 20))
    assert r.history_steps.tolist() == short.history_steps.tolist()      # the diverged run's only restart
    assert np.array_equal(r.accuracy_history, short.accuracy_history)
    assert np.array_equal(r.loss_history, short.loss_history)
    assert (r.best_accuracy, r.best_step) == (short.best_accuracy, short.best_step)
    assert r.final_accuracy == short.accuracy_history[0, -1]
    assert r.protocol_accuracy == max(short.best_accuracy, np.mean(y == 0))
    with pytest.warns(RuntimeWarning, match="1 of 1 training runs diverged") as caught:
        m = real_accuracy(50, 300, widths=[100] * 4, protocol=p, datasets=1, seed=0)
    assert caught[0].filename == __file__   # the caller's line, as train's (session 63, py_mutants)
    assert m.per_dataset[0] == r.protocol_accuracy and m.diverged == 1 and m.to_dict()["diverged"] == 1
    # the same every time, whatever the threads; the diverged runs counted as train() reports them, dataset by
    # dataset (the callback path measures one dataset a call)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        one = real_accuracy(50, 300, widths=[100] * 4, protocol=replace(p, restarts=2), datasets=2, seed=0, threads=1)
        two = real_accuracy(50, 300, widths=[100] * 4, protocol=replace(p, restarts=2), datasets=2, seed=0, threads=2,
                            callback=lambda k, a: None)
        first = real_accuracy(50, 300, widths=[100] * 4, protocol=replace(p, restarts=2), datasets=1, seed=0)
        res = train(X, y, widths=[100] * 4, protocol=replace(p, restarts=2), seed=0)   # dataset 0, as trained there
    assert np.array_equal(one.per_dataset, two.per_dataset) and one.diverged == two.diverged >= first.diverged
    assert first.diverged == sum(t is not None for t in res.restart_diverged_at) >= 1


def test_a_diverged_restart_beside_one_that_did_not():
    """Two restarts, one of which diverges: the histories keep every recorded step, the diverged restart's reads
    are finite before its divergence and NaN after it; restart 0 is the one-restart run with the same seed."""
    from dataclasses import replace
    p = replace(Protocol(**AUDIT), restarts=2)
    X, y = random_dataset(300, 50, seed=0)
    with pytest.warns(RuntimeWarning, match="diverged"):
        r = train(X, y, widths=[100] * 4, protocol=p, seed=2)
    assert r.history_steps.tolist() == list(range(0, 250, 20)) + [249]
    assert None in r.restart_diverged_at and set(r.restart_diverged_at) != {None}
    for k, t in enumerate(r.restart_diverged_at):
        h = r.accuracy_history[k]
        if t is None:
            assert np.isfinite(h).all() and np.isfinite(r.loss_history[k]).all()
        else:
            assert np.isfinite(h[r.history_steps < t]).all() and np.isnan(h[r.history_steps > t]).all()
            assert r.restart_accuracies[k] == np.nanmax(h)
    one = train(X, y, widths=[100] * 4, protocol=replace(p, restarts=1), seed=2)   # restart 0 did not diverge
    assert np.array_equal(one.accuracy_history[0], r.accuracy_history[0])


def test_a_run_diverging_at_once_counts_the_nan_network_read():
    """SGD at lr 1e6 on three layers blows up within a few steps: the only read before it is the initial
    network's (train with steps=1 reads just that), every later read is PyTorch's NaN network predicting class 0
    everywhere (the fraction of label-0 points). On some seeds that is the higher of the two, so both sides of the
    max are exercised."""
    p = Protocol(optimizer="sgd", lr=1e6, steps=50, schedule="constant", restarts=1)
    sides = set()
    for seed in range(12):
        X, y = random_dataset(40, 3, seed=seed)
        with pytest.warns(RuntimeWarning, match="diverged"):
            r = train(X, y, widths=[16] * 3, protocol=p, seed=seed)
        assert r.diverged_at is not None and r.diverged_at < 20 and r.history_steps.tolist() == [0]
        init = train(X, y, widths=[16] * 3, steps=1, seed=seed).best_accuracy
        zeros = float(np.mean(y == 0))
        with pytest.warns(RuntimeWarning, match="1 of 1 training runs diverged"):
            m = real_accuracy(3, 40, widths=[16] * 3, protocol=p, datasets=1, seed=seed)
        assert m.per_dataset[0] == r.protocol_accuracy == max(init, zeros) and m.diverged == 1, seed
        assert r.best_accuracy == init
        sides.add(zeros > init)
    assert sides == {True, False}


def _pytorch_divergence(torch, X, y, init, steps, lr):
    """PyTorch's full-batch SGD (momentum 0.9, constant ``lr``) from ``init`` (ours), stopped at the first step whose
    logits are not all finite. Returns that step (``None`` if none), the accuracies read before it (every 20th step),
    and whether that step's parameters were all finite while a pre-activation was NaN (``inf - inf`` in the
    products): the case the trainer's ReLU once turned into 0."""
    out = (init.w2, init.b2) if isinstance(init, TwoLayerNet) else (init.w_out, init.b_out)
    layers = [(torch.tensor(W, dtype=torch.float32, requires_grad=True),
               torch.tensor(b, dtype=torch.float32, requires_grad=True)) for W, b in init.layers]
    w_out = torch.tensor(out[0], dtype=torch.float32, requires_grad=True)
    b_out = torch.tensor(float(out[1]), dtype=torch.float32, requires_grad=True)
    params = [p for pair in layers for p in pair] + [w_out, b_out]
    opt = torch.optim.SGD(params, lr=lr, momentum=0.9)
    Xt, yt = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    reads = []
    for t in range(steps):
        h, nan_pre = Xt, False
        for W, b in layers:
            u = h @ W + b
            nan_pre |= bool(torch.isnan(u).any())
            h = torch.relu(u)
        z = h @ w_out + b_out
        if not torch.isfinite(z).all():
            return t, reads, nan_pre and all(bool(torch.isfinite(p).all()) for p in params)
        if t % 20 == 0:
            reads.append(((z > 0).float() == yt).float().mean().item())
        opt.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(z, yt).backward()
        opt.step()
    return None, reads, False


def test_a_nan_pre_activation_diverges_at_pytorchs_step():
    """Finite parameters whose float32 products overflow with opposite signs give a NaN pre-activation (inf - inf);
    PyTorch's relu passes it to the logit, so the run diverges at that step. The trainer's ReLU was ``max(u, 0)``,
    which is 0 for NaN: the logit stayed finite, the run went on and was only stopped by the next read's parameter
    check (here step 20 where PyTorch's logit is NaN at step 1). Same data, same initial network, same step."""
    torch = _torch()
    X, y = random_dataset(8, 2, seed=0)
    X = X * 1e20                                        # finite in float32; the huge lr makes the weights huge too
    kw = dict(widths=[6, 3], optimizer="sgd", lr=1e4, schedule="constant", restarts=1, seed=0)
    init = train(X, y, steps=1, **kw).network           # the only read of one step is the initial network
    t, reads, nan_pre = _pytorch_divergence(torch, X, y, init, 41, 1e4)
    assert t is not None and 0 < t < 20 and nan_pre     # the case is the one meant: NaN from finite parameters
    with pytest.warns(RuntimeWarning, match="diverged"):
        r = train(X, y, steps=41, **kw)
    assert r.diverged_at == t
    assert r.accuracy_history[0, 0] == pytest.approx(reads[0])
    # reads were left after step t: the NaN network's read (the label-0 fraction) counts beside the one before it
    assert r.protocol_accuracy == pytest.approx(max(reads[0], float(np.mean(y == 0))))


def test_a_nan_pre_activation_at_the_first_read_is_an_error_as_any_non_finite_logit():
    """Through a deep stack at the initial network: inputs near float32's limit overflow a first-layer unit to +inf,
    ReLU passes it, and the next layer's weights of both signs make ``inf - inf``. PyTorch's logit is NaN at the
    very first read, which ``train`` refuses as it refuses an infinite one; the ReLU's 0 let it through (its first
    read was finite). The initial network does not depend on X (checked), so PyTorch is given the same one."""
    torch = _torch()
    X = np.array([[1, 1], [-1, 1], [1, -1], [-1, -1]] * 2, dtype=float) * 3e38
    y = np.arange(8) % 2
    init = train(random_dataset(8, 2, seed=1)[0], y, widths=[4, 4, 1], steps=1, seed=6).network
    other = train(random_dataset(8, 2, seed=2)[0], y, widths=[4, 4, 1], steps=1, seed=6).network
    assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(init.layers, other.layers))
    h = torch.tensor(X, dtype=torch.float32)
    for W, b in init.layers:
        h = torch.relu(h @ torch.tensor(W, dtype=torch.float32) + torch.tensor(b, dtype=torch.float32))
    z = h @ torch.tensor(init.w_out, dtype=torch.float32) + float(init.b_out)
    assert torch.isnan(z).any() and all(bool(torch.isfinite(torch.tensor(W)).all()) for W, _ in init.layers)
    with pytest.raises(ValueError, match="before its first read"):
        train(X, y, widths=[4, 4, 1], steps=1, seed=6)


def test_a_network_too_large_for_float32_at_its_first_read_is_an_error():
    X = np.full((10, 2), 3e38)
    with pytest.raises(ValueError, match="before its first read"):
        train(X, np.arange(10) % 2, 64, steps=5)


def test_train_takes_a_protocol():
    """protocol= is the six fields unpacked (bit for bit); a setting given beside it is refused by name."""
    X, y = random_dataset(60, 3, seed=2)
    p = Protocol(optimizer="sgd", lr=0.1, steps=90, batch_size=16, schedule="constant", restarts=2)
    a = train(X, y, 5, protocol=p, seed=3)
    b = train(X, y, 5, optimizer="sgd", lr=0.1, steps=90, batch_size=16, schedule="constant", restarts=2, seed=3)
    assert np.array_equal(a.accuracy_history, b.accuracy_history) and np.array_equal(a.network.W1, b.network.W1)
    assert a.accuracy_history.shape == (2, 6)
    with pytest.raises(ValueError, match=r"protocol= or lr=, not both.*replace\(protocol, lr="):
        train(X, y, 5, protocol=p, lr=0.3)
    with pytest.raises(ValueError, match=r"momentum=, activation=, not both.*without protocol="):
        train(X, y, 5, protocol=p, momentum=0.5, activation="tanh")
    with pytest.raises(ValueError, match="restarts="):
        train(X, y, 5, protocol=p, restarts=4)
    with pytest.raises(TypeError, match="protocol must be an nnpartition.Protocol"):
        train(X, y, 5, protocol={"lr": 0.1})
    # a value equal to train()'s default is refused too (it was taken silently for the protocol's: restarts=1
    # beside a protocol of 2 restarts trained 2), and so is one equal to the protocol's own
    for given in (dict(lr=0.02), dict(restarts=1), dict(betas=[0.9, 0.999]), dict(batch_size=None), dict(lr=0.1)):
        with pytest.raises(ValueError, match=f"protocol= or {next(iter(given))}=, not both"):
            train(X, y, 5, protocol=p, seed=3, **given)
    # protocol=None is no protocol: the settings given are used
    c = train(X, y, 5, protocol=None, optimizer="sgd", lr=0.1, steps=90, batch_size=16, schedule="constant",
              restarts=2, seed=3)
    assert np.array_equal(c.accuracy_history, a.accuracy_history)


@pytest.mark.parametrize("args, kwargs, exc, word", [
    ((np.zeros((4, 2)), [0, 1, 2, 0], 3), {}, ValueError, "y"),
    ((np.zeros((4, 2)), [0, 1, 1], 3), {}, ValueError, "y"),
    ((np.zeros((4, 2)), [[0, 1, 1, 0]], 3), {}, ValueError, "y"),
    ((np.array([[0, np.nan]] * 4), [0, 1, 1, 0], 3), {}, ValueError, "X"),
    ((np.array([[0, np.inf]] * 4), [0, 1, 1, 0], 3), {}, ValueError, "X"),
    ((np.zeros(4), [0, 1, 1, 0], 3), {}, ValueError, "X"),
    ((np.zeros((4, 2)), [0, 1, 1, 0], 0), {}, ValueError, "L"),
    ((np.zeros((4, 2)), [0, 1, 1, 0], 2.5), {}, TypeError, "L"),
    ((np.zeros((4, 2)), [0, 1, 1, 0], 3), dict(lr=0), ValueError, "lr"),
    ((np.zeros((4, 2)), [0, 1, 1, 0], 3), dict(lr=-1), ValueError, "lr"),
    ((np.zeros((4, 2)), [0, 1, 1, 0], 3), dict(activation="gelu"), ValueError, "activation"),
    ((np.zeros((4, 2)), [0, 1, 1, 0], 3), dict(loss="mse"), ValueError, "loss"),
    ((np.zeros((4, 2)), [0, 1, 1, 0], 3), dict(optimizer="lbfgs"), ValueError, "optimizer"),
    ((np.zeros((4, 2)), [0, 1, 1, 0], 3), dict(schedule="step"), ValueError, "schedule"),
    ((np.zeros((4, 2)), [0, 1, 1, 0], 3), dict(batch_size=0), ValueError, "batch_size"),
    ((np.zeros((4, 2)), [0, 1, 1, 0], 3), dict(restarts=0), ValueError, "restarts"),
    ((np.zeros((4, 2)), [0, 1, 1, 0], 3), dict(widths=[4]), ValueError, "exactly one"),
    ((np.zeros((4, 2)), [0, 1, 1, 0], None), dict(widths=[4, 0]), ValueError, r"widths\[1\]"),
    ((np.zeros((4, 2)), [0, 1, 1, 0], None), {}, TypeError, "give L"),
    ((np.zeros((4, 2)), [0, 1, 1, 0], 3), dict(output_scale=1.0), ValueError, "output_scale"),
])
def test_bad_input_names_the_argument(args, kwargs, exc, word):
    # the name as a word of its own: a bare "y" or "d" is found in almost any message ("only", "infinity", "must be")
    with pytest.raises(exc, match=rf"(?<!\w){word}(?!\w)"):
        train(*args, **kwargs)


_SGD, _ADAM, _LEAKY, _COSINE = (dict(optimizer="sgd"), dict(optimizer="adam"), dict(activation="leaky_relu"),
                                 dict(schedule="cosine"))


@pytest.mark.parametrize("kwargs, applies, message", [
    (dict(momentum=0.5), _SGD, r"^momentum=0\.5 only applies to optimizer='sgd'; Adam ignores it$"),
    (dict(optimizer="sgd", betas=(0.1, 0.2)), _ADAM,
     r"^betas=\(0\.1, 0\.2\) only applies to optimizer='adam'; SGD ignores it$"),
    (dict(optimizer="sgd", betas=[0.9, 0.999], eps=1.0), _ADAM, r"^eps=1\.0 only applies to optimizer='adam'"),
    (dict(optimizer="sgd", betas=(0.5, 0.999), eps=1e-3), _ADAM,
     r"^betas=\(0\.5, 0\.999\) and eps=0\.001 only apply to optimizer='adam'; SGD ignores them$"),
    (dict(slope=0.9), _LEAKY, r"^slope=0\.9 only applies to activation='leaky_relu'; activation='relu' ignores it$"),
    (dict(activation="tanh", slope=0.0), _LEAKY,
     r"^slope=0\.0 only applies to activation='leaky_relu'; activation='tanh' ignores it$"),
    (dict(schedule="constant", lr_min=0.001), _COSINE,
     r"^lr_min=0\.001 only applies to schedule='cosine'; the constant schedule ignores it$"),
])
def test_a_setting_the_run_does_not_use_is_warned_of_by_name(kwargs, applies, message):
    # an audit: momentum with Adam, betas/eps with SGD, slope with ReLU and lr_min with a constant rate were ignored
    # without a word (the same best accuracy with and without them); the warning points at this file, not the package
    with pytest.warns(UserWarning, match=message) as caught:
        train(np.eye(3), [0, 1, 1], 2, steps=3, **kwargs)
    assert len(caught) == 1 and caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # the same settings where they apply: no warning
        train(np.eye(3), [0, 1, 1], 2, steps=3, **{**kwargs, **applies})


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(d=0, N=10, L=2), ValueError, "d"), (dict(d=2, N=0, L=2), ValueError, "N"),
    (dict(d=2, N=10, L=0), ValueError, "L"), (dict(d=2, N=10, L=2, dist="x"), ValueError, "dist"),
    (dict(d=2, N=10, L=2, datasets=0), ValueError, "datasets"),
    (dict(d=2, N=10, L=2, restarts=0), ValueError, "restarts"),
])
def test_real_accuracy_bad_input(kwargs, exc, word):
    with pytest.raises(exc, match=rf"(?<!\w){word}(?!\w)"):   # the name as a word, as above
        real_accuracy(**kwargs)


def test_from_sklearn_matches_the_classifier():
    nn = pytest.importorskip("sklearn.neural_network")
    X, y = random_dataset(200, 3, seed=1)
    labels = np.where(y == 1, "b", "a")
    for act in ("relu", "tanh", "logistic"):
        clf = nn.MLPClassifier(hidden_layer_sizes=(12,), activation=act, max_iter=50, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X, labels)
        net = TwoLayerNet.from_sklearn(clf)
        proba = clf.predict_proba(X)[:, 1]
        np.testing.assert_allclose(1 / (1 + np.exp(-net.decision_function(X))), proba, rtol=1e-6, atol=1e-9)
        assert np.array_equal(clf.classes_[net.predict(X)], clf.predict(X))
    deep = nn.MLPClassifier(hidden_layer_sizes=(6, 5), max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        deep.fit(X, y)
    with pytest.raises(ValueError, match="DeepNet"):
        TwoLayerNet.from_sklearn(deep)
    dn = DeepNet.from_sklearn(deep)
    np.testing.assert_allclose(dn.decision_function(X),
                               np.log(deep.predict_proba(X)[:, 1] / deep.predict_proba(X)[:, 0]), atol=1e-6)
    with pytest.raises(TypeError, match="MLPClassifier"):
        TwoLayerNet.from_sklearn(object())


def test_from_sklearn_refuses_a_classifier_it_cannot_read():
    nn = pytest.importorskip("sklearn.neural_network")
    X, y = random_dataset(60, 2, seed=2)
    with pytest.raises(ValueError, match=r"clf is not fitted yet \(call clf.fit first\)"):
        DeepNet.from_sklearn(nn.MLPClassifier())
    for labels, act, match in ((np.arange(60) % 3, "relu", "clf must be a binary classifier, it has 3 classes"),
                               (y, "identity", "activation 'identity' of clf is not supported")):
        clf = nn.MLPClassifier(hidden_layer_sizes=(3,), activation=act, max_iter=5, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X, labels)
        with pytest.raises(ValueError, match=re.escape(match)):
            DeepNet.from_sklearn(clf)


def test_network_equality_hidden_units_and_repr():
    rng = np.random.default_rng(4)
    W1, b1, w2, X = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=3), rng.normal(size=(7, 2))
    net = TwoLayerNet(W1, b1, w2, 0.5, activation="leaky_relu", slope=0.1)
    assert net == TwoLayerNet(W1.copy(), b1.copy(), w2.copy(), 0.5, activation="leaky_relu", slope=0.1)
    assert net != TwoLayerNet(W1, b1 + 1.0, w2, 0.5, activation="leaky_relu", slope=0.1)
    assert net != TwoLayerNet(W1, b1, w2, 0.5, activation="leaky_relu", slope=0.2)
    assert net != DeepNet([(W1, b1)], w2, 0.5, activation="leaky_relu", slope=0.1)   # another class
    assert (net == "a network") is False and net.__eq__(3) is NotImplemented   # Python's own answer, a bool
    pre = X @ W1 + b1
    assert np.allclose(net.hidden(X), np.where(pre > 0, pre, 0.1 * pre), rtol=1e-14, atol=0)
    with pytest.raises(ValueError, match="W1 contains NaN or infinity"):
        TwoLayerNet(np.array([[1.0, np.nan, 0.0]] * 2), b1, w2, 0.0)
    deep = DeepNet([(W1, b1), (np.ones((3, 2)), np.zeros(2))], np.ones(2), 0.0)
    assert deep.widths == [3, 2] and "_widths" not in repr(deep)


def test_a_logit_of_zero_predicts_class_0_and_every_row_is_computed():
    # documented: class 1 where the logit is positive; checked against the logit written out, for a few sizes
    net = TwoLayerNet(np.array([[1.0, -1.0]]), np.array([0.0, 0.0]), np.array([1.0, 2.0]), -1.0)
    assert net.decision_function([[1.0]]).tolist() == [0.0] and net.predict([[1.0]]).tolist() == [0]
    # (another output bias: a logit table left unwritten cannot hold the other network's values by chance)
    deep = DeepNet([(np.array([[1.0, -1.0]]), np.zeros(2)), (np.eye(2), np.zeros(2))], np.array([1.0, 2.0]), -2.0)
    from nnpartition.limits import override

    for n in (1, 2, 5, 3000):
        x = np.linspace(-10.0, 4.0, n)[:, None]
        expect = np.maximum(x[:, 0], 0) + 2 * np.maximum(-x[:, 0], 0) - 1.0
        with override(max_bytes=2**14):   # blocks of 1024 entries: 512 rows of two units at a time
            assert net.decision_function(x).tolist() == expect.tolist()
            assert deep.decision_function(x).tolist() == (expect - 1.0).tolist()


def test_deep_net_copies_the_arrays_it_is_given():
    W, b, w = np.ones((2, 2)), np.zeros(2), np.ones(2)
    net = DeepNet([(W, b)], w, 0.0)
    W[:] = 5.0
    b[:] = 5.0
    w[:] = 5.0
    assert net.layers[0][0].tolist() == [[1.0, 1.0]] * 2 and net.layers[0][1].tolist() == [0.0, 0.0]
    assert net.w_out.tolist() == [1.0, 1.0]


def test_from_sklearn_without_scikit_learn_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.neural_network", None)
    with pytest.raises(ImportError, match="from_sklearn needs scikit-learn: pip install scikit-learn"):
        DeepNet.from_sklearn(object())


def test_short_cuts_a_repr_to_60_characters():
    from nnpartition.network import _short

    assert _short("x" * 58) == repr("x" * 58) and len(repr("x" * 58)) == 60   # 60 characters: whole
    assert _short("x" * 59) == repr("x" * 59)[:57] + "..."                       # 61: cut to 60
    assert _short(3) == "3"


def test_from_torch_matches_the_module():
    torch = _torch()
    torch.manual_seed(0)
    X, _ = random_dataset(50, 4, seed=1)
    for act in (torch.nn.ReLU(), torch.nn.LeakyReLU(0.2), torch.nn.Tanh(), torch.nn.Sigmoid()):
        model = torch.nn.Sequential(torch.nn.Linear(4, 7), act, torch.nn.Linear(7, 1))
        net = TwoLayerNet.from_torch(model)
        with torch.no_grad():
            want = model(torch.tensor(X, dtype=torch.float64).to(torch.float32)).double().numpy()[:, 0]
        np.testing.assert_allclose(net.decision_function(X), want, atol=1e-5)
    deep = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3), torch.nn.ReLU(),
                               torch.nn.Linear(3, 1), torch.nn.Sigmoid())
    dn = DeepNet.from_torch(deep)
    with torch.no_grad():
        want = deep[:-1](torch.tensor(X, dtype=torch.float32)).double().numpy()[:, 0]
    np.testing.assert_allclose(dn.decision_function(X), want, atol=1e-5)
    with pytest.raises(ValueError, match="DeepNet"):
        TwoLayerNet.from_torch(deep)
    with pytest.raises(ValueError, match="one output"):
        DeepNet.from_torch(torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2)))


def test_network_validation():
    with pytest.raises(ValueError, match="w2"):
        TwoLayerNet(np.zeros((2, 3)), np.zeros(3), np.zeros(4), 0.0)
    with pytest.raises(ValueError, match="activation"):
        TwoLayerNet(np.zeros((2, 3)), np.zeros(3), np.zeros(3), 0.0, activation="gelu")
    net = TwoLayerNet(np.zeros((2, 3)), np.zeros(3), np.zeros(3), 1.0)
    with pytest.raises(ValueError, match="X"):
        net.predict(np.zeros((4, 3)))


@pytest.mark.parametrize("net", [TwoLayerNet(np.ones((2, 3)), np.zeros(3), np.ones(3), 0.0),
                                 DeepNet([(np.ones((2, 3)), np.zeros(3)), (np.ones((3, 2)), np.zeros(2))],
                                         np.ones(2), 0.0)])
def test_networks_refuse_x_of_another_width_or_not_finite_naming_x(net):
    # the input dimension is W1's (the first layer's) rows; X of another width, or holding NaN or infinity, is a
    # ValueError about X (not numpy's matmul error, nor a NaN logit read as an overflow)
    assert net.d == 2
    assert net.decision_function([[1.0, -1.0]]).shape == (1,)
    for call in (net.decision_function, net.predict):
        with pytest.raises(ValueError, match="X"):
            call(np.ones((4, 3)))
        for bad in (np.nan, np.inf):
            with pytest.raises(ValueError, match="X contains NaN or infinity"):
                call([[1.0, bad]])


@pytest.mark.parametrize("layers,exc,match", [
    ([3], TypeError, r"hidden layer 1 must be a \(W, b\) pair.*got int 3"),        # "cannot unpack non-iterable int"
    ([(np.ones((3, 3)), np.ones(3), np.ones(3))], ValueError, r"hidden layer 1 must be a \(W, b\) pair.*3 items"),
    ([(np.ones((3, 3)), np.ones(3)), np.ones((3, 3))], TypeError, r"hidden layer 2 must be a \(W, b\) pair"),
    ([(np.ones((3, 3)),)], ValueError, r"hidden layer 1 .*1 items"),
])
def test_deep_net_names_a_malformed_layer(layers, exc, match):
    with pytest.raises(exc, match=match):
        DeepNet(layers, np.ones(3), 0.0)


def test_deep_net_layers_must_chain_and_be_a_list_not_an_iterator():
    with pytest.raises(ValueError, match=re.escape("W of hidden layer 2 must have 3 rows (one per unit of hidden "
                                                   "layer 1), got shape (4, 2)")):
        DeepNet([(np.ones((2, 3)), np.zeros(3)), (np.ones((4, 2)), np.zeros(2))], np.ones(2), 0.0)
    with pytest.raises(ValueError, match=re.escape("W of hidden layer 2 contains NaN or infinity")):
        DeepNet([(np.ones((2, 3)), np.zeros(3)), (np.full((3, 2), np.inf), np.zeros(2))], np.ones(2), 0.0)
    with pytest.raises(TypeError, match=r"layers must be a list \(or tuple\) of \(W, b\) pairs, got generator"):
        DeepNet(((np.ones((2, 2)), np.zeros(2)) for _ in range(2)), np.ones(2), 0.0)
    with pytest.raises(ValueError, match="layers must hold at least one hidden layer"):
        DeepNet([], np.ones(2), 0.0)
    assert DeepNet(((np.ones((2, 2)), np.zeros(2)),), np.ones(2), 0.0).widths == [2]   # a tuple is one


OVERFLOWING = [
    lambda: TwoLayerNet(W1=[[1.0, 1.0]], b1=[0.0, 0.0], w2=[1.7e308, -1.7e308], b2=0.0),   # inf - inf: NaN
    lambda: TwoLayerNet(W1=[[1.0, 1.0]], b1=[0.0, 0.0], w2=[1.7e308, 1.7e308], b2=0.0),    # inf
    lambda: DeepNet([(np.array([[1e200, 1e200]]), np.zeros(2)), (np.ones((2, 2)) * 1e200, np.zeros(2))],
                    np.array([1.0, -1.0]), 0.0),
    lambda: TwoLayerNet(W1=[[1.0, 1.0]], b1=[0.0, 0.0], w2=[1.7e308, 1.7e308], b2=0.0, activation="sigmoid"),
]


@pytest.mark.parametrize("make", OVERFLOWING)
@pytest.mark.parametrize("X", [[[2.0]], np.array([[2.0]]), np.array([[2.0]], dtype=np.float32), [[2]]])
def test_overflowing_logits_are_refused_not_returned(make, X):
    """Finite inputs and weights whose logit overflows: decision_function gave inf or -inf depending on the input's
    type (the true logit is 0) with only numpy's RuntimeWarning; count_regions refuses such overflow already."""
    net = make()
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # and no RuntimeWarning on the way
        for call in (lambda: net.decision_function(X), lambda: net.predict(X), lambda: net.accuracy(X, [1])):
            with pytest.raises(ValueError, match="logits overflow float64.*rescale the weights or the inputs"):
                call()


def test_finite_logits_are_unchanged_and_silent():
    rng = np.random.default_rng(0)
    W, b, w = rng.normal(size=(2, 5)), rng.normal(size=5), rng.normal(size=5)
    X = rng.normal(size=(50, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for act in ("relu", "leaky_relu", "sigmoid", "tanh"):
            net = TwoLayerNet(W, b, w, 0.3, activation=act)
            h = X @ W + b
            h = {"relu": np.maximum(h, 0), "leaky_relu": np.where(h > 0, h, 0.01 * h), "tanh": np.tanh(h),
                 "sigmoid": 1 / (1 + np.exp(-h))}[act]
            np.testing.assert_allclose(net.decision_function(X), h @ w + 0.3, rtol=1e-12)
        # a sigmoid unit far below zero: exp overflows to inf, 1 / (1 + inf) = 0 is the right value (no warning)
        far = TwoLayerNet([[1.0]], [0.0], [1.0], 0.5, activation="sigmoid")
        assert far.decision_function([[-1e4]]).tolist() == [0.5]


def cli(argv, capsys):
    from nnpartition._cli import train as train_cli
    parser = argparse.ArgumentParser()
    train_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    rc = args.func(args)
    return rc, capsys.readouterr()


def test_cli_json_and_text(capsys):
    """The command's arguments reach the measurement: its dataset 0 is train() on random_dataset with the same
    settings and seed (a peer path, test_real_accuracy_is_train_under_the_protocol), and the report echoes them. (A
    mean of 1.0 was all the JSON check asked, which -d and -N swapped, or -L and --dist ignored, still give.)"""
    rc, out = cli(["train", "-d", "5", "-N", "100", "-L", "16", "--json", "--datasets", "2", "--seed", "1"], capsys)
    assert rc == 0
    data = json.loads(out.out)
    X, y = random_dataset(100, 5, seed=1)
    first = train(X, y, 16, protocol=Protocol(), seed=1).protocol_accuracy
    assert (data["d"], data["N"], data["L"], data["datasets"], data["seed"]) == (5, 100, 16, 2, 1)
    assert len(data["per_dataset"]) == 2   # --datasets 2 trained two (dataset 0 fits all: the text below discriminates)
    assert data["per_dataset"][0] == first and data["mean"] == pytest.approx(np.mean(data["per_dataset"]))
    assert out.err == ""  # no progress bar when stderr is not a terminal
    rc, out = cli(["train", "-d", "2", "-N", "60", "-L", "3", "--dist", "gaussian", "--restarts", "1"], capsys)
    X, y = random_dataset(60, 2, dist="gaussian", seed=0)
    first = train(X, y, 3, protocol=Protocol(restarts=1), seed=0).protocol_accuracy
    lines = out.out.splitlines()
    assert rc == 0 and lines[0] == "d=2 N=60 L=3 dist=gaussian datasets=3 restarts=1 seed=0"
    assert lines[2].startswith("training accuracy: ") and "+-" in lines[2]
    assert f"(per dataset: {first:.4f}, " in lines[2] and first < 1.0   # a value -d/-N swapped would not give


def test_cli_band_is_closed_and_seconds_are_the_time_it_took(capsys):
    """``estimate.inside_band`` says whether the measured mean lies in the 90% band, its ends included: a network
    that fits all 50 points (mean 1.0) lies inside a band that ends at 1.0 (an open end said "outside"), and the
    text says the same. ``seconds`` is the time the training took: between 0 and the time the call took (an
    audit's mutant that added the start instead of subtracting it printed the clock's reading)."""
    argv = ["train", "-d", "2", "-N", "50", "-L", "64", "--datasets", "1", "--seed", "0"]
    start = time.perf_counter()
    rc, out = cli(argv + ["--json"], capsys)
    wall = time.perf_counter() - start
    data = json.loads(out.out)
    est = data["estimate"]
    assert rc == 0 and data["mean"] == 1.0 and est["high"] == 1.0, (data["mean"], est)   # the boundary case
    assert est["inside_band"] is (est["low"] <= data["mean"] <= est["high"]) is True
    assert 0 <= data["seconds"] <= wall + 1e-3
    rc, out = cli(argv, capsys)
    assert rc == 0 and ", inside the band" in out.out


# --- Protocol: one object for the training an estimate and a measurement describe -------------------------

from nnpartition import Protocol, estimate_accuracy  # noqa: E402


def test_protocol_reference_and_validation():
    assert Protocol() == Protocol.reference()
    assert Protocol(optimizer="adam", lr=0.02, steps=4000, batch_size=None, schedule="cosine", restarts=2) == Protocol()
    with pytest.raises(dataclasses.FrozenInstanceError, match="'lr'"):
        Protocol().lr = 0.1  # frozen
    for kwargs, word in [(dict(optimizer="lbfgs"), "optimizer"), (dict(lr=0), "lr"), (dict(lr=-1), "lr"),
                         (dict(steps=0), "steps"), (dict(steps=2.5), "steps"), (dict(batch_size=0), "batch_size"),
                         (dict(schedule="step"), "schedule"), (dict(restarts=0), "restarts"),
                         (dict(restarts=True), "restarts")]:
        with pytest.raises((ValueError, TypeError), match=rf"^{word} must be"):   # the argument named first
            Protocol(**kwargs)


def test_protocol_fields_are_plain_values_whatever_types_gave_them():
    """Settings read from numpy (an array of configurations, a structured row) are numpy scalars: the fields are
    plain Python values all the same (an audit in session 49: Protocol(optimizer=np.str_('sgd')) kept the numpy
    string and printed as ``Protocol(optimizer=np.str_('sgd'), ...)``)."""
    p = Protocol(optimizer=np.str_("sgd"), lr=np.float64(0.1), steps=np.int64(2000), batch_size=np.int32(64),
                 schedule=np.array(["constant"])[0], restarts=np.uint8(3))
    assert p == Protocol(optimizer="sgd", lr=0.1, steps=2000, batch_size=64, schedule="constant", restarts=3)
    assert [type(x) for x in p.to_dict().values()] == [str, float, int, int, str, int]
    assert repr(p) == "Protocol(optimizer='sgd', lr=0.1, steps=2000, batch_size=64, schedule='constant', restarts=3)"
    # and the input law an estimate records
    assert type(estimate_accuracy(10, 100, 8, dist=np.str_("normal")).details.dist) is str


@pytest.mark.parametrize("change", [
    dict(optimizer=np.str_("sgd")), dict(lr=np.float64(0.1)), dict(lr=1), dict(steps=np.int64(2000)),
    dict(steps=2000.0), dict(steps=1.0), dict(batch_size=np.int32(64)), dict(batch_size=64.0), dict(batch_size=1.0),
    dict(schedule=np.str_("constant")), dict(restarts=np.uint8(3)), dict(restarts=3.0), dict(restarts=1.0)])
def test_protocol_fields_are_plain_values_when_one_alone_is_not(change):
    """Protocol's fast path takes values already canonical unchecked: one field alone given otherwise (a numpy
    scalar, a float of whole value, at the lowest bound) still goes through the checks and comes out a plain value
    equal to the one given (the test above changes every field at once, which no fast path could take; a fast path
    that took a float batch size, or refused a float 1.0 of steps, went unseen)."""
    (name, value), = change.items()
    got = Protocol(**change).to_dict()[name]
    assert got == value and type(got) is {"optimizer": str, "schedule": str, "lr": float}.get(name, int)


_PROTOCOL_VARIANTS = [dict(optimizer="sgd"), dict(lr=0.005), dict(steps=250), dict(batch_size=64),
                      dict(schedule="constant"), dict(restarts=3)]


@pytest.mark.parametrize("change", _PROTOCOL_VARIANTS)
def test_protocol_to_dict_round_trips_every_field(change):
    """to_dict is JSON-ready and rebuilds the same protocol: each field, changed alone from the reference, comes
    back (so it is reported as set, not as the reference's)."""
    import json

    p = Protocol(**change)
    d = json.loads(json.dumps(p.to_dict()))
    assert Protocol(**d) == p and d != Protocol().to_dict()
    assert {k: d[k] for k in change} == change


def test_protocol_describe_names_every_setting():
    """One line, as the docstring shows for the reference; a protocol that differs in any one setting (the batch
    size included) is described differently."""
    assert Protocol().describe() == "adam lr=0.02 cosine, 4000 steps, full batch, best of 2"
    lines = {Protocol(**change).describe() for change in _PROTOCOL_VARIANTS} | {Protocol().describe()}
    assert len(lines) == len(_PROTOCOL_VARIANTS) + 1
    assert "batch 64" in Protocol(batch_size=64).describe()


def test_summed_lr_is_the_sum_of_the_schedule():
    for p in (Protocol(), Protocol(lr=0.1, steps=7), Protocol(schedule="constant", lr=0.3, steps=250)):
        t = np.arange(p.steps)
        lr_min = p.lr / 100 if p.schedule == "cosine" else p.lr
        lrs = lr_min + (p.lr - lr_min) * (1 + np.cos(np.pi * t / p.steps)) / 2
        assert p.summed_lr == pytest.approx(lrs.sum(), rel=1e-12)


@pytest.mark.parametrize("proto, widths, dist", [
    (Protocol(optimizer="sgd", lr=0.1, steps=300, batch_size=16, restarts=2), [8], "uniform"),
    (Protocol(lr=0.01, steps=200, schedule="constant", restarts=1), [6, 5], "uniform"),
    (Protocol(steps=150, batch_size=40, restarts=3), [4, 3, 5], "uniform"),
    (Protocol(steps=150, restarts=1), [2], "gaussian"),
    (Protocol(optimizer="sgd", lr=0.1, steps=100, batch_size=20, restarts=1), [3, 2], "gaussian"),
])
def test_real_accuracy_is_train_under_the_protocol(proto, widths, dist):
    """Dataset 0 of real_accuracy is train() on random_dataset with the same settings, dist and seed."""
    for seed in (5, 6, 7):   # several seeds: one accuracy could coincide with that of other data by chance
        m = real_accuracy(3, 70, widths=widths, dist=dist, protocol=proto, datasets=1, seed=seed)
        X, y = random_dataset(70, 3, dist=dist, seed=seed)
        r = train(X, y, widths=widths, optimizer=proto.optimizer, lr=proto.lr, steps=proto.steps,
                  batch_size=proto.batch_size, schedule=proto.schedule, restarts=proto.restarts, seed=seed)
        assert m.per_dataset[0] == r.best_accuracy == r.protocol_accuracy, seed   # none of these diverges
    assert m.dist == dist
    assert m.widths == tuple(widths) and m.protocol == proto and m.restarts == proto.restarts
    assert m.to_dict()["protocol"]["optimizer"] == proto.optimizer


def test_deep_init_is_pytorch_default_layer_by_layer():
    X, y = random_dataset(30, 4, seed=2)
    r = train(X, y, widths=[7, 5, 3], steps=1, lr=1e-12, restarts=1)
    net = r.final_network
    assert isinstance(net, DeepNet)
    for (W, b), fan in zip(net.layers, [4, 7, 5]):
        bound = 1 / np.sqrt(fan)
        assert np.all(np.abs(W) <= bound * (1 + 1e-6)) and np.all(np.abs(b) <= bound * (1 + 1e-6))
        assert np.abs(W).max() > 0.3 * bound      # drawn on the whole interval, not a narrower one
    assert np.all(np.abs(net.w_out) <= 1 / np.sqrt(3) * (1 + 1e-6)) and abs(net.b_out) < 1e-9


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize("widths", [[8], [6, 5]])
def test_a_batch_of_n_or_more_points_trains_as_full_batch(optimizer, widths):
    """Minibatches hold min(b, N) points: a batch of N or more is full-batch training, bit for bit (the estimate
    reads such a protocol as full batch too, test_estimate)."""
    X, y = random_dataset(50, 3, seed=3)
    kw = dict(widths=widths, optimizer=optimizer, lr=0.05, steps=120, restarts=2, seed=1)
    full = train(X, y, **kw)
    for b in (50, 51, 1000):
        r = train(X, y, batch_size=b, **kw)
        assert np.array_equal(r.loss_history, full.loss_history) and np.array_equal(r.accuracy_history,
                                                                                     full.accuracy_history)
        for (W, c), (W0, c0) in zip(r.final_network.layers, full.final_network.layers):
            assert np.array_equal(W, W0) and np.array_equal(c, c0)
    # and a batch below N is not (one point fewer per step)
    assert not np.array_equal(train(X, y, batch_size=49, **kw).loss_history, full.loss_history)


def test_minibatch_protocol_reads_accuracy_on_all_points():
    X, y = random_dataset(50, 2, seed=3)
    r = train(X, y, 8, batch_size=16, steps=61, restarts=1)
    assert r.history_steps.tolist() == [0, 20, 40, 60]
    for k, _ in enumerate(r.history_steps):
        assert r.accuracy_history[0, k] * 50 == pytest.approx(round(r.accuracy_history[0, k] * 50))


def test_train_result_repr_is_one_line():
    X, y = random_dataset(20, 2, seed=1)
    text = repr(train(X, y, 4, steps=30))
    assert "\n" not in text and text.startswith("TrainResult(L=4, best_accuracy=")
    assert "widths=[3, 2]" in repr(train(X, y, widths=[3, 2], steps=30))
    # the steps trained, not only the number of history entries (every 20th step and the last: 3 of 41)
    assert "restarts=1, steps=41, recorded_steps=3)" in repr(train(X, y, 4, steps=41))


def test_real_accuracy_protocol_arguments():
    with pytest.raises(TypeError, match="Protocol"):
        real_accuracy(2, 20, 2, protocol={"lr": 0.1})
    with pytest.raises(ValueError, match="exactly one"):
        real_accuracy(2, 20, 2, widths=[2, 2])
    with pytest.raises(TypeError, match="give L"):
        real_accuracy(2, 20)
    # restarts= sets the reference protocol's when no protocol is given
    assert real_accuracy(2, 20, 2, restarts=3, datasets=1).protocol == dataclasses.replace(Protocol(), restarts=3)


def test_restarts_beside_a_protocol_is_refused_in_trains_words_by_every_call_that_takes_both():
    from nnpartition.validation import validate

    # real_accuracy used the 3 of restarts=3 beside a protocol of 1 (and validate its restarts=), where train refused
    # the pair: every call refuses it now, in train's words, before any training
    p = Protocol(steps=20, restarts=1)
    X, y = random_dataset(20, 2, seed=1)
    with pytest.raises(ValueError) as peer:
        train(X, y, 2, protocol=p, restarts=3)
    assert "protocol= or restarts=, not both" in str(peer.value)
    with pytest.raises(ValueError) as acc:
        real_accuracy(2, 20, 2, protocol=p, restarts=3, datasets=1)
    with pytest.raises(ValueError) as val:
        validate(configs=[dict(dist="uniform", d=2, N=20, L=2)], protocol=p, restarts=3, progress=False)
    assert str(acc.value) == str(val.value) == str(peer.value)

# --- parameter snapshots and the training callback (used by pictures.movie and explore) -------

def test_snapshots_leave_the_run_unchanged_and_hold_each_steps_parameters():
    X, y = random_dataset(60, 2, seed=4)
    plain = train(X, y, 8, steps=230, restarts=2, seed=1)
    res = train(X, y, 8, steps=230, restarts=2, seed=1, snapshot_every=50)
    assert res.best_accuracy == plain.best_accuracy
    assert np.array_equal(res.network.W1, plain.network.W1)
    assert res.snapshot_steps.tolist() == [0, 50, 100, 150, 200, 229]
    nets = res.snapshots()
    assert len(nets) == 6 and res.snapshot_layers[0][0].shape == (6, 2, 8)
    # Each snapshot's recorded accuracy is the accuracy of its own parameters (numpy forward pass) ...
    assert [n.accuracy(X, y) for n in nets] == res.snapshot_accuracy.tolist()
    # ... and at the steps the history also records, the history agrees.
    hist = dict(zip(res.history_steps.tolist(), res.accuracy_history[res.best_restart].tolist()))
    for s, a in zip(res.snapshot_steps.tolist(), res.snapshot_accuracy.tolist()):
        if s in hist:
            assert hist[s] == a
    assert not np.array_equal(nets[0].W1, nets[-1].W1)
    # The snapshot at step s holds the parameters after s updates: under a constant step (the schedule then does not
    # depend on the run's length) they are, bit for bit, the final network of a run of s steps. (An atol of 0.1
    # against the final network passed with the step-200 parameters in the last snapshot: they are 0.011 away.)
    const = train(X, y, 8, steps=230, restarts=1, seed=1, snapshot_every=50, schedule="constant")
    assert const.snapshot_steps.tolist() == [0, 50, 100, 150, 200, 229]
    for s, net in zip(const.snapshot_steps[1:].tolist(), const.snapshots()[1:]):
        short = train(X, y, 8, steps=s, restarts=1, seed=1, schedule="constant").final_network
        for a, b in ((net.W1, short.W1), (net.b1, short.b1), (net.w2, short.w2), (net.b2, short.b2)):
            assert np.array_equal(a, b), s


def test_deep_snapshots():
    X, y = random_dataset(40, 3, seed=2)
    res = train(X, y, widths=[5, 4], steps=60, snapshot_every=30)
    assert res.snapshot_steps.tolist() == [0, 30, 59]
    assert [W.shape for W, _ in res.snapshot_layers] == [(3, 3, 5), (3, 5, 4)]
    assert isinstance(res.snapshots()[1], DeepNet)
    assert train(X, y, 4, steps=10).snapshots() == []


def test_callback_sees_every_snapshot_and_can_stop_training():
    X, y = random_dataset(50, 2, seed=3)
    seen = []
    res = train(X, y, 6, steps=100, snapshot_every=25, callback=lambda s, n, a, l: seen.append((s, n, a, l)))
    assert [s for s, *_ in seen] == res.snapshot_steps.tolist() == [0, 25, 50, 75, 99]
    for (_, n, a, l), m, acc in zip(seen, res.snapshots(), res.snapshot_accuracy):
        assert np.array_equal(n.W1, m.W1) and a == acc == n.accuracy(X, y) and l > 0

    class Stop(Exception):
        pass

    calls = []

    def stop_at_40(step, net, acc, loss):
        calls.append(step)
        if step >= 40:
            raise Stop(step)

    with pytest.raises(Stop):
        train(X, y, 6, steps=1000, callback=stop_at_40)
    assert calls == [0, 20, 40]   # default snapshot_every with a callback: 20


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(callback=print, restarts=2), ValueError, "restarts=1"),
    (dict(callback=3), TypeError, "callable"),
    (dict(snapshot_every=0), ValueError, "snapshot_every"),
    (dict(snapshot_every=1.5), TypeError, "snapshot_every"),
    (dict(snapshot_every=1, steps=10**6), ValueError, "raise snapshot_every"),
])
def test_bad_snapshot_arguments(kwargs, exc, match):
    X, y = random_dataset(10, 2, seed=0)
    with pytest.raises(exc, match=match):
        train(X, y, 64, **{"steps": 10, **kwargs})


_SNAPSHOTS_30000 = """
import nnpartition as npn
X, y = npn.random_dataset(40, 2, seed=0)
for kw in ({}, {"callback": lambda *a: None}):
    try:
        npn.train(X, y, 1000, steps=30000, snapshot_every=1, **kw)
    except ValueError as e:
        print("ValueError:", e)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sets RLIMIT_AS")
def test_snapshots_are_counted_against_the_memory_limit():
    # An audit's call: 30,000 snapshots of 4,001 parameters, within the 2^27 values train() allowed, but about 1.4 GB
    # as they are recorded (f32) and returned (f64). The run's memory check did not count them: under
    # `ulimit -v 1500000` it aborted. Now refused before training, naming snapshot_every and max_bytes.
    from test_limits import run_capped

    r = run_capped(_SNAPSHOTS_30000, 1_500_000 * 1024)
    assert r.returncode == 0, r.stderr[-500:]
    lines = [line for line in r.stdout.splitlines() if line.startswith("ValueError")]
    assert len(lines) == 2 and all("snapshot_every=1" in m and "(max_bytes)" in m for m in lines), r.stdout
    # In process: 4 bytes a parameter and snapshot of every restart and 8 of the best's, with the networks' arrays:
    # 100 snapshots of 33 parameters x 2 restarts need about 210 KB, 11 of them about 28 KB (with the runs).
    from nnpartition import limits

    X, y = random_dataset(20, 2, seed=0)
    with limits.override(max_bytes=40_000):
        assert train(X, y, 8, steps=100, restarts=2).snapshot_steps.size == 0
        with pytest.raises(ValueError, match=r"snapshot_every=1: keeping 100 snapshots.*\(max_bytes\)"):
            train(X, y, 8, steps=100, restarts=2, snapshot_every=1)
        assert train(X, y, 8, steps=100, restarts=2, snapshot_every=10).snapshot_steps.size == 11


def test_snapshot_passes_over_the_data_are_counted_against_the_work_limit():
    # docs/limits.md's row: with minibatches each snapshot's step reads all N points, a forward pass, and batches of one
    # row with snapshot_every=1 read them every step, 20 times as often as the records alone; until session 55 the
    # work counted the records' reads only (7.5e11 steps of 1.5e13). Refused before training, naming snapshot_every
    # and max_work, with the snapshots' steps; without snapshots the work is within the limit.
    X, y = random_dataset(10**6, 1, seed=0)
    with pytest.raises(
        ValueError, match=r"a snapshot every 1 \(snapshot_every\) would take about 1\.500e13 steps.*\(max_work\)"
    ):
        train(X, y, 333, steps=15000, batch_size=1, snapshot_every=1)
    from nnpartition import limits

    with limits.override(max_work=1), pytest.raises(ValueError, match=r"\(max_work\)") as refused:
        train(X, y, 333, steps=15000, batch_size=1)
    assert "15000 steps on 1-row batches would take about 7.512e11 steps" in str(refused.value), refused.value


def test_restarts_training_at_once_are_counted_against_the_memory_limit():
    # train() checked the memory of one run, but trains its restarts on every thread at once. At a limit that holds
    # about two runs, four restarts on one thread train, and on four threads are refused before training.
    import re

    from nnpartition import limits

    # 2000 rows x 64 units: the activations dominate a run's memory (d = 4: the GEMM kernel's batch buffers; the
    # fused kernel of d <= 3 holds one row's); 50 kB holds the inputs' float32 copy and masks, 40 kB, but not one run
    X, y = random_dataset(2000, 4, seed=0)
    with limits.override(max_bytes=50_000), pytest.raises(ValueError, match=r"\(max_bytes\)") as refused:
        train(X, y, 64, steps=5, restarts=1, threads=1)
    # (in KiB since a run holds one buffer of activations less, the sixty-fifth pass; in MiB before)
    amount, unit = re.search(r"needs about ([0-9.]+) (KiB|MiB)", str(refused.value)).groups()
    one = float(amount) * 2 ** {"KiB": 10, "MiB": 20}[unit]
    with limits.override(max_bytes=int(2.2 * one)):
        assert train(X, y, 64, steps=5, restarts=4, threads=1).best_accuracy > 0.5
        with pytest.raises(ValueError, match=r"training 4 restarts .* 4 at a time \(restarts, threads\)"):
            train(X, y, 64, steps=5, restarts=4, threads=4)


def test_the_limits_bind_all_restarts_of_train_not_one():
    """train() checked the work of one run and counted 8 bytes a parameter for each restart's result: an audit
    found 100 restarts of a run the work limit allowed accepted, and 2^20 restarts with 10 GB of histories
    uncounted training for 1,000 s. Now the steps of every restart count, and each result's history (a step, a
    loss and an accuracy every 20th step, held in the run and in the arrays returned)."""
    import re

    from nnpartition import limits

    X, y = random_dataset(50, 2, seed=0)
    with limits.override(max_work=1), pytest.raises(ValueError, match=r"\(max_work\)") as refused:
        train(X, y, 2, steps=400)
    one = float(re.search(r"about ([0-9.e+]+) steps", str(refused.value)).group(1))
    with limits.override(max_work=int(2.5 * one)):
        assert train(X, y, 2, steps=400, restarts=2).best_accuracy > 0.5
        for kw in ({}, {"snapshot_every": 100}):
            with pytest.raises(ValueError, match=r"training 3 restarts of a network .*\(max_work\)"):
                train(X, y, 2, steps=400, restarts=3, **kw)
    # 300 restarts of 20,000 steps hold 1,002 reads each, about 19 MB of histories (64 bytes a read: the run's vectors
    # with room to grow, and the arrays returned): over an 8 MB limit that the runs themselves (a few kB each) and
    # their networks are far under
    with limits.override(max_bytes=8 * 2**20), pytest.raises(ValueError, match=r"300 restarts.*\(max_bytes\)"):
        train(X, y, 2, steps=20_000, restarts=300)


def test_real_accuracy_limits_and_numpy_seeds():
    with pytest.raises(ValueError, match="datasets must be >= 1 and <= 65536"):
        real_accuracy(2, 20, 2, datasets=2**20)
    a = real_accuracy(2, 30, 2, datasets=1, protocol=Protocol(steps=40, restarts=1), seed=np.random.SeedSequence(5))
    b = real_accuracy(2, 30, 2, datasets=1, protocol=Protocol(steps=40, restarts=1), seed=np.random.SeedSequence(5))
    assert a.seed == b.seed and np.array_equal(a.per_dataset, b.per_dataset)
    c = real_accuracy(2, 30, 2, datasets=1, protocol=Protocol(steps=40, restarts=1), seed=a.seed)
    assert np.array_equal(c.per_dataset, a.per_dataset)   # the recorded seed repeats the run


def test_real_accuracy_checks_its_callback_before_training():
    with pytest.raises(TypeError, match="callback must be callable"):
        real_accuracy(2, 50, 4, callback=3)


def test_the_work_limit_binds_a_run_with_a_callback_as_one_without():
    # with a callback the datasets are trained one call at a time; the limit is still checked for all of them
    from nnpartition.limits import override

    seen = []
    with override(max_work=10**9):
        real_accuracy(4, 300, 16, datasets=1, restarts=1)            # one dataset fits ...
        with pytest.raises(ValueError, match="max_work"):
            real_accuracy(4, 300, 16, datasets=400, restarts=1)      # ... 400 do not,
        with pytest.raises(ValueError, match="max_work"):
            real_accuracy(4, 300, 16, datasets=400, restarts=1, callback=lambda k, a: seen.append(k))
    assert seen == []                                                # ... with or without a callback


def test_train_records_the_seed_it_used_and_it_repeats_the_run():
    X, y = random_dataset(40, 3, seed=0)

    def run(seed):
        return train(X, y, 4, steps=60, restarts=2, seed=seed)

    fresh = run(None)
    assert type(fresh.seed) is int and 0 <= fresh.seed < 2**64
    again = run(fresh.seed)
    assert again.seed == fresh.seed                       # an int seed is recorded as it is
    for a, b in ((fresh.loss_history, again.loss_history), (fresh.accuracy_history, again.accuracy_history),
                 (fresh.network.W1, again.network.W1)):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(run(1).loss_history, run(2).loss_history)


def test_a_default_given_as_float32_is_not_warned_of():
    """train() warns of a setting the run does not use only when it differs from the default as the float32 trainer
    reads it (a review: momentum=np.float32(0.9), the default in float32, was warned of as 0.8999999761581421)."""
    X, y = random_dataset(40, 2, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train(X, y, 4, steps=20, momentum=np.float32(0.9), slope=np.float32(0.01))
        train(X, y, 4, steps=20, optimizer="sgd", lr=0.1, betas=np.float32([0.9, 0.999]), eps=np.float32(1e-8))
    with pytest.warns(UserWarning, match="momentum=0.5 only applies"):
        train(X, y, 4, steps=20, momentum=np.float32(0.5))


@pytest.mark.parametrize("batch_size", [None, 16])
def test_train_and_real_accuracy_price_the_same_training_alike(batch_size):
    """train() and real_accuracy() counted one run's steps by two formulas (a review: about 5% apart for a full batch,
    so that near max_work train accepted what real_accuracy refused); one formula now. The same run, priced by both,
    read from their refusals at max_work=1: the same number of steps."""
    import re

    from nnpartition import limits

    X, y = random_dataset(200, 3, seed=0)
    p = Protocol(steps=500, batch_size=batch_size, restarts=1)
    steps = []
    with limits.override(max_work=1):
        for call in (lambda: train(X, y, 8, protocol=p), lambda: real_accuracy(3, 200, 8, protocol=p, datasets=1)):
            with pytest.raises(ValueError, match=r"\(max_work\)") as refused:
                call()
            steps.append(float(re.search(r"would take about ([0-9.e+]+) steps", str(refused.value)).group(1)))
    assert steps[0] == pytest.approx(steps[1], rel=1e-3)


@pytest.mark.parametrize("steps, every, restarts", [(45, 10, 1), (41, 10, 1), (40, 10, 1), (42, 10, 1), (1, 5, 1),
                                                   (10, 1, 1), (11, 5, 2), (9, 5, 3)])
def test_the_snapshot_limit_counts_the_values_a_run_keeps(monkeypatch, steps, every, restarts):
    """``MAX_SNAPSHOT_VALUES`` bounds the values the snapshots hold: a limit of exactly what a run returns (counted
    here from its arrays, times the restarts, each of which keeps its snapshots while it trains) lets it run, one
    less refuses it before training, naming the count of snapshots the run returns. (The limit was tested only far
    past it: a miscounted snapshot or parameter count went unseen. Then at steps=45 and every 10 alone, where
    ``(steps - 1) // every + 2`` is right: where ``steps - 1`` is a multiple of ``every`` the last step is one of
    the multiples, and it counted one snapshot more than the run keeps, refusing a run that fit. Session 64,
    py_mutants; the parameters at 41 and 1 fail on the old code.)"""
    from nnpartition.training import checks

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 2)), np.arange(6) % 2
    run = dict(widths=[3, 2], steps=steps, snapshot_every=every, restarts=restarts)
    r = train(X, y, **run)
    count = len(r.snapshot_steps)
    assert r.snapshot_steps.tolist() == sorted({*range(0, steps, every), steps - 1})   # the multiples and the last
    per_run = sum(a.size for W, b in r.snapshot_layers for a in (W, b)) + r.snapshot_w_out.size + r.snapshot_b_out.size
    assert per_run == count * (2 * 3 + 3 + 3 * 2 + 2 + 2 + 1)
    held = per_run * restarts
    monkeypatch.setattr(checks, "MAX_SNAPSHOT_VALUES", held)
    train(X, y, **run)
    monkeypatch.setattr(checks, "MAX_SNAPSHOT_VALUES", held - 1)
    with pytest.raises(ValueError, match=rf"keeps {count} snapshots of 20 parameters x {restarts} restarts, over the "
                                         rf"limit of {held - 1} values"):
        train(X, y, **run)


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(L=2**20 + 1), ValueError, "^L must be >= 1 and <= 1048576, got 1048577"),
    (dict(widths=[2, 2**20 + 1]), ValueError, r"^widths\[1\] must be >= 1 and <= 1048576, got 1048577"),
    (dict(L=2, snapshot_every=2**40 + 1), ValueError, f"^snapshot_every must be >= 1 and <= {2**40}, got"),
    (dict(L=2, callback=5), TypeError, "^callback must be callable, got int"),
    (dict(L=2, callback=lambda s: None, restarts=2), ValueError, r"^callback needs restarts=1 \(it watches one run\)"),
])
def test_train_refusals_mutation_testing_found_unexercised(kwargs, exc, match):
    rng = np.random.default_rng(0)
    with pytest.raises(exc, match=match):
        train(rng.normal(size=(6, 2)), np.arange(6) % 2, steps=1, **kwargs)


@pytest.fixture
def core_progress(monkeypatch):
    """The counts the core hands ``train``'s bar (``_core.train_network(progress=)``), kept in order; ``raise_at``
    set to a count makes the callback raise there."""
    from nnpartition import _core
    from nnpartition.training import trainer

    seen = []
    state = {"raise_at": None}
    real = _core.train_network

    def spy(*args):
        *head, given = args   # train passes every argument by position, the bar's callback last

        def keep(n):
            seen.append(n)
            if state["raise_at"] is not None and len(seen) >= state["raise_at"]:
                raise LookupError("stop at the bar")
            given(n)

        return real(*head, None if given is None else keep)

    monkeypatch.setattr(trainer._core, "train_network", spy)
    return seen, state


@pytest.mark.parametrize("restarts, kw", [(1, {}), (3, {}), (2, {"snapshot_every": 7}), (2, {"batch_size": 8}),
                                          (1, {"callback": lambda *a: None, "snapshot_every": 30})])
@pytest.mark.parametrize("threads", [1, 2])
def test_progress_counts_the_steps_of_every_restart(core_progress, restarts, kw, threads):
    """The core counts the steps done, summed over the restarts: from 0 up, never down, ending at exactly
    steps * restarts; and the runs are those trained without a bar, bit for bit."""
    seen, _ = core_progress
    X, y = random_dataset(60, 3, seed=2)
    steps = 101   # its reads: every 20th step and the last (100): a read interval of one step at the end
    args = dict(widths=[6, 5], steps=steps, restarts=restarts, seed=4, threads=threads, **kw)
    res = train(X, y, progress=True, **args)
    assert seen and seen == sorted(seen) and seen[-1] == steps * restarts, seen[-5:]
    assert seen[0] >= 0 and all(n <= steps * restarts for n in seen)
    seen.clear()
    plain = train(X, y, progress=False, **args)
    assert seen == []   # no bar: no callback, no counting
    for a, b in [(res.network.layers, plain.network.layers), (res.final_network.layers, plain.final_network.layers)]:
        assert all(np.array_equal(u, v) for p, q in zip(a, b) for u, v in zip(p, q))
    assert np.array_equal(res.loss_history, plain.loss_history, equal_nan=True)
    assert np.array_equal(res.restart_accuracies, plain.restart_accuracies)


def test_progress_that_raises_stops_the_training(core_progress):
    # The bar's callback raising (a closed stream, say) ends the call with its exception, as a signal would.
    seen, state = core_progress
    X, y = random_dataset(300, 10, seed=2)
    state["raise_at"] = 1
    start = time.monotonic()
    with pytest.raises(LookupError, match="stop at the bar"):
        train(X, y, 64, steps=10**6, restarts=2, progress=True)
    assert len(seen) == 1 and seen[0] < 2 * 10**6 and time.monotonic() - start < 30


def test_progress_takes_the_package_values():
    X, y = random_dataset(20, 2, seed=2)
    with pytest.raises(TypeError, match="progress must be None, True or False"):
        train(X, y, 3, steps=5, progress=lambda n: None)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_train_draws_its_bar_on_a_terminal_by_default_and_callers_in_loops_draw_only_theirs(monkeypatch):
    # progress=None (the default, the package's policy): a bar on a terminal once training outlasts the delay. The
    # package's functions that train in their loops (here capacity_curve(trained=True)) pass False: one bar, theirs.
    from nnpartition import _progress
    from nnpartition.sparse import capacity_curve

    monkeypatch.setattr(_progress, "DELAY", 0.0)
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    X, y = random_dataset(40, 3, seed=0)
    train(X, y, 4, steps=200, restarts=2)
    assert "training d=3 N=40" in term.getvalue() and "/400" in term.getvalue()
    term.seek(0)
    term.truncate()
    capacity_curve(3, [6, 12], 6, sparsify="relu", trials=2, method="lstsq", seed=0, trained=True, progress=True)
    assert term.getvalue() and "training d=" not in term.getvalue()


def test_train_and_real_accuracy_given_a_list_as_L_say_to_pass_widths_and_that_call_works():
    """A teacher's walkthrough: a list of widths passed as ``L`` was refused as "L must be an integer, got list
    [4, 4]", naming no way to give them. The refusal now suggests ``widths=[4, 4]``; the truth is that the call it
    suggests trains that network (its layers' widths are the list's)."""
    X, y = random_dataset(30, 2, seed=0)
    for L in ([4, 4], (3, 5, 2), np.array([6, 2])):
        with pytest.raises(TypeError, match="^L must be an integer") as exc:
            train(X, y, L, steps=5, restarts=1)
        m = re.search(r"; for several hidden layers pass widths=(\[[0-9, ]+\])$", str(exc.value))
        assert m is not None, str(exc.value)
        ws = json.loads(m[1])
        assert ws == [int(w) for w in L]
        net = train(X, y, widths=ws, steps=5, restarts=1).network
        assert [b.shape[0] for _, b in net.layers] == ws
        with pytest.raises(TypeError, match=re.escape(f"pass widths={ws}")):
            real_accuracy(2, 30, L, datasets=1)
    with pytest.raises(TypeError) as exc:   # a float is not a list: nothing to suggest
        train(X, y, 4.5, steps=5)
    assert "widths" not in str(exc.value)


def test_measurements_compare_and_hash_by_value_as_frozen_results_do():
    """A notebook's walkthrough: ``AccuracyMeasurement`` was compared by identity (``eq=False`` for its array), so a
    measurement was not equal to its own pickle round trip, nor to the same run repeated with the same seed, although
    its ``seconds`` field was declared ``compare=False`` for that comparison. The truths: the same seed trains the same
    networks (equal), another seed other ones (unequal), the wall time is no part of it, and a one-dataset
    measurement (its ``std`` NaN) equals its own copy."""
    import pickle

    p = Protocol(steps=40, restarts=1)
    for datasets in (2, 1):
        a = real_accuracy(3, 30, 4, protocol=p, datasets=datasets, seed=5)
        b = real_accuracy(3, 30, 4, protocol=p, datasets=datasets, seed=5)
        assert a == b and hash(a) == hash(b) and len({a, b}) == 1
        c = pickle.loads(pickle.dumps(a))
        assert c == a and hash(c) == hash(a)
        assert dataclasses.replace(a, seconds=a.seconds + 1.0) == a
        assert real_accuracy(3, 30, 4, protocol=p, datasets=datasets, seed=6) != a
        assert dataclasses.replace(a, diverged=1) != a
    assert math.isnan(a.std)


def test_train_json_gives_widths_beside_l_for_one_hidden_layer(capsys):
    """``train --json`` (and ``AccuracyMeasurement.to_dict()``) gives ``widths`` for every network, as ``estimate``,
    ``size -L``, ``plot-partition`` and ``movie`` do: ``[L]`` beside ``L`` for one hidden layer (it wrote ``L``
    alone), the widths given (and no ``L``) for a deeper one. The truth is the command line's own size options."""
    from nnpartition.cli import main

    base = ["train", "-d", "2", "-N", "20", "--datasets", "1", "--steps", "20", "--no-progress", "--json"]
    for size, want in ((["-L", "5"], {"L": 5, "widths": [5]}), (["--widths", "4", "3"], {"widths": [4, 3]})):
        assert main([*base, *size]) == 0
        out = json.loads(capsys.readouterr().out)
        assert {k: out[k] for k in ("L", "widths") if k in out} == want, out
    m = real_accuracy(3, 30, 4, datasets=1, protocol=Protocol(steps=20, restarts=1))
    assert m.to_dict()["widths"] == list(m.widths) == [4] and m.to_dict()["L"] == 4


def _recorded_bars(monkeypatch):
    """The bars :func:`real_accuracy` makes from here on (:func:`conftest.recorded_bars`)."""
    from nnpartition.training import accuracy

    return recorded_bars(monkeypatch, accuracy)


#: Runs that cannot read 100% (200 random labels, 2 hidden units, 60 steps), so none stops early: each run's
#: steps are all made, and the bar's count is datasets x restarts x steps exactly.
_NO_EARLY_STOP = dict(d=2, N=200, L=2, protocol=Protocol(steps=60, restarts=2), datasets=3, seed=1)


def test_real_accuracy_bar_counts_every_step_of_every_run(monkeypatch):
    """session 62: real_accuracy(10, 3000, 256, datasets=2) was silent for 10 s in a notebook. Its bar counts the
    steps of all the runs, from the core's counter: total and final count are datasets x restarts x steps."""
    bars = _recorded_bars(monkeypatch)
    m = real_accuracy(**_NO_EARLY_STOP, progress=True)
    assert m.per_dataset.max() < 1.0   # no run read 100%: none stopped early
    (bar, seen, _), = bars
    assert bar.total == 3 * 2 * 60 and seen[-1] == 3 * 2 * 60 == bar.n, (bar.total, seen)
    assert seen == sorted(seen) and bar.disable, seen   # it only grows, and it is closed
    assert "training d=2 N=200 widths=[2] x 3 datasets x 2 restarts" in bar.desc
    # runs that stop at 100% count the steps they skip: the bar ends full
    bars.clear()
    m = real_accuracy(5, 20, 16, protocol=Protocol(steps=400, restarts=2), datasets=2, progress=True)
    assert m.mean == 1.0 and bars[0][0].n == bars[0][0].total == 2 * 2 * 400


def test_real_accuracy_bar_advances_dataset_by_dataset_with_a_callback(monkeypatch):
    """With ``callback`` the datasets train one call at a time; the bar goes on from the steps of those before (each
    call's counter starts at 0): at dataset k's callback it holds (k + 1) x restarts x steps."""
    bars = _recorded_bars(monkeypatch)
    at = []
    real_accuracy(**_NO_EARLY_STOP, progress=True, callback=lambda k, a: at.append((k, bars[0][0].n)))
    assert at == [(k, (k + 1) * 2 * 60) for k in range(3)], at
    assert bars[0][1] == sorted(bars[0][1]) and bars[0][0].n == 360


def test_real_accuracy_progress_false_draws_nothing_and_none_draws_where_visible(monkeypatch):
    """``progress=False``: no bar, and the core is given no progress function (the bar sees no update), even where a
    bar would be seen; ``None`` draws there once the work outlasts ``DELAY``; a bad value is a TypeError."""
    import contextlib

    from nnpartition import _progress

    monkeypatch.setattr(_progress, "_visible", lambda stream: True)
    monkeypatch.setattr(_progress, "DELAY", 0.0)
    for progress, drawn in ((False, False), (None, True)):
        with contextlib.redirect_stderr(io.StringIO()) as err:
            real_accuracy(**_NO_EARLY_STOP, progress=progress)
        assert ("training d=2 N=200" in err.getvalue()) == drawn, (progress, err.getvalue())
    bars = _recorded_bars(monkeypatch)
    real_accuracy(**_NO_EARLY_STOP, progress=False)
    assert bars[0][0].disable and bars[0][1] == [], bars[0][1]
    with pytest.raises(TypeError, match="progress must be None, True or False"):
        real_accuracy(**_NO_EARLY_STOP, progress="yes")  # type: ignore[arg-type]


def test_real_accuracy_measures_the_same_with_and_without_a_bar(monkeypatch):
    """The bar only reads the core's counter: the measurement is the same with it, without it, and dataset by
    dataset under a callback (a minibatch protocol as well, whose runs draw their batches)."""
    _recorded_bars(monkeypatch)
    sgd = Protocol(optimizer="sgd", lr=0.1, steps=80, batch_size=16, restarts=2)
    for kwargs in (_NO_EARLY_STOP, dict(_NO_EARLY_STOP, protocol=sgd)):
        plain = real_accuracy(**kwargs, progress=False)
        for extra in ({}, {"callback": lambda k, a: None}):
            shown = real_accuracy(**kwargs, progress=True, **extra)
            assert shown.per_dataset.tolist() == plain.per_dataset.tolist() and shown.diverged == plain.diverged


def _exact(value, where="result"):
    """Every number in ``value`` (a dataclass, tuple, list, array or scalar) as its bits, by where it sits, to compare
    two results bit for bit (floats through their ``uint64`` view: a sum reduced in another order differs there)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: v for f in dataclasses.fields(value) if f.name != "seconds"
                for k, v in _exact(getattr(value, f.name), f"{where}.{f.name}").items()}
    if isinstance(value, (tuple, list)):
        return {k: v for i, item in enumerate(value) for k, v in _exact(item, f"{where}[{i}]").items()}
    a = np.asarray(value)
    if a.dtype == np.float64:
        a = a.view(np.uint64)
    return {where: (a.dtype.str, a.shape, a.tobytes())}


@pytest.mark.parametrize("size", [dict(L=12), dict(widths=[7, 5])])
def test_train_is_the_same_bit_for_bit_at_1_2_3_and_7_threads(size):
    """The restarts run in parallel (one a task): at 7 restarts each of 1, 2, 3 (an odd count) and 7 threads runs
    several, and the best network, every restart's accuracy and divergence, the histories and the snapshots must be
    those of 1 thread, bit for bit; full batch and minibatches (whose draws are the restart's own stream)."""
    X, y = random_dataset(120, 3, seed=21)
    for kw in (dict(steps=400), dict(steps=400, optimizer="sgd", lr=0.05, batch_size=16)):
        runs = {t: _exact(train(X, y, **size, **kw, restarts=7, seed=8, snapshot_every=20, threads=t))
                for t in (1, 2, 3, 7)}
        for t in (2, 3, 7):
            assert runs[t] == runs[1], (size, kw, t, [k for k in runs[1] if runs[t].get(k) != runs[1][k]])
        assert len(set(np.frombuffer(runs[1]["result.restart_accuracies"][2]))) > 1   # the restarts differ


def test_real_accuracy_is_the_same_bit_for_bit_at_1_2_3_and_7_threads():
    """The datasets and their restarts train in parallel: 7 datasets of 2 restarts at 1, 2, 3 and 7 threads give the
    same per-dataset accuracies, mean and std (float bits) and divergence count."""
    p = Protocol(steps=400, restarts=2)
    runs = {t: _exact(real_accuracy(3, 60, 6, datasets=7, protocol=p, seed=5, threads=t, progress=False))
            for t in (1, 2, 3, 7)}
    for t in (2, 3, 7):
        assert runs[t] == runs[1], (t, [k for k in runs[1] if runs[t].get(k) != runs[1][k]])
    assert len(set(np.frombuffer(runs[1]["result.per_dataset"][2]))) > 1   # the datasets differ


def test_bench_train_init_spread_reads_the_spread_of_the_restarts(capsys):
    """``bench_train.py --init-spread`` (docs/training.md's +-0.02 between initialisations): where every
    initialisation fits all points (``N <= d + 1`` points in general position and a ReLU layer wider than the data,
    trained to 1.0) the spread it prints is exactly 0; where they differ (an underparametrised network on noise) it
    is the sample standard deviation of the restarts' accuracies, each a multiple of ``1/N``."""
    init_spread = benchmark_script("bench_train").init_spread
    init_spread(d=6, N=5, L=8, datasets=1, restarts=3)
    out = capsys.readouterr().out
    assert "best accuracy mean 1.0000, std 0.0000" in out, out
    init_spread(d=2, N=60, L=2, datasets=1, restarts=6)
    line = capsys.readouterr().out.splitlines()[0]
    lo, hi = (float(line.split(k)[1].split(",")[0].rstrip(")")) for k in ("min ", "max "))
    std = float(line.split("std ")[1].split(" ")[0])
    assert lo < hi and 0 < std <= (hi - lo) / 2 * (6 / 5) ** 0.5 + 5e-5, line   # Popoviciu, with ddof=1
    assert all(round(v * 60) == pytest.approx(v * 60, abs=0.004) for v in (lo, hi)), line   # 4 decimals printed


def test_real_accuracy_callback_is_given_each_datasets_accuracy():
    """``callback(k, accuracy)`` gets dataset k's accuracy: the per-dataset accuracies of the same measurement made in
    one call without a callback (session 63, py_mutants: the callback given the divergence flag, 0.0, survived)."""
    whole = real_accuracy(**_NO_EARLY_STOP)
    seen = []
    real_accuracy(**_NO_EARLY_STOP, callback=lambda k, a: seen.append((k, a)))
    assert seen == [(k, float(a)) for k, a in enumerate(whole.per_dataset)], (seen, whole.per_dataset)
    assert all(type(a) is float and 0.5 <= a < 1.0 for _, a in seen), seen   # no run stops early; above chance


def test_real_accuracy_bar_names_the_restarts_only_when_there_are_several(monkeypatch):
    """The bar's label says "x R restarts" for R > 1 only: one restart a dataset is the plain measurement (session 63,
    py_mutants: a label "x 1 restarts" survived)."""
    bars = _recorded_bars(monkeypatch)
    for restarts in (1, 2):
        real_accuracy(**dict(_NO_EARLY_STOP, protocol=Protocol(steps=60, restarts=restarts)), progress=True)
    assert [bar.desc for bar, *_ in bars] == ["training d=2 N=200 widths=[2] x 3 datasets",
                                              "training d=2 N=200 widths=[2] x 3 datasets x 2 restarts"], bars


def test_real_accuracy_std_of_two_datasets_and_its_seconds():
    """Two datasets have a spread: the sample standard deviation of their accuracies (Python's statistics, n - 1),
    one dataset none (NaN); ``seconds`` is the call's wall time, within the time measured around it (session 63,
    py_mutants: a spread from three datasets on, and a time of ``perf_counter() + start``, survived)."""
    import statistics

    p = Protocol(steps=60, restarts=1)
    before = time.perf_counter()
    m = real_accuracy(2, 40, 2, datasets=2, protocol=p, seed=1)
    wall = time.perf_counter() - before
    a, b = m.per_dataset.tolist()
    assert a != b and m.std == pytest.approx(statistics.stdev([a, b]), rel=1e-12)
    assert 0 < m.seconds <= wall, (m.seconds, wall)
    assert math.isnan(real_accuracy(2, 40, 2, datasets=1, protocol=p, seed=3).std)


def test_real_accuracy_refuses_d_and_N_past_their_limits_and_measures_its_documented_defaults():
    """``d`` above 2^20 and ``N`` above 2^32 are ValueErrors naming the argument and the limit (before the activation
    check, whose message names neither limit); without ``datasets`` and ``seed`` the call measures 3 datasets at seed
    0, as docs/training.md's signature says (session 63, py_mutants: other limits and defaults survived)."""
    with pytest.raises(ValueError, match=r"d must be >= 1 and <= 1048576, got 1048577"):
        real_accuracy(2**20 + 1, 2**12, 2)
    with pytest.raises(ValueError, match=r"N must be >= 1 and <= 4294967296, got 4294967297"):
        real_accuracy(1, 2**32 + 1, 2)
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "training.md").read_text()
    assert "datasets=3, restarts=None, seed=0" in doc
    p = Protocol(steps=60, restarts=1)
    m = real_accuracy(2, 40, 2, protocol=p)
    assert len(m.per_dataset) == 3 and m.seed == 0
    assert m.per_dataset.tolist() == real_accuracy(2, 40, 2, protocol=p, datasets=3, seed=0).per_dataset.tolist()


def test_real_accuracy_refuses_a_full_batch_past_the_trainers_activation_limit_in_the_callers_terms():
    """10^6 points x 2000 units = 2 x 10^9 activations, above the trainer's fixed 2^30: a ValueError before any data
    is drawn, naming ``L=`` when the call gave ``L`` and the widest layer when it gave ``widths`` (session 63,
    py_mutants: the check dropped, or the two forms swapped, survived)."""
    assert 10**6 * 2000 > 2**30
    with pytest.raises(ValueError, match=r"N=1000000 points x L=2000 hidden units = 2000000000 activations"):
        real_accuracy(10, 10**6, 2000)
    with pytest.raises(ValueError, match=r"N=1000000 points x the widest hidden layer's 2000 units"):
        real_accuracy(10, 10**6, widths=[2000, 3])


def test_bench_train_init_spread_refuses_the_options_it_would_ignore(monkeypatch, capsys):
    """``bench_train.py --init-spread --datasets 5`` (or ``--restarts``, ``--dist``, ``--configs``, ...) measured the
    fixed configuration docs/training.md quotes and ignored the option without a word (a user's reading, session 63):
    now an error naming it. The baselines' options (``--no-torch``) stay harmless, and the figure's line names the
    protocol each initialisation ran under."""
    mod = benchmark_script("bench_train")
    ran = []
    monkeypatch.setattr(mod, "init_spread", lambda: ran.append(True))
    for extra in (["--datasets", "5"], ["--restarts", "4"], ["--dist", "gaussian"], ["--configs", "2,30,4"]):
        monkeypatch.setattr(sys, "argv", ["bench_train.py", "--init-spread", *extra])
        with pytest.raises(SystemExit) as exc:
            mod.main()
        assert exc.value.code == 2 and extra[0] in capsys.readouterr().err and not ran, extra
    monkeypatch.setattr(sys, "argv", ["bench_train.py", "--init-spread", "--no-torch"])
    assert mod.main() == 0 and ran == [True]
    monkeypatch.undo()
    mod.init_spread(d=6, N=5, L=8, datasets=1, restarts=2)
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.endswith(f"(the reference protocol: {Protocol().describe().removesuffix(', best of 2')})"), last
