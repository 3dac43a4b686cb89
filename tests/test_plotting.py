"""Plots never switch the caller's matplotlib backend, take ax= and return what they drew on."""

import inspect
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("matplotlib")

import nnpartition  # noqa: E402
from nnpartition import plotting  # noqa: E402


#: plotting.py's own helpers (they make or save figures, they do not draw).
HELPERS = {"file_figure", "save_figure", "write_figure"}  # file writers for the CLI, not drawing functions


def public_plot_functions():
    """Every public function of the package whose name says it draws."""
    import importlib
    import pkgutil

    out = {}
    for m in pkgutil.walk_packages(nnpartition.__path__, "nnpartition."):
        if any(part.startswith("_") for part in m.name.split(".")):
            continue  # private modules (the CLI's file writers among them)
        mod = importlib.import_module(m.name)
        for name, fn in vars(mod).items():
            if (inspect.isfunction(fn) and fn.__module__ == m.name and not name.startswith("_")
                    and name not in HELPERS and (name.startswith("plot") or name.endswith("_figure"))):
                out[f"{m.name}.{name}"] = fn
    return out


def _rows():
    return [dict(d=2, N=100, L=L, dist="uniform", estimate=0.6, low=0.55, high=0.65, real=0.61, part="heldout")
            for L in (2, 4)]


#: A call of every plotting function with ``ax=`` (the test below fails for a new one until it is added here).
CALLS = {
    "nnpartition.plotting.plot_parity": lambda f, ax: f(_rows(), ax=ax),
    "nnpartition.plotting.validation_figure": lambda f, ax: f(_rows(), ax=ax),
    "nnpartition.pictures.drawing.plot_partition": lambda f, ax: f(nnpartition.TwoLayerNet([[1.0, 0.0], [0.0, 1.0]],
                                                                                        [0.0, 0.0], [1.0, 1.0], -0.5),
                                                                   ax=ax, box=(-1, 1)),
}


def test_every_plot_function_is_called_below():
    assert set(public_plot_functions()) == set(CALLS)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_plot_functions_draw_into_the_axes_given_and_return_them(name):
    # (a signature with ax= was all that was checked: a function that drew on new axes passed)
    plt = plotting.require_matplotlib()
    before = set(plt.get_fignums())
    ax = plotting.file_figure().add_subplot()
    drawn = len(ax.lines) + len(ax.collections) + len(ax.patches)
    assert CALLS[name](public_plot_functions()[name], ax) is ax
    assert len(ax.lines) + len(ax.collections) + len(ax.patches) > drawn, f"{name} drew nothing into ax"
    assert set(plt.get_fignums()) == before, f"{name} made a pyplot figure besides"


@pytest.mark.parametrize("name", ["nnpartition.plotting.plot_parity", "nnpartition.pictures.drawing.plot_partition"])
def test_plot_functions_without_axes_draw_into_one_new_pyplot_figure(name):
    """``ax=None`` (the default) is "a new figure's axes": one pyplot figure more, holding the axes returned, with
    something drawn (plot_partition's new figure was made by no test). (validation_figure without ax writes a
    file instead: its own tests.)"""
    plt = plotting.require_matplotlib()
    before = set(plt.get_fignums())
    ax = CALLS[name](public_plot_functions()[name], None)
    try:
        new = set(plt.get_fignums()) - before
        assert new == {ax.figure.number}, name
        assert len(ax.lines) + len(ax.collections) + len(ax.patches) > 0, f"{name} drew nothing"
    finally:
        plt.close(ax.figure)


def test_backend_is_never_switched():
    # A fresh interpreter with a chosen backend draws every kind of figure; the backend must survive.
    code = textwrap.dedent("""
        import io, os, tempfile
        import matplotlib
        matplotlib.use("pdf")
        import numpy as np
        from nnpartition import plotting
        from nnpartition.cli import main
        rows = [dict(d=2, N=100, L=L, dist="uniform", estimate=0.6, low=0.55, high=0.65, real=0.61,
                     part="heldout") for L in (2, 4)]
        with tempfile.TemporaryDirectory() as tmp:
            plotting.validation_figure(rows, os.path.join(tmp, "v.png"))
            assert main(["explain-1d", "-L", "4", "-N", "40", "--steps", "50", "--plot",
                         os.path.join(tmp, "e.png")]) == 0
            assert os.path.getsize(os.path.join(tmp, "e.png")) > 0
        try:
            from nnpartition.pictures import plot_partition
            from nnpartition import TwoLayerNet
            net = TwoLayerNet(np.eye(2), np.zeros(2), np.ones(2), -0.5)
            fig = plotting.file_figure()
            ax = fig.add_subplot()
            assert plot_partition(net, ax=ax, box=(-1, 1)) is ax
        except ImportError:
            pass
        print(matplotlib.get_backend())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "pdf"


def test_axes_for_uses_the_given_axes_and_save_figure_releases_pyplot(tmp_path):
    ax = plotting.file_figure().add_subplot()
    assert plotting.axes_for(ax) is ax
    plt = plotting.require_matplotlib()
    before = set(plt.get_fignums())
    new = plotting.axes_for(None, figsize=(2, 2))
    assert set(plt.get_fignums()) - before
    plotting.save_figure(new.figure, str(tmp_path / "f.png"))
    assert set(plt.get_fignums()) == before and (tmp_path / "f.png").stat().st_size > 0



def test_save_figure_adds_matplotlibs_format_to_a_name_without_a_suffix(tmp_path):
    """As ``savefig`` does: ``out`` is written as ``out.png`` (the default ``savefig.format``), a PNG; through the
    part file of an atomic write it was read as format "part" and refused."""
    import matplotlib

    fig = plotting.file_figure()
    fig.add_subplot().plot([0, 1])
    with matplotlib.rc_context({"savefig.format": "png"}):
        plotting.save_figure(fig, str(tmp_path / "out"))
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]
    assert (tmp_path / "out.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_axes_no_rows_and_both_path_and_ax_are_refused(tmp_path):
    """An AttributeError of the first drawing call, a ZeroDivisionError laying out no panels, and a path left
    silently unwritten beside ax=."""
    from nnpartition.validation import ValidationReport

    rep = ValidationReport(_rows())
    bad_axes = (lambda: plotting.plot_parity(_rows(), ax="axes"), lambda: rep.plot(ax=1),
                lambda: rep.plot_parity(ax=object()))
    for call in bad_axes:
        with pytest.raises(TypeError, match="ax must be matplotlib axes"):
            call()
    with pytest.raises(ValueError, match="no rows to draw"):
        ValidationReport([]).plot()
    ax = plotting.file_figure().add_subplot()
    both = (lambda: rep.plot(str(tmp_path / "v.png"), ax=ax), lambda: rep.plot_parity(str(tmp_path / "p.png"), ax=ax))
    for call in both:
        with pytest.raises(ValueError, match="not both"):
            call()
    assert not list(tmp_path.iterdir())


def test_validation_figure_joins_only_rows_of_one_training_and_the_same_later_layers():
    # A newcomer's audit: the protocol grid's rows at one (d, N, dist) under different protocols (and depths) were
    # joined into one estimate line across L, a curve no training follows. Here two protocols at L = 2, 4 and 8, 16
    # and a deep row at L = 32 share (d, N, dist): two lines of two points each, and the deep row a bar.
    base = dict(d=2, N=100, dist="uniform", estimate=0.6, low=0.55, high=0.65, real=0.61, part="heldout")
    adam = dict(optimizer="adam", lr=0.02, steps=4000, batch_size=None, schedule="cosine", restarts=2)
    sgd = dict(adam, optimizer="sgd", lr=0.1)
    rows = ([dict(base, L=L, widths=[L], **adam) for L in (2, 4)]
            + [dict(base, L=L, widths=[L], **sgd) for L in (8, 16)] + [dict(base, L=32, widths=[32, 8], **adam)])
    fig = plotting.validation_figure(rows)
    panel = fig.axes[0]
    lines = [ln for ln in panel.lines if ln.get_linestyle() == "-" and len(ln.get_xdata()) > 1]
    assert sorted(list(ln.get_xdata()) for ln in lines) == [[2, 4], [8, 16]]
    # the real accuracies: every row a point, the legend naming (N, dist) once
    points = [ln for ln in panel.lines if ln.get_marker() == "o"]
    assert sorted(x for ln in points for x in ln.get_xdata()) == [2, 4, 8, 16, 32]
    assert [t.get_text() for t in panel.get_legend().get_texts()] == ["N=100, uniform inputs"]


def test_a_row_stored_before_rows_named_their_protocol_lies_on_the_reference_protocols_curve():
    """The small and full grids' rows now name the protocol they were trained with (the reference one); a sweep
    store resumed across that change holds rows of both kinds, which must lie on one curve in the validation
    figure. Truth: the old row was trained under the reference protocol (``nnpartition.Protocol()``); a row of
    another protocol or of other later layers is another curve."""
    old = dict(dist="uniform", d=2, N=30, L=3)
    new = dict(old, **nnpartition.Protocol().to_dict())
    assert plotting._run_key(old) == plotting._run_key(new)
    assert plotting._run_key(dict(new, lr=0.05)) != plotting._run_key(old)
    assert plotting._run_key(dict(new, widths=[3, 5])) != plotting._run_key(dict(new, widths=[3, 4]))
