"""Plain numpy networks with one logit output: the two-layer network and a deeper stack.

Both follow one convention: weights map row vectors, ``h = act(x @ W + b)``,
and the logit ``z = h @ w2 + b2`` predicts class 1 when ``z > 0``.
Networks trained elsewhere can be imported from scikit-learn's
``MLPClassifier`` or a PyTorch ``nn.Sequential``.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _core
from . import _validate as v
from ._files import check_float64_copies, file_path, hidden_layers, read_npz, refuse_unread, replacing
from .limits import _block_rows
from ._repr import short_repr

__all__ = ["TwoLayerNet", "DeepNet", "ACTIVATIONS", "save_network", "load_network"]

#: Hidden-unit nonlinearities understood by the networks and the trainer.
ACTIVATIONS = _core.CHOICES["activation"]


#: A float64 array (weights, activations, logits).
F64 = NDArray[np.float64]


def _act(name: str, u: F64, slope: float) -> F64:
    out: F64
    if name == "relu":
        out = np.maximum(u, 0.0)
    elif name == "leaky_relu":
        out = np.where(u > 0, u, slope * u)
    elif name == "sigmoid":
        out = 1.0 / (1.0 + np.exp(-u))
    else:
        out = np.tanh(u)
    return out


def _short(x: Any) -> str:
    """``repr(x)``, cut to 60 characters (an error message naming a value that may be a large array)."""
    r = repr(x)
    return r if len(r) <= 60 else r[:57] + "..."


def _layer_pair(W: Any, b: Any, fan_in: Optional[int], rows: str, w_name: str, b_name: str,
                keep_float32: bool = False) -> Tuple[F64, F64]:
    """One hidden layer's checked ``(W, b)`` as float64 (no copy when already one; ``keep_float32``: a float32 ``W``
    kept as it is, not copied, as the float32 region counter takes it): :func:`_layer_pairs`'s check of each pair,
    and :func:`~nnpartition.count_regions`'s of its own ``W`` and ``b``. ``fan_in``: the rows ``W`` must have
    (``None``: any), ``rows`` says why (``"one per column of X"``)."""
    # (finite=True: NaN, infinity and a long double beyond float64 refused by name, the first entry named)
    W = v.float_matrix(w_name, W, dtype=None if keep_float32 else np.float64, finite=True)
    if fan_in is not None and W.shape[0] != fan_in:
        raise ValueError(f"{w_name} must have {fan_in} rows ({rows}), got shape {W.shape}")
    if W.shape[1] == 0:   # as the region counters and the trainer refuse one
        raise ValueError(f"{w_name} must have at least one column (a hidden unit), got shape {W.shape}")
    b = v.float_vector(b_name, b)
    if b.shape[0] != W.shape[1]:
        # PyTorch's nn.Linear holds weight as (L, d): its W with its own bias has b as long as W's first dimension.
        hint = ("; b's length is W's first dimension: this looks like PyTorch's (L, d) layout: transpose it "
                "(pass W.T)") if b.shape[0] == W.shape[0] else ""
        raise ValueError(f"{b_name} must have length {W.shape[1]} (one bias per column of {w_name}, which has shape "
                         f"(fan_in, width) = {W.shape}), got {b.shape[0]}{hint}")
    return W, b


def _layer_pairs(name: str, layers: Any, *, d: Optional[int] = None, d_rows: str = "",
                 keep_float32: bool = False) -> List[Tuple[F64, F64]]:
    """A list of hidden layers ``[(W, b), ...]`` (``W`` of shape ``(fan_in, width)``, each layer's ``fan_in`` the
    width of the one before) checked as float64 arrays (not copied when already ones): the one check, with one
    wording, of every function that takes such a list (:class:`DeepNet`, :func:`~nnpartition.count_regions_deep`,
    :func:`~nnpartition.network_regions_in_box` and its kin, :func:`~nnpartition.region_polygons`). ``name``: the
    argument, named when the list itself is wrong; a wrong layer is named "hidden layer k" (from 1, as the core's
    messages count them) whatever the argument. ``d``: the rows the first ``W`` must have (``d_rows`` says why),
    ``None``: any. ``keep_float32``: as :func:`_layer_pair`'s.

    Example:
        >>> _layer_pairs("layers", [(np.eye(2), [0, 0]), (np.ones((3, 1)), [0.0])])
        Traceback (most recent call last):
        ...
        ValueError: W of hidden layer 2 must have 2 rows (one per unit of hidden layer 1), got shape (3, 1)
    """
    if not isinstance(layers, (list, tuple)):   # a generator was "must be a non-empty list" (ValueError)
        hint = "; pass net.layers, its hidden layers' (W, b) pairs" if hasattr(layers, "layers") else ""
        raise TypeError(f"{name} must be a list (or tuple) of (W, b) pairs, got {type(layers).__name__} "
                        f"{_short(layers)}{hint}")
    if not layers:
        raise ValueError(f"{name} must hold at least one hidden layer, a (W, b) pair, got an empty "
                         f"{type(layers).__name__}")
    checked: List[Tuple[F64, F64]] = []
    fan_in, rows = d, d_rows
    for k, pair in enumerate(layers, 1):
        what = f"hidden layer {k} must be a (W, b) pair: W of shape (fan_in, width), b of shape (width,)"
        if not isinstance(pair, (tuple, list)):
            raise TypeError(f"{what}; got {type(pair).__name__} {_short(pair)}")
        if len(pair) != 2:
            raise ValueError(f"{what}; got a {type(pair).__name__} of {len(pair)} items")
        W, b = _layer_pair(pair[0], pair[1], fan_in, rows, f"W of hidden layer {k}", f"b of hidden layer {k}",
                           keep_float32)
        checked.append((W, b))
        fan_in, rows = W.shape[1], f"one per unit of hidden layer {k}"
    return checked


def _check_xy(net_d: int, X: ArrayLike, y: Optional[ArrayLike] = None) -> Tuple[F64, Optional[NDArray[np.uint8]]]:
    Xa: F64 = v.float_matrix("X", X, dtype=np.float64, cols=net_d, finite=True)
    if y is None:
        return Xa, None
    return Xa, v.binary_labels("y", y, Xa.shape[0])


class _Logit:
    """Shared prediction methods (subclasses define ``_forward`` and ``d``)."""

    @property
    def d(self) -> int:  # pragma: no cover - overridden
        """Input dimension."""
        raise NotImplementedError

    def _forward(self, Xc: F64) -> F64:  # pragma: no cover - overridden
        """Logits of checked finite rows ``Xc``, as float64 computes them (an overflow gives inf or NaN)."""
        raise NotImplementedError

    def _logits(self, X: ArrayLike) -> F64:
        """Logits of ``X`` (checked) without the overflow check, numpy's overflow warnings silenced: for callers that
        test the logits themselves and word the error for their own arguments."""
        Xc, _ = _check_xy(self.d, X)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._forward(Xc)

    def decision_function(self, X: ArrayLike) -> F64:
        """Logits, shape ``(n,)``; positive means class 1 (a block of rows at a time, not through an ``(n, width)``
        table).

        Raises ``ValueError`` when a logit overflows float64 (finite inputs and weights, but a sum too large: the
        result would be ``inf`` or ``NaN``, its sign arbitrary); rescale the weights or the inputs.
        """
        out = self._logits(X)
        if not np.isfinite(out).all():
            bad = int(np.flatnonzero(~np.isfinite(out))[0])
            raise ValueError(f"the network's logits overflow float64 (the first at row {bad} of X, {out[bad]}: "
                             "finite inputs and weights whose sums pass about 1.8e308); rescale the weights or the "
                             "inputs")
        return out

    def predict(self, X: ArrayLike) -> NDArray[np.int64]:
        """Class labels (int64, 0 or 1): 1 where the logit is positive (``ValueError`` when a logit overflows, as
        for :meth:`decision_function`)."""
        return (self.decision_function(X) > 0).astype(np.int64)

    def accuracy(self, X: ArrayLike, y: ArrayLike) -> float:
        """Fraction of rows of ``X`` whose predicted class equals ``y``."""
        Xc, yc = _check_xy(self.d, X, y)
        return float(np.mean(self.predict(Xc) == yc))

    def _parameters(self) -> Tuple[List[Tuple[F64, F64]], F64, float, str, float]:  # pragma: no cover - overridden
        """``(layers, output weights, output bias, activation, slope)``."""
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        """The same class, the same parameters (exactly) and the same activation and slope (the dataclass's own
        ``==`` compared the weight arrays as a tuple: numpy's "truth value of an array ... is ambiguous")."""
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _Logit)
        (layers, w, b, act, slope), (layers2, w2, b2, act2, slope2) = self._parameters(), other._parameters()
        return (len(layers) == len(layers2) and all(np.array_equal(W, W2) and np.array_equal(c, c2)
                                                    for (W, c), (W2, c2) in zip(layers, layers2))
                and np.array_equal(w, w2) and (b, act, slope) == (b2, act2, slope2))

    __hash__ = None  # type: ignore[assignment]   # mutable, compared by value: unhashable, as the dataclass made it


@dataclass(eq=False)   # _Logit.__eq__: arrays compared as arrays
class TwoLayerNet(_Logit):
    """``d -> L -> 1`` network: ``logit = act(X @ W1 + b1) @ w2 + b2``.

    Attributes:
        W1: hidden weights, shape ``(d, L)``.
        b1: hidden biases, shape ``(L,)``.
        w2: output weights, shape ``(L,)``.
        b2: output bias.
        activation: one of ``relu``, ``leaky_relu``, ``sigmoid``, ``tanh``.
        slope: negative-side slope of ``leaky_relu``.

    The arrays are copied (as float64): changing the caller's ``W1`` later
    does not change the network, and the network's arrays belong to it. ``W1`` needs at least one column (one
    hidden unit). Two networks are equal (``==``) when their class, parameters, activation and slope are.

    Example:
        >>> net = TwoLayerNet(W1=np.array([[1.0, -1.0]]), b1=np.zeros(2), w2=np.array([1.0, 1.0]), b2=-0.5)
        >>> net.decision_function([[2.0], [0.1], [-3.0]])
        array([ 1.5, -0.4,  2.5])
        >>> net.predict([[2.0], [0.1]]).tolist(), net.accuracy([[2.0], [0.1]], [1, 0])
        ([1, 0], 1.0)
    """

    __repr__ = short_repr

    W1: F64
    b1: F64
    w2: F64
    b2: float
    activation: str = "relu"
    slope: float = 0.01

    def __post_init__(self) -> None:
        # Copies: the network never shares memory with the caller's arrays.
        # (finite=True: NaN, infinity and a long double beyond float64 refused by name, before the copy)
        self.W1 = np.array(v.float_matrix("W1", self.W1, dtype=np.float64, finite=True), copy=True)
        L = self.W1.shape[1]
        if L == 0:   # as the region counters and the trainer refuse one
            raise ValueError(f"W1 must have at least one column (a hidden unit), got shape {self.W1.shape}")
        self.b1 = np.array(v.float_vector("b1", self.b1, length=L), copy=True)
        self.w2 = np.array(v.float_vector("w2", self.w2, length=L), copy=True)
        self.b2 = v.real("b2", self.b2)
        self.activation = v.choice("activation", self.activation, ACTIVATIONS)
        self.slope = v.real("slope", self.slope, minimum=0.0)

    @property
    def d(self) -> int:
        """Input dimension."""
        return int(self.W1.shape[0])

    @property
    def L(self) -> int:
        """Number of hidden units."""
        return int(self.W1.shape[1])

    @property
    def layers(self) -> List[Tuple[F64, F64]]:
        """``[(W1, b1)]``, the form the activation-region counters take."""
        return [(self.W1, self.b1)]

    def _parameters(self) -> Tuple[List[Tuple[F64, F64]], F64, float, str, float]:
        return self.layers, self.w2, self.b2, self.activation, self.slope

    def hidden(self, X: ArrayLike) -> F64:
        """Hidden activations ``act(X @ W1 + b1)``, shape ``(n, L)``; a ``ValueError`` when a pre-activation
        overflows float64, as :meth:`decision_function` raises for a logit (an audit: numpy's overflow warning and
        ``inf``)."""
        Xc, _ = _check_xy(self.d, X)
        with np.errstate(over="ignore", invalid="ignore"):
            pre = Xc @ self.W1 + self.b1
        if not np.isfinite(pre).all():
            row, unit = (int(i[0]) for i in np.nonzero(~np.isfinite(pre)))
            raise ValueError(f"the network's pre-activations overflow float64 (the first at row {row} of X, unit "
                             f"{unit}: finite inputs and weights whose sums pass about 1.8e308); rescale the weights "
                             "or the inputs")
        return _act(self.activation, pre, self.slope)

    def _forward(self, Xc: F64) -> F64:
        out: F64 = np.empty(Xc.shape[0])
        step = _block_rows(self.L)
        for i in range(0, Xc.shape[0], step):
            out[i:i + step] = _act(self.activation, Xc[i:i + step] @ self.W1 + self.b1, self.slope) @ self.w2 + self.b2
        return out

    @classmethod
    def from_sklearn(cls, clf: Any) -> "TwoLayerNet":
        """The network of a fitted binary ``sklearn.neural_network.MLPClassifier`` with one hidden layer.

        Class 1 of this network is ``clf.classes_[1]``.
        """
        deep = DeepNet.from_sklearn(clf)
        if len(deep.layers) != 1:
            raise ValueError(f"clf has {len(deep.layers)} hidden layers; use DeepNet.from_sklearn")
        (W1, b1), = deep.layers
        return cls(W1, b1, deep.w_out, deep.b_out, deep.activation, deep.slope)

    @classmethod
    def from_torch(cls, model: Any) -> "TwoLayerNet":
        """The network of a PyTorch ``nn.Sequential(Linear(d, L), act, Linear(L, 1))``.

        ``act`` is ``nn.ReLU``, ``nn.LeakyReLU``, ``nn.Sigmoid`` or ``nn.Tanh``; a
        trailing ``nn.Sigmoid`` after the last layer is accepted and ignored.
        """
        deep = DeepNet.from_torch(model)
        if len(deep.layers) != 1:
            raise ValueError(f"model has {len(deep.layers)} hidden layers; use DeepNet.from_torch")
        (W1, b1), = deep.layers
        return cls(W1, b1, deep.w_out, deep.b_out, deep.activation, deep.slope)


@dataclass(eq=False)   # _Logit.__eq__: arrays compared as arrays
class DeepNet(_Logit):
    """``d -> L1 -> ... -> Lk -> 1`` network with the same interface as :class:`TwoLayerNet`.

    Attributes:
        layers: ``[(W, b), ...]``, ``W`` of shape ``(fan_in, width)``.
        w_out: output weights, shape ``(Lk,)``.
        b_out: output bias.
        activation, slope: as for :class:`TwoLayerNet` (every hidden layer).

    Like :class:`TwoLayerNet`, it copies the arrays it is given.

    Example:
        >>> net = DeepNet([(np.eye(2), np.zeros(2)), (np.ones((2, 1)), np.zeros(1))], np.array([1.0]), -1.0)
        >>> net.decision_function([[1.0, 2.0], [0.2, 0.3]])
        array([ 2. , -0.5])
    """

    __repr__ = short_repr

    layers: List[Tuple[F64, F64]]
    w_out: F64
    b_out: float
    activation: str = "relu"
    slope: float = 0.01
    _widths: List[int] = field(default_factory=list, repr=False, compare=False)

    def __post_init__(self) -> None:
        checked = [(np.array(W, copy=True), np.array(b, copy=True)) for W, b in _layer_pairs("layers", self.layers)]
        fan_in = checked[-1][0].shape[1]
        self.layers = checked
        self.w_out = np.array(v.float_vector("w_out", self.w_out, length=fan_in), copy=True)
        self.b_out = v.real("b_out", self.b_out)
        self.activation = v.choice("activation", self.activation, ACTIVATIONS)
        self.slope = v.real("slope", self.slope, minimum=0.0)
        self._widths = [W.shape[1] for W, _ in checked]

    @property
    def d(self) -> int:
        """Input dimension."""
        return int(self.layers[0][0].shape[0])

    @property
    def widths(self) -> List[int]:
        """Hidden widths, input side first."""
        return list(self._widths)

    def _parameters(self) -> Tuple[List[Tuple[F64, F64]], F64, float, str, float]:
        return self.layers, self.w_out, self.b_out, self.activation, self.slope

    def _forward(self, Xc: F64) -> F64:
        out: F64 = np.empty(Xc.shape[0])
        step = _block_rows(max(self._widths))
        for i in range(0, Xc.shape[0], step):
            h = Xc[i:i + step]
            for W, b in self.layers:
                h = _act(self.activation, h @ W + b, self.slope)
            out[i:i + step] = h @ self.w_out + self.b_out
        return out

    @classmethod
    def from_sklearn(cls, clf: Any) -> "DeepNet":
        """The network of a fitted binary ``sklearn.neural_network.MLPClassifier``.

        Class 1 of this network is ``clf.classes_[1]``.
        """
        try:
            from sklearn.neural_network import MLPClassifier
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("from_sklearn needs scikit-learn: pip install scikit-learn") from exc
        if not isinstance(clf, MLPClassifier):
            raise TypeError(f"clf must be a fitted sklearn MLPClassifier, got {type(clf).__name__}")
        if not hasattr(clf, "coefs_"):
            raise ValueError("clf is not fitted yet (call clf.fit first)")
        if len(clf.classes_) != 2:
            raise ValueError(f"clf must be a binary classifier, it has {len(clf.classes_)} classes")
        acts = {"relu": "relu", "logistic": "sigmoid", "tanh": "tanh"}
        if clf.activation not in acts:
            raise ValueError(f"activation {clf.activation!r} of clf is not supported (relu, logistic, tanh)")
        coefs, ints = clf.coefs_, clf.intercepts_
        layers = [(np.asarray(W, float), np.asarray(b, float)) for W, b in zip(coefs[:-1], ints[:-1])]
        return cls(layers, np.asarray(coefs[-1], float)[:, 0], float(ints[-1][0]), acts[clf.activation])

    @classmethod
    def from_torch(cls, model: Any) -> "DeepNet":
        """The network of a PyTorch ``nn.Sequential`` alternating ``Linear`` and one kind of activation,
        ending with ``Linear(width, 1)`` (optionally followed by ``nn.Sigmoid``)."""
        try:
            from torch import nn
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("from_torch needs PyTorch: pip install torch") from exc
        if not isinstance(model, nn.Sequential):
            raise TypeError(f"model must be a torch.nn.Sequential, got {type(model).__name__}")
        mods = list(model)
        if len(mods) >= 2 and isinstance(mods[-1], nn.Sigmoid) and isinstance(mods[-2], nn.Linear):
            mods = mods[:-1]
        kinds = {nn.ReLU: "relu", nn.LeakyReLU: "leaky_relu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh"}
        if len(mods) < 3 or len(mods) % 2 == 0:
            raise ValueError("model must be Linear, activation, [Linear, activation, ...] Linear(width, 1)")
        linears, acts = mods[0::2], mods[1::2]
        for m in linears:
            if not isinstance(m, nn.Linear):
                raise ValueError(f"expected nn.Linear at an even position of model, got {type(m).__name__}")
        names = set()
        slope = 0.01
        for a in acts:
            kind = kinds.get(type(a))
            if kind is None:
                raise ValueError(f"unsupported activation module {type(a).__name__} (ReLU, LeakyReLU, Sigmoid, Tanh)")
            names.add(kind)
            if kind == "leaky_relu":
                slope = float(a.negative_slope)
        if len(names) != 1:
            raise ValueError(f"all hidden layers must use the same activation, got {sorted(names)}")
        if linears[-1].out_features != 1:
            raise ValueError(f"the last Linear must have one output (a logit), got {linears[-1].out_features}")

        def arr(t: Any) -> F64:
            return np.asarray(t.detach().cpu().double().numpy(), dtype=np.float64)

        def bias(m: Any) -> F64:
            return arr(m.bias) if m.bias is not None else np.zeros(m.out_features)

        layers = [(arr(m.weight).T.copy(), bias(m)) for m in linears[:-1]]
        last = linears[-1]
        return cls(layers, arr(last.weight)[0].copy(), float(bias(last)[0]), names.pop(), slope)


def _stack(layers: Sequence[Tuple[np.ndarray, np.ndarray]], w_out: np.ndarray, b_out: float,
           activation: str, slope: float) -> "TwoLayerNet | DeepNet":
    """A :class:`TwoLayerNet` for one hidden layer, else a :class:`DeepNet`."""
    if len(layers) == 1:
        (W, b), = layers
        return TwoLayerNet(np.asarray(W, np.float64), np.asarray(b, np.float64), np.asarray(w_out, np.float64),
                           float(b_out), activation, slope)
    return DeepNet([(np.asarray(W, np.float64), np.asarray(b, np.float64)) for W, b in layers],
                   np.asarray(w_out, np.float64), float(b_out), activation, slope)


def save_network(net: "TwoLayerNet | DeepNet", path: str) -> None:
    """Write a network to an ``.npz``: hidden layers ``W1, b1, W2, b2, ...``, then ``w_out``, ``b_out``,
    ``activation`` and ``slope``. The file is ``path`` exactly (``numpy.savez`` would add ``.npz`` to a name
    without it); a binary file object is written to as it is.

    Example:
        >>> import os, tempfile
        >>> net = TwoLayerNet(np.eye(2), np.zeros(2), np.ones(2), -1.0)
        >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
        >>> save_network(net, path)
        >>> load_network(path).decision_function([[2.0, 3.0]]).tolist()
        [4.0]
    """
    if isinstance(net, TwoLayerNet):
        layers, w_out, b_out = [(net.W1, net.b1)], net.w2, net.b2
    elif isinstance(net, DeepNet):
        layers, w_out, b_out = net.layers, net.w_out, net.b_out
    else:
        raise TypeError(f"net must be a TwoLayerNet or DeepNet, got {type(net).__name__}")
    arrays: Dict[str, Any] = {}
    for i, (W, b) in enumerate(layers, 1):
        arrays[f"W{i}"], arrays[f"b{i}"] = np.asarray(W), np.asarray(b)
    arrays.update(w_out=np.asarray(w_out), b_out=np.asarray(float(b_out)), activation=np.asarray(net.activation),
                  slope=np.asarray(float(net.slope)))
    if hasattr(path, "write"):   # a binary file object (the explorer's download buffer)
        _savez(path, arrays)
        return
    target = file_path(path, "path", " or a binary file object")
    # whole or not at all (an interrupted write left a cut-short file under the name); through a file object:
    # savez writes it under the name given
    with replacing(target) as part, open(part, "wb") as fh:
        _savez(fh, arrays)


def _savez(fh: Any, arrays: Mapping[str, NDArray[Any]]) -> None:
    """``numpy.savez(fh, **arrays)``'s archive (stored, one ``<name>.npy`` member per array), closed when a write
    fails too. numpy before 2.1 (2.0 is the newest for Python 3.9) left its ``ZipFile`` open then, and once the file
    was closed its finaliser printed "Exception ignored ... seek of closed file" after the command's one-line error.

    Example:
        >>> import io
        >>> buf = io.BytesIO()
        >>> _savez(buf, {"W1": np.eye(2), "activation": np.asarray("relu")})
        >>> data = np.load(io.BytesIO(buf.getvalue()))
        >>> sorted(data), data["W1"].tolist(), str(data["activation"])
        (['W1', 'activation'], [[1.0, 0.0], [0.0, 1.0]], 'relu')
    """
    with zipfile.ZipFile(fh, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, arr in arrays.items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(arr), allow_pickle=False)


#: How to write a network file, appended to what :func:`load_network` refuses.
_NETWORK_HOW = "write it with nnpartition.network.save_network(net, path)"


def _file_array(data: Mapping[str, Any], key: str, where: str, *, ndim: Optional[int] = None) -> NDArray[Any]:
    """The array ``key`` of a network file's ``data``, of real numbers, all finite (and of ``ndim`` dimensions when
    given), or a ``ValueError`` starting with ``where`` (the file) that names the array: a string array was "could not
    convert string to float", a complex one lost its imaginary part with a ``ComplexWarning``, a date one was read as
    seconds, and a NaN was "W1 contains NaN or infinity", naming no file."""
    a = np.asarray(data[key])
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{where}: array {key!r} must hold real numbers, got dtype {a.dtype}; {_NETWORK_HOW}")
    if ndim is not None and a.ndim != ndim:
        kind = {1: "a vector", 2: "a matrix"}[ndim]
        raise ValueError(f"{where}: array {key!r} must be {kind} ({ndim}-D), got shape {a.shape}; {_NETWORK_HOW}")
    if not np.isfinite(a).all():
        raise ValueError(f"{where}: array {key!r} contains NaN or infinity")
    return a


def _one_value(data: Mapping[str, Any], key: str, where: str) -> float:
    """The one number array ``key`` holds (``b_out``, ``slope``): a bias of several entries was silently cut to its
    first, an empty one an ``IndexError``, a vector ``slope`` "only 0-dimensional arrays can be converted"."""
    a = _file_array(data, key, where)
    if a.size != 1:
        raise ValueError(f"{where}: array {key!r} must hold one number, got shape {a.shape}; {_NETWORK_HOW}")
    return float(a.reshape(-1)[0])


def _stored_activation(data: Mapping[str, Any], where: str) -> Tuple[str, float]:
    """The hidden units' activation and leaky slope a network file's arrays record: ReLU, and the default slope
    0.01, where it records none; a ``ValueError`` starting with ``where`` (the file) for any other value."""
    activation, slope = "relu", 0.01
    if "activation" in data:
        a = np.asarray(data["activation"])
        name = (str(a.reshape(-1)[0].decode("ascii", "replace") if a.dtype.kind == "S" else a.reshape(-1)[0])
                if a.dtype.kind in "US" and a.size == 1 else None)
        if name not in ACTIVATIONS:
            got = repr(name) if name is not None else f"an array of dtype {a.dtype} and shape {a.shape}"
            raise ValueError(f"{where}: array 'activation' must be one of {', '.join(ACTIVATIONS)}, got {got}")
        activation = str(name)
    if "slope" in data:
        slope = _one_value(data, "slope", where)
        if slope < 0:
            raise ValueError(f"{where}: array 'slope' (the leaky ReLU's negative slope) must be >= 0, got {slope}")
    return activation, slope


def load_network(path: str) -> "TwoLayerNet | DeepNet":
    """Read a network written by :func:`save_network`: a :class:`TwoLayerNet` for one hidden layer (a one-layer
    :class:`DeepNet` too), else a :class:`DeepNet`. A file with ``W1, b1, w2, b2`` (the :class:`TwoLayerNet` names)
    is read too, and ``w_out`` may be a column ``(width, 1)``. Any other file (missing, damaged, not an ``.npz``, a
    missing or stray layer array such as ``W3`` without ``W2``, an array of another name, which would be ignored, an
    array of the wrong shape or dtype, NaN or infinity, arrays passing ``max_bytes`` once read or as the
    network's float64 copies) is a ``ValueError`` of one sentence starting ``network file PATH:`` and naming the
    array. Arrays of Python objects are refused unread: loading them would run the pickled code they hold.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "two.npz")
        >>> np.savez(path, W1=np.eye(2), b1=np.zeros(2), w2=np.array([1.0, -1.0]), b2=np.array(0.5))
        >>> net = load_network(path)
        >>> type(net).__name__, net.decision_function([[3.0, 1.0]]).tolist()
        ('TwoLayerNet', [2.5])
        >>> np.savez(path, W1=np.eye(2), b1=np.zeros(2), w_out=np.ones(2), b_out=np.array([0.5, 1.0]))
        >>> load_network(path)
        Traceback (most recent call last):
        ...
        ValueError: network file .../two.npz: array 'b_out' must hold one number, got shape (2,); write it with ...
    """
    where = f"network file {path}"
    data = read_npz(file_path(path), "network file", _NETWORK_HOW)
    keys = set(data.keys())
    # a layer array the layers read do not reach changed the network silently (W3 after a missing W2 was dropped)
    n = hidden_layers(keys, where)
    if "w_out" in keys and "b_out" in keys:
        out_keys = ("w_out", "b_out")
    elif n == 1 and {"w2", "b2"} <= keys:
        out_keys = ("w2", "b2")
    else:
        raise ValueError(f"{where}: a network file holds W1, b1[, W2, b2, ...], w_out and b_out; found "
                         f"{sorted(keys)}; {_NETWORK_HOW}")
    if n == 0:
        raise ValueError(f"{where}: no hidden layer (arrays W1 and b1) found; found {sorted(keys)}")
    # an array the network does not read was ignored without a word: an input scaling a file of another tool holds
    # beside its layers, or the w2, b2 of a file that also holds w_out, b_out, would have changed what it computes
    known = {f"{wb}{i}" for i in range(1, n + 1) for wb in "Wb"} | set(out_keys) | {"activation", "slope"}
    refuse_unread(keys, known, where, "a network file holds W1, b1[, W2, b2, ...], w_out, b_out and optionally "
                  f"activation and slope (or W1, b1, w2, b2), nothing else; {_NETWORK_HOW}")
    layers = []
    width: Optional[int] = None
    for i in range(1, n + 1):
        W = _file_array(data, f"W{i}", where, ndim=2)
        b = _file_array(data, f"b{i}", where, ndim=1)
        if width is not None and W.shape[0] != width:
            raise ValueError(f"{where}: array 'W{i}' must have {width} rows, the width of the layer before, got "
                             f"shape {W.shape}")
        if min(W.shape) == 0 or b.shape[0] != W.shape[1]:
            raise ValueError(f"{where}: arrays 'W{i}' and 'b{i}' must have shapes (fan_in, width) and (width,), "
                             f"neither 0, got {W.shape} and {b.shape}")
        layers.append((W, b))
        width = W.shape[1]
    w_out = _file_array(data, out_keys[0], where)
    if w_out.size != width or np.squeeze(w_out).ndim > 1:
        raise ValueError(f"{where}: array {out_keys[0]!r} must have shape ({width},) (the last hidden width), got "
                         f"{w_out.shape}")
    b_out = _one_value(data, out_keys[1], where)
    activation, slope = _stored_activation(data, where)
    # the network's float64 copies are made before its own checks: sized first
    check_float64_copies([*(x for layer in layers for x in layer), w_out], where)
    try:
        return _stack(layers, w_out.reshape(-1), b_out, activation, slope)
    except ValueError as exc:   # the network's own checks (its arrays against max_bytes as float64)
        raise ValueError(f"{where}: {exc}") from None
