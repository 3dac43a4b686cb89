"""Estimate versus real training: the grids, measure_config, the report and the validate/demo/size commands."""

import csv
import functools
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

import nnpartition as npn
from nnpartition.cli import main
from nnpartition.validation import (
    ValidationReport,
    calibration_grid,
    grid_configs,
    heldout_grid,
    measure_config,
    protocol_cost,
    protocol_grid,
    protocol_sample,
    protocols,
    reference_sample,
    sample_protocols,
    validate,
)

from conftest import benchmark_script


_ROOT = Path(__file__).resolve().parents[1]
_DATA = _ROOT / "docs" / "data"
_PROTOCOL_GRID = _ROOT / "benchmarks" / "protocol_grid.py"
needs_checkout = pytest.mark.skipif(not (_DATA.is_dir() and _PROTOCOL_GRID.exists()),
                                    reason="needs the source checkout (docs/data, benchmarks)")


def _rows(name):
    with open(_DATA / name, newline="") as f:
        return list(csv.DictReader(f))


def test_grids_are_disjoint():
    cal = {(c["dist"], c["d"], c["N"], c["L"]) for c in calibration_grid()}
    held = {(c["dist"], c["d"], c["N"], c["L"]) for c in heldout_grid()}
    assert len(cal) == 648 and len(held) == 90 and not cal & held


@needs_checkout
def test_grids_are_the_ones_measured():
    """The grids are fixed: the committed measurements (another process, an earlier version) were taken on them.
    docs/data/heldout.csv holds the held-out grid's rows in its order; docs/data/calibration.csv 647 distinct
    configurations of the calibration grid (one of the 648 has no row: docs/theory.md's "647-point grid")."""
    held = [(r["dist"], int(r["d"]), int(r["N"]), int(r["L"])) for r in _rows("heldout.csv")]
    assert held == [(c["dist"], c["d"], c["N"], c["L"]) for c in heldout_grid()]
    cal = [(r["dist"], int(r["d"]), int(r["N"]), int(r["L"])) for r in _rows("calibration.csv")]
    assert len(cal) == len(set(cal)) == 647
    assert set(cal) <= {(c["dist"], c["d"], c["N"], c["L"]) for c in calibration_grid()}


@functools.lru_cache(maxsize=None)
def _samples():
    """``SAMPLES`` of benchmarks/protocol_grid.py: the arguments each measured draw ``--sample K`` was built with."""
    return benchmark_script("protocol_grid").SAMPLES


def _file_key(r):
    return (int(r["pid"]), r["optimizer"], float(r["lr"]), int(r["steps"]), int(r["batch_size"]), r["schedule"],
            int(r["restarts"]), r["heldout"] == "True", r["deep_heldout"] == "True", r["dist"], int(r["d"]),
            int(r["N"]), tuple(int(w) for w in r["widths"].split("-")))


def _config_key(c):
    return (c["pid"], c["optimizer"], c["lr"], c["steps"], c["batch_size"] or 0, c["schedule"], c["restarts"],
            c["heldout"], c["deep_heldout"], c["dist"], c["d"], c["N"], tuple(c["widths"]))


@needs_checkout
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
def test_continuous_draws_are_the_ones_measured(k):
    """Each committed draw docs/data/protocol_sampleK.csv (draw 1 without the K; draw 5 the reference draw) holds
    exactly the configurations protocol_sample (reference_sample for draw 5) gives today for the arguments
    benchmarks/protocol_grid.py measured it with (in measurement order, so compared as sorted lists). A
    ``calibration_only`` draw was exported with no protocol held out."""
    spec = dict(_samples()[k])
    calibration_only = spec.pop("calibration_only", False)
    g = reference_sample() if spec.pop("reference", False) else protocol_sample(**spec)
    if calibration_only:
        g = [dict(c, heldout=False, deep_heldout=False) for c in g]
    rows = _rows(f"protocol_sample{k if k > 1 else ''}.csv")
    assert sorted(map(_file_key, rows)) == sorted(map(_config_key, g))


@needs_checkout
@pytest.mark.parametrize("k", [35, 36, 37, 38])
def test_the_deep_high_d_draw_is_the_one_measured(k):
    """docs/data/deep_high_d_sampleK.csv (draws 35-38, deep networks at d 51-200) holds only configurations of
    the draw benchmarks/protocol_grid.py fixed for it (SAMPLES[K]), each once, every one deep at d 51-200: a partial
    measurement is a uniform sample of the draw (its order is shuffled), never rows of another draw."""
    spec = dict(_samples()[k])
    assert spec.pop("calibration_only") and spec["deep_d"] == (51, 200) and spec["two_layer"] == 0
    g = [dict(c, heldout=False, deep_heldout=False) for c in protocol_sample(**spec)]
    rows = _rows(f"deep_high_d_sample{k}.csv")
    keys = list(map(_file_key, rows))
    assert len(rows) >= 100 and len(set(keys)) == len(keys) and set(keys) <= set(map(_config_key, g))
    assert len(rows) == len(g)   # measured whole: 602, 593, 601 and 567 rows, none failed
    assert all(51 <= int(r["d"]) <= 200 and "-" in r["widths"] for r in rows)


@needs_checkout
@pytest.mark.parametrize("draw, earlier", [(36, (35,)), (37, (35, 36)), (38, (35, 36, 37))])
def test_a_later_high_d_draw_is_draw_35s_design_on_fresh_protocols_and_networks(draw, earlier):
    """Draw 36, the test set of a band term fitted on draw 35, draw 37, the held-out test of rule 39 (the
    correction grown on draws 35 and 36), and draw 38, rule 40's test, are draw 35's design exactly (their SAMPLES
    entry differs from SAMPLES[35] only in the draw): the same counts, d range and cost cap, but none of the earlier
    draws' sampled protocols and none of their configurations, so nothing fitted on an earlier draw has seen a row of
    the later one."""
    later = _samples()[draw]
    assert later == dict(_samples()[35], draw=draw)
    g = protocol_sample(**{a: v for a, v in later.items() if a != "calibration_only"})
    assert sum(c["pid"] == -1 for c in g) == 48
    assert all(51 <= c["d"] <= 200 and len(c["widths"]) in (2, 3, 4) for c in g)
    for k in earlier:
        e = protocol_sample(**{a: v for a, v in _samples()[k].items() if a != "calibration_only"})
        assert not {c["pid"] for c in e if c["pid"] >= 0} & {c["pid"] for c in g if c["pid"] >= 0}
        assert not set(map(_config_key, e)) & set(map(_config_key, g))
        assert sum(c["pid"] == -1 for c in e) == 48


def test_deep_d_draws_only_deep_networks_in_its_range_and_leaves_the_default_draws_alone():
    """``deep_d`` (draw 35: deep networks at d 51-200) moves only the deep networks' ``d``: with two_layer=0 every
    row is deep and inside the range (both ends reached), the protocols and the cost cap as before; the default is
    the range every measured draw used (the committed CSVs: test_continuous_draws_are_the_ones_measured), so naming
    it changes nothing; a bad range is refused by name before anything is drawn."""
    g = protocol_sample(96, 0, 6, draw=35, reference_deep=48, deep_d=(51, 200))
    assert len(g) > 500 and all(len(c["widths"]) in (2, 3, 4) for c in g)
    assert all(51 <= c["d"] <= 200 and protocol_cost(c) <= 8e9 for c in g)
    ds = [c["d"] for c in g]
    assert min(ds) < 60 and max(ds) > 150   # log-uniform over the range, not a corner of it
    assert sum(c["pid"] == -1 for c in g) == 48
    assert {c["pid"] for c in g if c["pid"] >= 0} <= {p["pid"] for p in sample_protocols(96, 35)}
    narrow = protocol_sample(12, 0, 4, draw=35, deep_d=(7, 7))
    assert {c["d"] for c in narrow} == {7}
    assert protocol_sample(40, 3, 4, draw=2) != protocol_sample(40, 3, 4, draw=2, deep_d=(1, 49))


@pytest.mark.parametrize("deep_d, error, word", [
    ((0, 50), ValueError, r"deep_d\[0\] must be >= 1 and <= 200"), ((60, 50), ValueError, r"deep_d\[1\] must be >= 60"),
    ((51, 201), ValueError, r"deep_d\[1\] must be >= 51 and <= 200"), ((1, 2, 3), ValueError, r"deep_d must be a pair"),
    (50, TypeError, r"deep_d must be a list"), ((1.5, 50), TypeError, r"deep_d\[0\] must be an integer"),
    ("ab", TypeError, r"deep_d must be a list"),
])
def test_deep_d_refuses_a_bad_range_by_name(deep_d, error, word):
    with pytest.raises(error, match=rf"^{word}"):
        protocol_sample(2, 0, 1, deep_d=deep_d)


def test_protocol_grid_holds_out_whole_protocols():
    ps = protocols()
    held = {p["pid"] for p in ps if p["heldout"]}
    assert len(held) == 10
    g = protocol_grid()
    for c in g:
        if len(c["widths"]) == 1:   # a two-layer row is held out exactly when its protocol is
            assert (c["part"] == "heldout") == (c["pid"] in held)
        npn.Protocol(**{k: c[k] for k in ("optimizer", "lr", "steps", "batch_size", "schedule", "restarts")})
    lrs = {(c["optimizer"], c["lr"]) for c in g}
    assert min(lr for o, lr in lrs if o == "adam") == 0.002 and max(lr for o, lr in lrs if o == "sgd") == 0.5
    assert {len(c["widths"]) for c in g} == {1, 2, 3, 4}


@pytest.mark.parametrize("draw, kw", [(1, {}), (2, dict(two_layer=6, deep=10, reference_deep=64)),
                                      (3, dict(max_cost=1.6e10)), (4, dict(two_layer=8, deep=8))])
def test_continuous_draws_hold_out_whole_protocols_within_the_range(draw, kw):
    ps = sample_protocols(draw=draw)
    assert len(ps) == 144 and sum(p["heldout"] for p in ps) == 36
    assert {p["pid"] for p in ps} == set(range(100 * draw, 100 * draw + 144))
    held = {p["pid"] for p in ps if p["heldout"]}
    g = protocol_sample(draw=draw, **kw)
    cap = kw.get("max_cost", 8e9)
    r = npn.estimate.validated_range()
    for c in g:
        if c["pid"] >= 0:   # every configuration of a held-out protocol is held out, and only those
            assert (c["part"] == "heldout") == (c["pid"] in held)
        else:               # deep networks under the reference protocol (draw 2): every fourth held out
            assert len(c["widths"]) > 1 and c["part"] == ("heldout" if c["deep_heldout"] else "calibration")
        assert protocol_cost(c) <= cap
        assert r["d"][0] <= c["d"] <= r["d"][1] and 50 <= c["N"] <= r["N"][1] and len(c["widths"]) <= 4
        assert all(r["L"][0] <= w <= r["L"][1] for w in c["widths"])
        p = npn.Protocol(**{k: c[k] for k in ("optimizer", "lr", "steps", "batch_size", "schedule", "restarts")})
        lo, hi = r[f"{p.optimizer} lr"]
        assert lo <= p.lr <= hi and r["steps"][0] <= p.steps <= r["steps"][1]
    keys = [(c["pid"], c["dist"], c["d"], c["N"], tuple(c["widths"])) for c in g]
    assert len(set(keys)) == len(keys)   # (that the draw is fixed: test_continuous_draws_are_the_ones_measured)


def test_reference_draw_is_off_the_reference_grid_and_holds_out_every_fourth():
    g = reference_sample()
    r = npn.estimate.validated_range()
    assert {tuple(npn.validation.protocol_of(c).__dict__.items()) for c in g} == \
        {tuple(npn.Protocol.reference().__dict__.items())}
    two = [c for c in g if len(c["widths"]) == 1]
    deep = [c for c in g if len(c["widths"]) > 1]
    assert len(two) == 960 and len(deep) == 320 and {len(c["widths"]) for c in deep} == {2, 3, 4}
    for c in g:
        assert (c["part"] == "heldout") == (c["heldout"] or c["deep_heldout"])
        assert not (c["heldout"] and c["deep_heldout"]) and protocol_cost(c) <= 8e9
        assert r["d"][0] <= c["d"] <= r["d"][1] and 50 <= c["N"] <= r["N"][1]
        assert all(r["L"][0] <= w <= r["L"][1] for w in c["widths"])
    held = sum(c["part"] == "heldout" for c in g)
    assert held == len(g) // 4
    # off the factorial grid: most two-layer configurations share no (d, N, L) with it
    grid = {(c["d"], c["N"], c["L"]) for c in calibration_grid() + heldout_grid()}
    assert sum((c["d"], c["N"], c["widths"][0]) in grid for c in two) < 10
    keys = [(c["dist"], c["d"], c["N"], tuple(c["widths"])) for c in g]
    assert len(set(keys)) == len(keys)   # (fixed: test_continuous_draws_are_the_ones_measured, draw 5)


@pytest.mark.parametrize("call, word", [
    (lambda: sample_protocols(n=0), "n"), (lambda: sample_protocols(draw=0), "draw"),
    (lambda: sample_protocols(n=10**9), "n"), (lambda: protocol_sample(two_layer=-1), "two_layer"),
    (lambda: protocol_sample(deep=10**9), "deep"), (lambda: protocol_sample(max_cost=float("nan")), "max_cost"),
    (lambda: reference_sample(two_layer=-1), "two_layer"), (lambda: reference_sample(max_cost=-1.0), "max_cost"),
])
def test_continuous_draws_refuse_bad_arguments(call, word):
    # the argument named first (a bare "n" matched any message with "and" in it: "draw must be >= 1 and ...")
    with pytest.raises(ValueError, match=rf"^{word} must be"):
        call()


def test_measure_config_uses_one_protocol_for_both_sides():
    cfg = dict(dist="gaussian", d=3, N=80, widths=[6, 4], optimizer="sgd", lr=0.1, steps=300, batch_size=32,
               schedule="cosine", restarts=1)
    r = measure_config(cfg, datasets=2, seed=3)
    real = npn.real_accuracy(3, 80, widths=[6, 4], dist="gaussian", datasets=2, seed=3,
                             protocol=npn.Protocol(optimizer="sgd", lr=0.1, steps=300, batch_size=32, restarts=1))
    assert r["real"] == real.mean and r["diverged"] == real.diverged == 0
    est = npn.estimate_accuracy(3, 80, widths=[6, 4], dist="gaussian",
                                protocol=npn.Protocol(optimizer="sgd", lr=0.1, steps=300, batch_size=32, restarts=1))
    assert r["estimate"] == est.accuracy and r["widths"] == [6, 4]


@pytest.mark.parametrize("config, word", [
    (dict(dist="uniform", d=2.9, N=50, L=2), r"config\['d'\]"),
    (dict(dist="uniform", d=True, N=50, L=2), r"config\['d'\]"),
    (dict(dist="uniform", d=2, N=0, L=2), r"config\['N'\]"),
    (dict(dist="uniform", d=2, N=50, L=0), r"config\['L'\]"),
    (dict(dist="cauchy", d=2, N=50, L=2), r"config\['dist'\]"),
    (dict(dist="uniform", d=2, N=50, L=2, lr=-1), "lr"),
    ("d=2", "config"),
])
def test_measure_config_checks_its_arguments(config, word):
    # the field named first (a bare "d" matched any message with "and" in it)
    with pytest.raises((ValueError, TypeError), match=rf"^{word} must be"):
        measure_config(config, datasets=1)


def test_validate_and_the_demo_check_every_configuration_before_the_first_trains(monkeypatch, capsys):
    # each configuration was checked by its own training: a grid whose 15th configuration passed max_work trained
    # the 14 before it (hours under --steps 16e6) before it was refused, and a bad field of the last one likewise
    from nnpartition import limits, training
    from nnpartition._cli import estimate as est_cli
    from nnpartition._cli import train as _   # noqa: F401 (it binds real_accuracy on import: not to the patch below,
    # which, were main() to import it first here, it kept: test_docs' train commands then failed run after this file)

    small = dict(dist="uniform", d=3, N=40, L=4, steps=250, restarts=1)   # about 3e6 steps of work
    big = dict(small, N=2000, L=64)                                        # about 5e8
    monkeypatch.setattr(training, "real_accuracy", lambda *a, **k: pytest.fail("trained before the check"))
    with limits.override(max_work=10**8):
        with pytest.raises(ValueError, match="max_work"):
            validate(configs=[small, big], datasets=1, progress=False)
        with pytest.raises(ValueError, match=r"config\['L'\]"):
            validate(configs=[small, dict(small, L=0)], datasets=1, progress=False)
        monkeypatch.setattr(est_cli, "DEMO_CONFIGS", [dict(small, part="heldout"), dict(big, part="heldout")])
        assert main(["demo", "--steps", "250", "--restarts", "1"]) == 2
        assert "max_work" in capsys.readouterr().err


def test_validate_and_the_demo_check_all_their_configurations_together_against_max_work(monkeypatch, capsys):
    # each configuration was checked alone: under a limit that each passes, their sum did not count (an audit: at
    # demo --steps 5e6 each passed, their sum was about twice max_work). train_work is what protocol_check enforces
    # (the limit at which it flips), and the sum of the configurations' is refused before the first trains.
    from nnpartition import _core, limits, training
    from nnpartition._cli import estimate as est_cli

    a = dict(dist="uniform", d=3, N=400, L=16, steps=250, restarts=1)
    b = dict(a, N=600, L=12)
    proto = npn.Protocol(steps=250, restarts=1)
    wa, wb = (_core.train_work(c["d"], c["N"], [c["L"]], 1, proto) for c in (a, b))
    with limits.override(max_work=int(wa)):
        _core.protocol_check(3, 400, [16], 1, proto)
    with limits.override(max_work=int(wa) - 1), pytest.raises(ValueError, match="max_work"):
        _core.protocol_check(3, 400, [16], 1, proto)
    assert _core.train_work(3, 400, [16], 3, npn.Protocol(steps=250, restarts=2)) == pytest.approx(6 * wa)
    monkeypatch.setattr(training, "real_accuracy", lambda *a, **k: pytest.fail("trained before the check"))
    with limits.override(max_work=int(max(wa, wb) * 1.2)):   # each alone passes, both together do not
        with pytest.raises(ValueError, match=r"validating 2 configurations.*max_work"):
            validate(configs=[a, b], datasets=1, progress=False)
        ran = []   # with a runner (a sweep, which may resume a store half done), each configuration alone
        validate(configs=[a, b], datasets=1, progress=False, runner=lambda todo, job: ran.extend(todo) or [])
        assert len(ran) == 2
        monkeypatch.setattr(est_cli, "DEMO_CONFIGS", [dict(a, part="heldout"), dict(b, part="heldout")])
        monkeypatch.setattr(est_cli, "DEMO_DATASETS", 1)
        assert main(["demo", "--steps", "250", "--restarts", "1"]) == 2
        assert "the demo's 2 configurations" in capsys.readouterr().err


def test_the_demo_checks_each_configurations_memory_before_the_first_trains(monkeypatch, capsys):
    # the sum of the work is checked (above) and, with it, each network's memory (train_work checks the parameters
    # as protocol_check does); the memory of a configuration's datasets, drawn and held together, only protocol_check
    # counts: a second configuration whose 3 datasets pass max_bytes trains nothing, not even the first
    from nnpartition import _core, limits, training
    from nnpartition._cli import estimate as est_cli

    small = dict(dist="uniform", d=3, N=40, L=4, part="heldout")
    big = dict(small, d=50, N=2000, L=2)   # 3 datasets of 2000 points in d=50: about 1.2 MB as f32, more drawn
    proto = npn.Protocol(steps=250, restarts=1)
    monkeypatch.setattr(training, "real_accuracy", lambda *a, **k: pytest.fail("trained before the check"))
    monkeypatch.setattr(est_cli, "DEMO_CONFIGS", [small, big])
    with limits.override(max_bytes=10**6):
        for c in (small, big):   # each network's own training fits
            _core.train_work(c["d"], c["N"], [c["L"]], 3, proto)
        _core.protocol_check(3, 40, [4], 3, proto)
        assert main(["demo", "--steps", "250", "--restarts", "1"]) == 2
    out, err = capsys.readouterr()
    assert "3 datasets of N=2000 points in d=50" in err and "max_bytes" in err and out == "", (out, err)


def test_heldout_grid_checks_its_arguments():
    with pytest.raises((ValueError, TypeError), match="limit"):
        heldout_grid(limit=2.5)
    with pytest.raises((ValueError, TypeError), match="max_cost"):
        heldout_grid(max_cost="big")
    with pytest.raises(ValueError, match="grid"):
        grid_configs("huge")


def test_validate_and_the_report():
    configs = [dict(dist="uniform", d=20, N=60, L=8, part="heldout"),
               dict(dist="gaussian", d=2, N=200, L=2, part="heldout", optimizer="sgd", lr=0.1, steps=500)]
    rep = validate(configs=configs, datasets=2, progress=False)
    assert [r["part"] for r in rep.rows] == ["heldout", "heldout"]
    s = rep.summary()
    errors = [r["estimate"] - r["real"] for r in rep.rows]
    assert s["all"]["mae"] == pytest.approx(np.mean(np.abs(errors)))
    assert s["all"]["max_error"] == pytest.approx(np.max(np.abs(errors)))
    assert s["all"]["bias"] == pytest.approx(np.mean(errors))
    # the band's coverage from each row's own numbers (the report's in_band was only ever compared with itself):
    # at seed 0 the first row's real accuracy lies inside its band and the second's above it (0.6175 > 0.613)
    inside = [r["low"] <= r["real"] <= r["high"] for r in rep.rows]
    assert inside == [True, False]
    assert [r["in_band"] for r in rep.rows] == inside and [r["error"] for r in rep.rows] == errors
    assert s["all"]["coverage"] == 0.5
    assert "non-trivial" in rep.summary_text()


def test_validate_json_cli(capsys):
    """Each row of the command's JSON against the same configuration trained (real_accuracy) and estimated
    (estimate_accuracy) through the Python API under the protocol and seed the options name, and the summary
    against the rows' errors. (The test checked the row count alone, which a seed, a protocol option or the
    --restarts left out, or an estimate under the reference protocol, all passed.) 250 steps keep it short."""
    argv = ["validate", "--grid", "small", "--json", "--no-progress", "--datasets", "2", "--restarts", "1",
            "--steps", "250", "--lr", "0.05", "--seed", "7"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    rows = data["rows"]
    assert [(r["dist"], r["d"], r["N"], r["L"]) for r in rows] == [(c["dist"], c["d"], c["N"], c["L"])
                                                                   for c in npn.validation.grid_configs("small")]
    proto = npn.Protocol(steps=250, lr=0.05, restarts=1)
    for r in rows:
        m = npn.real_accuracy(r["d"], r["N"], r["L"], dist=r["dist"], protocol=proto, datasets=2, seed=7)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            e = npn.estimate_accuracy(r["d"], r["N"], r["L"], dist=r["dist"], protocol=proto)
        assert (r["real"], r["real_std"], r["seed"], r["datasets"]) == (m.mean, m.std, 7, 2), r
        assert (r["estimate"], r["low"], r["high"], r["ceiling"]) == (e.accuracy, e.low, e.high, e.ceiling), r
        assert (r["steps"], r["lr"], r["restarts"]) == (250, 0.05, 1)
    err = np.array([r["estimate"] - r["real"] for r in rows])
    inside = np.mean([r["low"] <= r["real"] <= r["high"] for r in rows])
    assert data["summary"]["all"] == pytest.approx(dict(n=16, mae=np.abs(err).mean(), max_error=np.abs(err).max(),
                                                        bias=err.mean(), coverage=inside), rel=1e-12)


def test_size_cli(capsys):
    def first_run_end(hit):
        """The last N (from 1) of the first run of N at which ``hit`` holds (the scan must reach past its end)."""
        start = int(np.argmax(hit))
        assert hit[start] and not hit[start:].all()
        return start + int(np.argmax(~hit[start:]))   # N = index + 1; the run ends one before the first miss

    # The width answers are the first widths at which the estimate and its band's edges reach the target: a scan
    assert main(["size", "-d", "10", "-N", "5000", "--target", "0.99", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    e = npn.estimate_accuracy(10, 5000, np.arange(1, 513))    # answers near 200-260: within the validated L
    for key, edge in (("L", e.accuracy), ("L_safe", e.low), ("L_optimistic", e.high)):
        assert data[key] == int(np.argmax(edge >= 0.99)) + 1, key
    # the sample answers: where the first run of N at which they reach it ends (a scan of N = 1 .. 4000)
    assert main(["size", "-d", "10", "-L", "64", "--target", "0.99"]) == 0
    assert "largest N" in capsys.readouterr().out
    assert main(["size", "-d", "10", "-L", "64", "--target", "0.99", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    with warnings.catch_warnings():   # N below the validated range
        warnings.simplefilter("ignore")
        e = npn.estimate_accuracy(10, np.arange(1, 4001), 64)
    for key, edge in (("N", e.accuracy), ("N_safe", e.low), ("N_optimistic", e.high)):
        assert data[key] == first_run_end(edge >= 0.99), key
    # a deeper network under the protocol the flags name (scalar estimates: widths= takes no arrays)
    argv = ["size", "-d", "10", "--widths", "16", "16", "--target", "0.9", "--optimizer", "sgd", "--lr", "0.1"]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(argv + ["--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    sgd = npn.Protocol(optimizer="sgd", lr=0.1)
    assert data["protocol"] == sgd.to_dict() and data["widths"] == [16, 16]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acc = np.array([npn.estimate_accuracy(10, n, widths=[16, 16], protocol=sgd).accuracy for n in range(1, 4001)])
    assert data["N"] == first_run_end(acc >= 0.9)
    # 50 points at 0.99: the estimate reaches it, but the band (one point wide at least) never certifies it; the
    # reason printed is that, not the training budget (which limits d = 1-2: there the estimate itself falls short).
    # The edge is out of reach up to N = 1 / (1 - 0.99) = 100 points (below 1 - 1/N) and within it from 101 on
    assert npn.required_width(5, 50, 0.99).L_safe is None and npn.required_width(5, 100, 0.99).L_safe is None
    assert npn.required_width(5, 101, 0.99).L_safe is not None
    assert main(["size", "-d", "5", "-N", "50", "--target", "0.99"]) == 0
    out = capsys.readouterr().out
    assert "one of the 50 points" in out and "budget" not in out
    assert npn.required_width(1, 5000, 0.99, max_width=4096).L is None
    assert main(["size", "-d", "1", "-N", "5000", "--target", "0.99"]) == 0
    assert "training budget" in capsys.readouterr().out


def test_estimate_cli_protocol_flags_and_conflicts(capsys):
    assert main(["estimate", "-d", "10", "-N", "1000", "-L", "32", "--optimizer", "sgd", "--lr", "0.1",
                 "--batch-size", "64", "--restarts", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    proto = npn.Protocol(optimizer="sgd", lr=0.1, batch_size=64, restarts=3)
    assert data["accuracy"] == npn.estimate_accuracy(10, 1000, 32, protocol=proto).accuracy
    assert data["details"]["protocol"]["optimizer"] == "sgd"
    with pytest.raises(SystemExit) as exc:
        main(["estimate", "-d", "2", "-N", "100", "-L", "3", "--widths", "3", "3"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["estimate", "-d", "2", "-N", "100", "-L", "3", "--optimizer", "lbfgs"])
    assert exc.value.code == 2
    assert main(["estimate", "-d", "2", "-N", "100", "-L", "3", "--lr", "-1"]) == 2


def test_demo_json(capsys, monkeypatch):
    from nnpartition._cli import estimate as est_cli
    monkeypatch.setattr(est_cli, "DEMO_CONFIGS", est_cli.DEMO_CONFIGS[2:3])
    assert main(["demo", "--json", "--steps", "300"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["protocol"]["steps"] == 300 and len(data["rows"]) == 1
    assert data["summary"]["n"] == 1


def test_report_summary_by_group():
    rows = [dict(dist="uniform", d=2, N=100, L=4, part="heldout", real=0.7, estimate=0.72, low=0.6, high=0.8,
                 ceiling=1.0, error=0.02, in_band=True),
            dict(dist="uniform", d=2, N=100, L=4, part="heldout", real=1.0, estimate=1.0, low=0.99, high=1.0,
                 ceiling=1.0, error=0.0, in_band=True)]
    s = ValidationReport(rows).summary()
    assert s["all"]["n"] == 2 and s["non-trivial"]["n"] == 1 and s["non-trivial"]["mae"] == pytest.approx(0.02)
    # diverged runs are reported under the table; rows stored before the count (no key) and rows without any are not
    assert "diverged" not in ValidationReport(rows).summary_text()
    text = ValidationReport([dict(rows[0], diverged=3), rows[1], dict(rows[1], diverged=0)]).summary_text()
    assert "3 training runs diverged, in 1 of 3 rows" in text


def test_report_csv_has_every_rows_columns(tmp_path):
    # A store resumed from before rows recorded "seed" mixes rows with and without it: the CSV has every column
    # (it took the first row's and refused the others' after all the work was done).
    import csv

    old = dict(dist="uniform", d=2, N=100, L=4, real=0.7, estimate=0.72)
    new = dict(old, real=0.8, seed=5)
    path = tmp_path / "r.csv"
    ValidationReport([old, new]).to_csv(str(path))
    with path.open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [*old, "seed"]
    assert rows[0]["seed"] == "" and rows[1]["seed"] == "5" and rows[1]["real"] == "0.8"


def test_validate_trains_and_estimates_under_a_given_protocol(capsys):
    # protocol=: both sides of every row use it (the same numbers as training and estimating it directly)
    sgd = npn.Protocol(optimizer="sgd", lr=0.1, steps=300, batch_size=32, restarts=1)
    rep = validate(configs=[dict(dist="uniform", d=3, N=80, L=6, part="heldout")], datasets=2, seed=5,
                   protocol=sgd, progress=False)
    (row,) = rep.rows
    assert npn.validation.protocol_of(row) == sgd
    assert row["real"] == npn.real_accuracy(3, 80, 6, protocol=sgd, datasets=2, seed=5).mean
    assert row["estimate"] == npn.estimate_accuracy(3, 80, 6, protocol=sgd).accuracy
    with pytest.raises(ValueError, match="own protocol"):
        validate("protocols", protocol=sgd)
    with pytest.raises(TypeError, match="Protocol"):
        validate(configs=[], protocol=dict(lr=0.1))
    # the command line: --lr etc. reach validate(); with the protocol grid they are refused before any work
    assert main(["validate", "--protocol-grid", "--lr", "0.1"]) == 2
    assert "own protocol" in capsys.readouterr().err
    assert main(["validate", "--grid", "small", "--json", "--no-progress", "--datasets", "1", "--restarts", "1",
                 "--optimizer", "sgd", "--lr", "0.2", "--steps", "250"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {(r["optimizer"], r["lr"], r["steps"], r["restarts"]) for r in data["rows"]} == {("sgd", 0.2, 250, 1)}


def test_the_table_keeps_its_columns_under_their_heads():
    # a protocol's description (up to 60 characters) overran the 40 its column had: "real" and "estimate" stood
    # over the wrong numbers
    base = dict(dist="uniform", d=3, N=80, L=6, real=0.8125, estimate=0.75, low=0.7, high=0.8, ceiling=1.0,
                error=-0.0625)
    rows = [base, dict(base, widths=[512, 512, 512, 512], optimizer="sgd", lr=0.123456, steps=32000,
                       batch_size=1024, schedule="constant", restarts=4, real=0.5625)]
    head, rule, *lines = ValidationReport(rows).table().splitlines()
    assert len(rule) == len(head)
    for name, values in (("real", ("0.8125", "0.5625")), ("estimate", ("0.7500", "0.7500")),
                         ("error", ("-0.0625", "-0.0625"))):
        end = head.index(name) + len(name)   # right-aligned under its head
        for line, value in zip(lines, values):
            assert line[end - len(value):end] == value, (name, line)


def test_a_row_with_widths_and_no_L_is_shown_and_summarised_by_its_widths():
    """A row may hold ``widths`` without ``L`` (the column check takes either), but the table and the summary read
    ``r["L"]`` regardless: ``table()`` raised ``KeyError: 'L'``, a held-out row broke ``summary()`` (and the repr),
    and the notebook's table fell back to text (fails on the old code). Truth: the same row with ``L`` its first
    width, which ``measure_config`` writes, shows and summarises the same."""
    base = dict(dist="uniform", d=3, N=80, widths=[70, 8], real=0.8125, estimate=0.75, low=0.7, high=0.8,
                ceiling=1.0, error=-0.0625, in_band=False, part="heldout")
    bare, full = ValidationReport([base]), ValidationReport([dict(base, L=70)])
    assert bare.table() == full.table() and "70-8" in bare.table()
    assert bare.summary() == full.summary() and "heldout: large L (L>=64)" in bare.summary()
    assert repr(bare) == repr(full)
    assert bare._repr_html_() is not None and bare._repr_html_() == full._repr_html_()


def test_validate_says_which_rows_are_extrapolations(capsys):
    # validate ignored every range warning: rows under steps=5 were summarised as held-out rows with no sign that
    # their estimates are extrapolations. Now: one warning for the protocol, a column per row, a summary line.
    configs = [dict(dist="uniform", d=3, N=80, L=6, part="heldout"), dict(dist="uniform", d=3, N=20000, L=6)]
    short = npn.Protocol(steps=5, restarts=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rep = validate(configs=configs[:1], datasets=1, protocol=short, progress=False)
    assert [str(w.message)[:20] for w in caught] == ["steps=5 is outside t"]
    assert caught[0].category is npn.ExtrapolationWarning
    assert caught[0].filename == __file__   # the caller's line, not the wrapper's (_settings_go_in_protocol)
    assert rep.rows[0]["outside_range"] == "steps"
    assert "1 of 1 rows lie outside the validated range (in steps)" in rep.summary_text()
    # an in-range protocol: no warning, an empty column, no line; a row whose N is outside says N
    sgd = npn.Protocol(optimizer="sgd", lr=0.1, steps=300, batch_size=32, restarts=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rep = validate(configs=configs, datasets=1, protocol=sgd, progress=False)
    assert [r["outside_range"] for r in rep.rows] == ["", "N"]
    assert "1 of 2 rows lie outside the validated range (in N)" in rep.summary_text()
    rep = ValidationReport([dict(r, outside_range="") for r in rep.rows])
    assert "outside the validated range" not in rep.summary_text()
    # the command line: the warning once on stderr, the line under the summary
    assert main(["validate", "--grid", "small", "--no-progress", "--datasets", "1", "--restarts", "1",
                 "--steps", "5"]) == 0
    out = capsys.readouterr()
    assert out.err.count("warning: --steps 5 is outside") == 1   # the option, as given
    assert "16 of 16 rows lie outside the validated range (in steps)" in out.out


def test_size_cli_names_the_search_limit_and_writes_strict_json(capsys):
    # an answer at max_n is the search's limit, not a measured N: the text says so (and the range warning names it)
    assert main(["size", "-d", "10", "-L", "64", "--target", "0.5", "--max-n", "100000"]) == 0
    out = capsys.readouterr()
    assert "at least 100000 (the search's limit)" in out.out and "N=100000" in out.err
    assert main(["size", "-d", "10", "-L", "64", "--target", "0.99", "--json"]) == 0
    data = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert data["N"] == npn.max_samples(10, 64, 0.99).N


# each search limit of size bounds one question's search: --max-n the N that -L/--widths searches, --max-width the
# width that -N searches; with the other question each was ignored (--max-n: the command exited 0)
_LIMIT_WITH_THE_OTHER_QUESTION = [
    (option, value, question, words)
    for option, values, questions, words in (
        ("--max-n", ("10", "1000000000"), (["-N", "5000"], ["-N", "50"]), "-L/--widths"),
        ("--max-width", ("10", "1048576"), (["-L", "64"], ["--widths", "16", "16"]), "applies only with -N"))
    for value in values for question in questions]


@pytest.mark.parametrize("option, value, question, words", _LIMIT_WITH_THE_OTHER_QUESTION)
def test_size_refuses_a_search_limit_with_the_question_it_does_not_bound(capsys, option, value, question, words):
    assert main(["size", "-d", "10", *question, "--target", "0.99", option, value]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and option in lines[0] and words in lines[0], out.err


@pytest.mark.parametrize("option, value, question, words", [
    ("--max-n", value, ["-L", "64"], "--max-n must be between 1 and 1000000000") for value in ("0", "1000000001")] + [
    ("--max-width", value, ["-N", "1000"], "--max-width must be between 1 and 1048576 (2^20)")
    for value in ("0", "1048577")])
def test_size_names_the_option_when_a_search_limit_is_out_of_range(capsys, option, value, question, words):
    # the refusal named max_n, the Python argument, not the command's option; --max-width's range is the library's
    # default limit down to one unit, worded as --max-n's
    assert main(["size", "-d", "10", *question, "--target", "0.99", option, value]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err and value in err, err


def test_measure_config_records_the_seed_it_used_and_it_repeats_the_run():
    cfg = dict(dist="uniform", d=2, N=60, L=2, steps=100, restarts=1)

    def run(seed):
        return measure_config(cfg, datasets=2, seed=seed)

    fresh = run(None)
    assert type(fresh["seed"]) is int and 0 <= fresh["seed"] < 2**64
    again = run(fresh["seed"])
    assert again == fresh                                  # the seed and every measurement
    one, two = run(1), run(2)
    assert (one["real"], one["real_std"]) != (two["real"], two["real_std"])


def test_a_configurations_seed_field_is_its_seed(monkeypatch):
    # sweep.product(seed=range(3), ...) puts the seed in the configuration, where _sweep_jobs reads it; measure_config
    # kept the field as a label and trained every row with seed 0, each recorded as seed 0: three copies of one run
    from nnpartition import training

    cfg = dict(dist="uniform", d=2, N=60, L=2, steps=100, restarts=1)
    one, two = (measure_config(dict(cfg, seed=s), datasets=2) for s in (1, 2))
    assert (one["seed"], two["seed"]) == (1, 2)
    assert one["real"] == measure_config(cfg, datasets=2, seed=1)["real"] != two["real"]
    rows = validate(configs=[dict(cfg, seed=1), dict(cfg, seed=2)], datasets=2, progress=False).rows
    assert [(r["seed"], r["real"]) for r in rows] == [(1, one["real"]), (2, two["real"])]
    # a seed given both ways is refused, by validate before the first configuration trains
    with pytest.raises(ValueError, match=r"config\['seed'\] = 2 and seed=3 both give the seed"):
        measure_config(dict(cfg, seed=2), datasets=2, seed=3)
    # named as given: a None field was resolved first and named by the fresh number it drew (a review)
    with pytest.raises(ValueError, match=r"config\['seed'\] = None and seed=3 both give the seed"):
        measure_config(dict(cfg, seed=None), datasets=2, seed=3)
    with pytest.raises(TypeError, match=r"config\['seed'\] must be None, an int"):
        measure_config(dict(cfg, seed=1.5), datasets=2)
    # the same integer both ways is one seed
    assert measure_config(dict(cfg, seed=1), datasets=2, seed=1) == one
    monkeypatch.setattr(training, "real_accuracy", lambda *a, **k: pytest.fail("trained before the check"))
    with pytest.raises(ValueError, match=r"config\['seed'\] = 2 and seed=None"):
        validate(configs=[cfg, dict(cfg, seed=2)], datasets=2, seed=None, progress=False)
    # an explicit seed=0 is given too: it read as the default, and the field's 5 was used without a word
    with pytest.raises(ValueError, match=r"config\['seed'\] = 5 and seed=0 both give the seed"):
        measure_config(dict(cfg, seed=5), datasets=2, seed=0)
    with pytest.raises(ValueError, match=r"config\['seed'\] = 5 and seed=0 both give the seed"):
        validate(configs=[cfg, dict(cfg, seed=5)], datasets=2, seed=0, progress=False)


def test_a_report_says_how_uncertain_its_real_column_is_from_each_rows_own_datasets():
    # Python callers of validate() get the figure `nnpartition validate` prints (it lived in the command): each
    # row's standard error from its own number of datasets, here read again from the datasets' accuracies
    configs = [dict(dist="uniform", d=2, N=60, L=2, steps=100), dict(dist="gaussian", d=3, N=80, L=3, steps=100)]
    rep = validate(configs=configs, datasets=3, restarts=1, seed=5, progress=False)
    ses = []
    for c, r in zip(configs, rep.rows):
        assert r["datasets"] == 3
        m = npn.real_accuracy(c["d"], c["N"], c["L"], dist=c["dist"], datasets=3, seed=r["seed"],
                              protocol=npn.Protocol(steps=100, restarts=1))
        ses.append(np.std(m.per_dataset, ddof=1) / np.sqrt(3))
    assert rep.real_standard_error() == pytest.approx(np.mean(ses))
    # a row of one dataset has no spread and counts for nothing; rows with none at all give None
    one = ValidationReport([*rep.rows, dict(rep.rows[0], datasets=1, real_std=float("nan"))])
    assert one.real_standard_error() == pytest.approx(np.mean(ses))
    assert ValidationReport([dict(r, datasets=1) for r in rep.rows]).real_standard_error() is None
    # rows stored before the datasets column (validate --store over an old store): the command's --datasets
    old = ValidationReport([{k: x for k, x in r.items() if k != "datasets"} for r in rep.rows])
    assert old.real_standard_error() is None and old.real_standard_error(3) == pytest.approx(np.mean(ses))
    for bad, error in (("3", TypeError), (0, ValueError), (2.5, TypeError)):
        with pytest.raises(error, match="datasets"):
            old.real_standard_error(bad)


def test_protocol_grid_prints_every_group_on_all_and_non_trivial_rows(capsys):
    """`validate --protocol-grid` prints what its help says: the errors of each group (reference protocol, other
    protocols, deep networks) on all its rows and on the non-trivial ones, and the band coverage. Its rows are
    classified here from their own fields, not by the report's grouping; every row is held out."""
    assert main(["validate", "--protocol-grid", "--json", "--no-progress", "--datasets", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows, summary = data["rows"], data["summary"]
    reference = dict(optimizer="adam", lr=0.02, steps=4000, batch_size=None, schedule="cosine")

    def group(r):
        if len(r.get("widths", [r["L"]])) > 1:
            return "deep"
        return "reference" if all(r.get(k) == x for k, x in reference.items()) else "protocols"

    counts = {g: sum(group(r) == g for r in rows) for g in ("reference", "protocols", "deep")}
    assert counts == {"reference": 8, "protocols": 16, "deep": 8}
    assert all(r["part"] == "heldout" for r in rows)
    for g, n in counts.items():
        sel = [r for r in rows if group(r) == g]
        hard = [r for r in sel if r["real"] < 0.999 or r["estimate"] < 0.999]
        assert summary[f"{g}/heldout"]["n"] == n
        # the errors and the coverage from each row's real accuracy and band, not from its error / in_band fields
        assert summary[f"{g}/heldout"]["mae"] == pytest.approx(np.mean([abs(r["estimate"] - r["real"]) for r in sel]))
        assert summary[f"{g}/heldout"]["coverage"] == pytest.approx(np.mean([r["low"] <= r["real"] <= r["high"]
                                                                              for r in sel]))
        assert summary[f"{g}/heldout, non-trivial"]["n"] == len(hard)
    assert main(["validate", "--protocol-grid", "--no-progress", "--datasets", "1"]) == 0
    text = capsys.readouterr().out
    for label in ("all", "non-trivial", "reference/heldout", "reference/heldout, non-trivial", "protocols/heldout",
                  "protocols/heldout, non-trivial", "deep/heldout", "deep/heldout, non-trivial"):
        assert any(line.startswith(label + " ") for line in text.splitlines()), label
    assert "in band" in text
    assert "standard error" not in text and data["real_standard_error"] is None   # one dataset: no spread to read


def test_validate_says_how_uncertain_its_real_column_is(capsys):
    # the protocol grid's 32 cheap rows on 3 datasets: a reference-protocol MAE of 0.025 was read against the
    # target of 0.01 (judged on 9 datasets of the held-out rows); the note gives the rows' own standard error
    argv = ["validate", "--protocol-grid", "--no-progress", "--datasets", "2", "--restarts", "1"]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = out["rows"]
    # each row's std is that of its two datasets' accuracies: half their distance times sqrt(2) (ddof = 1), at
    # least one point (1/N) where they differ
    assert all(r["real_std"] == 0 or r["real_std"] * np.sqrt(2) >= 1 / r["N"] - 1e-12 for r in rows)
    se = np.mean([r["real_std"] for r in rows]) / np.sqrt(2)
    assert out["real_standard_error"] == pytest.approx(se)
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert f"mean over 2 datasets: its standard error averages {se:.4f} on these rows" in text, text[-600:]


def test_demo_warns_once_of_a_protocol_setting_all_its_configurations_share(capsys):
    """The demo's six configurations train under one protocol: a setting outside the validated range (--steps 5,
    below 250) is one warning line on stderr naming the option, not one per configuration."""
    assert main(["demo", "--steps", "5", "--restarts", "1"]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(lines) == 1 and lines[0].startswith("warning: --steps 5 is outside"), err


def test_the_full_grid_refused_in_one_process_says_how_to_run_it(monkeypatch, capsys):
    # a new user typed the help's "--grid full (both grids, hours)" and was told only to train less or raise
    # max_work: the way the docs run it (docs/sweep.md: --store, --workers; each configuration checked alone) was
    # unnamed. Refused before anything trains; the help names the way too.
    from nnpartition import training

    monkeypatch.setattr(training, "real_accuracy", lambda *a, **k: pytest.fail("trained before the check"))
    assert main(["validate", "--grid", "full", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "max_work" in err and "--store" in err and "--workers" in err
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    assert "--store or --workers" in " ".join(capsys.readouterr().out.split())


def test_every_row_names_its_widths_beside_l():
    """A row names the network's size as ``widths`` for one hidden layer too (``[L]`` beside ``L``; it was given
    for deep networks and the protocol grid alone), the widths the configuration named, as ``estimate --json`` and
    ``train --json`` give them. The configuration's own fields are the truth."""
    one = measure_config(dict(dist="uniform", d=20, N=30, L=4), datasets=1, restarts=1)
    deep = measure_config(dict(dist="uniform", d=20, N=30, widths=[4, 3]), datasets=1, restarts=1)
    grid = measure_config(dict(dist="uniform", d=20, N=30, widths=[5]), datasets=1, restarts=1)
    assert (one["L"], one["widths"]) == (4, [4])
    assert (deep["L"], deep["widths"]) == (4, [4, 3])
    assert (grid["L"], grid["widths"]) == (5, [5])
    # the groups read the widths: a row of one hidden layer, now with its widths, is still not "deep"
    s = ValidationReport([dict(r, part="heldout") for r in (one, deep, grid)]).summary()
    assert s["deep/heldout"]["n"] == 1 and s["protocols/heldout"]["n"] == 2   # (restarts=1: not the reference)


def test_report_to_dict_is_strict_json_with_the_rows_summary_and_standard_error():
    """``ValidationReport.to_dict()``: the rows, their summary and ``real_standard_error``, strict JSON (a row of
    one dataset has a NaN ``real_std``, which ``json.dumps(rep.rows)`` wrote as ``NaN``, not JSON), as the other
    results' ``to_dict()``. Truths: the rows' own numbers (the mean |error| of the rows, the standard error of a
    row of two datasets ``std / sqrt(2)``, none from one dataset)."""
    one = measure_config(dict(dist="uniform", d=3, N=40, L=2), datasets=1, restarts=1)
    assert math.isnan(one["real_std"])
    with pytest.raises(ValueError):
        json.dumps(ValidationReport([one]).rows, allow_nan=False)
    out = json.loads(json.dumps(ValidationReport([one]).to_dict(), allow_nan=False))
    assert set(out) == {"rows", "summary", "real_standard_error"}
    assert out["rows"][0]["real_std"] is None and out["real_standard_error"] is None
    assert {k: x for k, x in out["rows"][0].items() if k != "real_std"} == \
        {k: x for k, x in one.items() if k != "real_std"}
    two = measure_config(dict(dist="uniform", d=3, N=40, L=2), datasets=2, restarts=1)
    out = ValidationReport([one, two]).to_dict()
    assert out["real_standard_error"] == pytest.approx(two["real_std"] / math.sqrt(2))
    assert out["summary"]["all"]["mae"] == pytest.approx((abs(one["error"]) + abs(two["error"])) / 2)
    assert out["summary"]["all"]["n"] == 2


def test_summary_of_rows_without_its_columns_is_a_value_error_naming_them():
    """A row without the columns the summary reads (hand-made, or from another tool's CSV) is refused naming the row
    and the columns: ``ValidationReport([{}]).to_dict()`` raised a bare ``KeyError: 'error'`` (found by the fuzz).
    Truth: the columns the error summary is defined on (``error`` and ``in_band``, ``real`` and ``estimate`` for the
    non-trivial rows); a complete row still summarises."""
    row = dict(dist="uniform", d=2, N=9, L=3, real=0.9, estimate=0.92, error=0.02, in_band=True)
    assert ValidationReport([row]).to_dict()["summary"]["all"]["n"] == 1
    for col in ("error", "in_band", "real", "estimate"):
        rep = ValidationReport([row, {k: x for k, x in row.items() if k != col}])
        for call in (rep.summary, rep.to_dict, rep.summary_text):
            with pytest.raises(ValueError, match=rf"rows\[1\] has no '{col}'"):
                call()


def test_rows_of_a_configuration_naming_no_protocol_name_the_protocol_trained():
    """``validate --grid small --json`` (and ``--csv``) rows named no protocol, where ``--protocol-grid`` rows carry
    ``optimizer, lr, steps, batch_size, schedule, restarts``: a reader joining both had to know the small grid's
    rows were trained under the reference protocol. Every row now names it, keys added beside the configuration's
    own (none renamed; a configuration's own fields as it gave them). Truths: training again under the protocol the
    row names, given explicitly, measures the same ``real`` (same seed); the protocol grid's row keeps its fields."""
    c = dict(dist="uniform", d=2, N=30, L=3, part="heldout")
    row = validate(configs=[c], datasets=1, restarts=1, progress=False).rows[0]
    fields = ("optimizer", "lr", "steps", "batch_size", "schedule", "restarts")
    named = {k: row[k] for k in fields}
    assert named["restarts"] == 1 and list(row)[:len(c)] == list(c)
    m = npn.real_accuracy(2, 30, 3, protocol=npn.Protocol(**named), datasets=1, seed=row["seed"], progress=False)
    assert m.mean == row["real"] and m.protocol == npn.Protocol(**named)
    sgd = dict(c, optimizer="sgd", lr=0.1, steps=60, batch_size=0, schedule="constant", restarts=1)
    got = measure_config(sgd, datasets=1)
    assert {k: got[k] for k in fields} == {k: sgd[k] for k in fields}   # batch_size 0 (full batch) as given
    # the configuration's own values, not only its keys' order: a configuration naming part of a protocol (a full
    # batch, another step size) keeps them, and its row names the reference protocol's values for the rest
    assert {k: row[k] for k in c} == c
    part = dict(c, lr=0.05, batch_size=0)
    got = measure_config(part, datasets=1)
    reference = npn.Protocol.reference().to_dict()
    assert {k: got[k] for k in part} == part
    assert {k: got[k] for k in fields if k not in part} == {k: reference[k] for k in fields if k not in part}


def test_report_summary_selects_each_region_group_and_dist_as_its_docstring_defines():
    """Rows at the edges of every selection the summary makes, each with its own error (a power of two, so the sum
    of a selection's errors names its rows): each key's count and mean error are those of the rows the docstring's
    definitions pick, written here again in integers (``P < N < 4 P`` for near capacity). Session 63, py_mutants:
    the region bounds, the non-trivial cut and the part/dist selections were checked by no test."""
    def row(d, N, L, *, part="heldout", dist="uniform", real=0.5, estimate=0.5, **extra):
        return dict(d=d, N=N, L=L, part=part, dist=dist, real=real, estimate=estimate, low=0.0, high=1.0,
                    ceiling=1.0, in_band=True, **extra)

    P = lambda d, L: L * (d + 2) + 1   # noqa: E731  the parameter count
    rows = [row(2, P(2, 63), 63),                  # small d; N = P: not near capacity; L = 63: not large
            row(3, 4 * P(3, 64), 64),              # large L; N = 4P: not near
            row(3, P(3, 10) + 1, 10),              # near capacity, just above P
            row(3, 4 * P(3, 10) - 1, 10),          # near capacity, just below 4P
            row(3, P(3, 10) - 1, 10, dist="gaussian"),   # just below P
            row(1, 40, 5, real=0.999, estimate=0.999),   # small d, near; trivial: neither is below 0.999
            row(4, 30, 2, real=0.999, estimate=0.998),   # non-trivial: the estimate is below
            row(4, 30, 2, real=0.998, estimate=1.0, dist="gaussian"),   # non-trivial: the real is below
            row(1, 9, 100, part="calibration"),          # small d, large L, but not held out
            row(5, 400, 8, part="calibration", dist="gaussian", optimizer="sgd", lr=0.1)]
    for i, r in enumerate(rows):
        r["error"] = 2.0 ** -i
    s = ValidationReport(rows).summary()

    def held(pred):
        return [r for r in rows if r["part"] == "heldout" and pred(r)]

    expected = {
        "all": rows,
        "non-trivial": [r for r in rows if min(r["real"], r["estimate"]) < 0.999],
        "heldout/uniform": held(lambda r: r["dist"] == "uniform"),
        "heldout/gaussian": held(lambda r: r["dist"] == "gaussian"),
        "calibration/uniform": [rows[8]],
        "calibration/gaussian": [rows[9]],
        "reference/heldout": held(lambda r: True),
        "reference/calibration": [rows[8]],
        "protocols/calibration": [rows[9]],
        "heldout: small d (d<=2)": held(lambda r: r["d"] in (1, 2)),
        "heldout: large L (L>=64)": held(lambda r: r["L"] > 63),
        "heldout: near capacity (1<N/P<4)": held(lambda r: P(r["d"], r["L"]) < r["N"] < 4 * P(r["d"], r["L"])),
    }
    assert [len(expected[k]) for k in ("non-trivial", "heldout: small d (d<=2)", "heldout: large L (L>=64)",
                                       "heldout: near capacity (1<N/P<4)")] == [9, 2, 1, 5]
    for key, sel in expected.items():
        got = s[key]
        assert got["n"] == len(sel) and got["bias"] * got["n"] == pytest.approx(sum(r["error"] for r in sel),
                                                                                 abs=1e-12), (key, got)
    assert "protocols/heldout" not in s and "deep/heldout" not in s


@pytest.mark.parametrize("widths, exc, needle", [
    (16, TypeError, "config['widths'] must be a list"),            # was "object of type 'int' has no len()"
    ("16,8", TypeError, "config['widths'] must be a list"),        # was "config['widths'][0] ... got str '1'"
    ([], ValueError, "config['widths'] must name at least one hidden layer"),   # was an IndexError
    ([16, 0], ValueError, "config['widths'][1] must be >= 1"),
])
def test_a_config_with_bad_widths_is_refused_naming_its_field(widths, exc, needle):
    """A deep configuration's ``widths`` is read as ``estimate_accuracy(widths=...)`` and ``train(widths=...)`` read
    theirs (one check, ``_validate.widths``), its refusal naming ``config['widths']``, before anything trains. The
    one-layer spelling ``widths=[L]`` trains what ``L`` does: the same row (the truth: the ``L`` config's own)."""
    from nnpartition.validation import validate

    c = dict(dist="uniform", d=3, N=30, widths=widths, steps=60, restarts=1)
    with pytest.raises(exc) as err:
        validate(configs=[c], datasets=1, progress=False)
    assert needle in str(err.value), str(err.value)
    one = dict(c, widths=[4])
    by_l = {k: v for k, v in one.items() if k != "widths"} | {"L": 4}
    rows = [validate(configs=[x], datasets=1, progress=False).rows[0] for x in (one, by_l)]
    assert rows[0]["real"] == rows[1]["real"] and rows[0]["widths"] == rows[1]["widths"] == [4]


def test_a_config_whose_l_is_not_its_first_width_is_refused():
    """``L`` beside ``widths`` was read as nothing when ``widths`` has several layers (``L=32, widths=[16, 8]``
    trained 16 -> 8 silently) and ignored for one layer: ``estimate_accuracy`` refuses both given. A row fed back
    (``L`` is its first width, as every row writes it) is still taken."""
    from nnpartition.validation import validate

    c = dict(dist="uniform", d=3, N=30, steps=60, restarts=1)
    for L, widths in [(32, [16, 8]), (8, [4])]:
        with pytest.raises(ValueError, match=r"config\['L'\] = .* and config\['widths'\] = .* disagree"):
            validate(configs=[dict(c, L=L, widths=widths)], datasets=1, progress=False)
    row = validate(configs=[dict(c, widths=[4, 3])], datasets=1, progress=False).rows[0]
    again = validate(configs=[dict(c, L=row["L"], widths=row["widths"])], datasets=1, progress=False).rows[0]
    assert row["L"] == 4 and again["real"] == row["real"]


def test_protocol_sample_checks_draw_before_its_seed():
    # An audit in session 63: draw=np.uint64(2**64 - 1) overflowed 10 * (draw - 1) in the seed (a RuntimeWarning)
    # before sample_protocols checked it. Now draw is checked first, naming it and sample_protocols' range.
    for draw in (np.uint64(2**64 - 1), 0, 10**6 + 1):
        with pytest.raises(ValueError, match="draw"):
            protocol_sample(4, 1, 0, draw=draw)
    with pytest.raises(TypeError, match="draw"):
        protocol_sample(4, 1, 0, draw=2.5)
    # the valid edges, and a numpy integer draws as the Python int does
    assert len(protocol_sample(4, 1, 0, draw=10**6)) == 4
    assert protocol_sample(4, 1, 0, draw=np.uint64(3)) == protocol_sample(4, 1, 0, draw=3)


def test_a_config_takes_every_dist_alias_the_package_takes():
    """``dist="normal"`` is what ``estimate_accuracy``, ``real_accuracy`` and ``--dist`` take for the Gaussian law,
    but a configuration of ``validate`` refused it ("must be one of ['uniform', 'gaussian'] (aliases: 'gauss' =
    'gaussian')"; a user's walkthrough, session 63). Each alias now gives the row the Gaussian name gives."""
    from nnpartition.validation import validate

    c = dict(d=3, N=30, L=4, steps=60, restarts=1)
    rows = [validate(configs=[dict(c, dist=name)], datasets=1, progress=False).rows[0]
            for name in ("gaussian", "normal", "gauss")]
    assert all(r["dist"] == "gaussian" for r in rows)
    # truths: the measurement and the estimate of the Gaussian law made directly, under the protocol and seed the row
    # names, which the uniform law's differ from (a row labelled gaussian but drawn uniform fails here)
    fields = ("optimizer", "lr", "steps", "batch_size", "schedule", "restarts")
    protocol = npn.Protocol(**{k: rows[0][k] for k in fields})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", npn.ExtrapolationWarning)
        truth = {law: (npn.real_accuracy(3, 30, 4, dist=law, protocol=protocol, datasets=1, seed=rows[0]["seed"],
                                         progress=False).mean,
                       npn.estimate_accuracy(3, 30, 4, dist=law, protocol=protocol).accuracy)
                 for law in ("gaussian", "uniform")}
    assert truth["gaussian"][0] != truth["uniform"][0] and truth["gaussian"][1] != truth["uniform"][1], truth
    for r in rows:
        assert (r["real"], r["estimate"]) == truth["gaussian"], (r, truth)
    with pytest.raises(ValueError, match=r"config\['dist'\]"):
        validate(configs=[dict(c, dist="laplace")], datasets=1, progress=False)


def test_summary_text_says_what_its_subsets_and_columns_mean():
    """``validate`` printed "heldout: near capacity (1<N/P<4)", "non-trivial" and "bias" with P defined nowhere a
    command-line user reads. The text now defines them; truths: the rows' own numbers (which rows the stated P puts
    near capacity, the sign of estimate - real) against the subsets' counts and bias."""
    import re

    rows = [dict(d=2, N=20, L=3, dist="uniform", part="heldout", real=0.80, estimate=0.83, error=0.03, in_band=True),
            dict(d=2, N=100, L=3, dist="uniform", part="heldout", real=0.60, estimate=0.61, error=0.01,
                 in_band=True),
            dict(d=5, N=40, L=64, dist="gaussian", part="heldout", real=1.0, estimate=1.0, error=0.0, in_band=True)]
    text = ValidationReport(rows).summary_text()
    legend = " ".join(text[text.index("(non-trivial:"):].split())
    assert "real or estimate below 0.999" in legend and "bias: the mean of estimate - real" in legend, legend
    formula = re.search(r"P = L \(d \+ 2\) \+ 1", legend)
    assert formula, legend
    near = [r for r in rows if 1 < r["N"] / (r["L"] * (r["d"] + 2) + 1) < 4]   # the stated P, by hand
    line = next(line for line in text.splitlines() if line.startswith("heldout: near capacity"))
    assert int(line.split()[-5]) == len(near) == 1, line
    bias = float(next(line for line in text.splitlines() if line.startswith("all ")).split()[-2])
    assert bias == pytest.approx(np.mean([r["estimate"] - r["real"] for r in rows]), abs=1e-4) and bias > 0
    # no near-capacity row, no P to define
    assert "P = " not in ValidationReport(rows[1:]).summary_text()


def test_a_draw_that_nothing_fits_stops_at_once():
    # A protocol under which not even the cheapest configuration (d = 1, N = 50, the narrowest widths; the cost grows
    # with each) fits max_cost drew 20,000 rejected tries: protocol_sample(144, 12, 4, 0.0) took about 10 s of CPU
    # (the fuzz's protocol_sample(20, 2, 1, 0.0, 1) timed out on a loaded machine). Fails on the old code (the CPU).
    import time

    from nnpartition.validation import REFERENCE_ROW

    start = time.process_time()
    assert protocol_sample(max_cost=0.0) == [] and protocol_sample(20, 2, 1, 1e-300, 1) == []
    assert reference_sample(max_cost=0.0) == []
    assert time.process_time() - start < 1.0
    # between the cheapest two-layer and the cheapest deep network: the two-layer ones are drawn as without the deep
    # ones (which come after them in the draw), and no deep one, at once
    cheapest_deep = protocol_cost(dict(REFERENCE_ROW, d=1, N=50, widths=[4, 4]))
    assert protocol_cost(dict(REFERENCE_ROW, d=1, N=50, widths=[1])) < cheapest_deep
    start = time.process_time()
    got = reference_sample(two_layer=5, deep=5, max_cost=cheapest_deep * 0.99)
    assert time.process_time() - start < 1.0
    alone = reference_sample(two_layer=5, deep=0, max_cost=cheapest_deep * 0.99)
    key = lambda c: (c["dist"], c["d"], c["N"], tuple(c["widths"]))  # noqa: E731
    assert len(got) == 5 and sorted(map(key, got)) == sorted(map(key, alone))
    assert all(len(c["widths"]) == 1 and protocol_cost(c) <= cheapest_deep * 0.99 for c in got)
    # a bound every cheapest configuration fits still draws both kinds
    both = reference_sample(two_layer=3, deep=3, max_cost=cheapest_deep * 1e4)
    assert sorted(len(c["widths"]) > 1 for c in both) == [False] * 3 + [True] * 3
