"""The layer files commands read (``--weights``): :func:`load_layers` turns every way an ``.npz`` can be wrong into one
sentence."""

from __future__ import annotations

from typing import Any, List, Tuple

import numpy as np
from numpy.typing import NDArray

from .._files import check_float64_copies, hidden_layers, read_npz, refuse_unread, stray_layers
from .common import UsageError, check_input_file

__all__ = ["load_layer", "load_layers"]


#: What a layer file is told to hold, and how to write one.
_LAYER_HOW = "save them with numpy.savez(path, W=W, b=b)"


def _real(data: Any, key: str, path: str, option: str) -> NDArray[np.float64]:
    a = np.asarray(data[key])
    if a.dtype.kind not in "biuf":   # strings, objects, complex: "could not convert string to float" named nothing
        raise UsageError(f"{option} {path}: array {key!r} must hold real numbers, got dtype {a.dtype}: {_LAYER_HOW}")
    out = np.asarray(a, dtype=np.float64)
    if not np.all(np.isfinite(out)):   # was "W contains NaN or infinity", naming neither the option nor the file
        raise UsageError(f"{option} {path}: array {key!r} contains NaN or infinity")
    return out


def _check_copies(data: Any, keys: List[str], path: str, option: str) -> None:
    """:func:`check_float64_copies` of the arrays ``keys``, a :class:`UsageError` naming ``option``."""
    try:
        check_float64_copies([data[k] for k in keys if k in data], f"{option} {path}")
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _layer_shape(W: NDArray[np.float64], b: NDArray[np.float64], wkey: str, bkey: str, path: str,
                 option: str) -> None:
    """Refuse a weight matrix that does not read ``x @ W + b``, naming PyTorch's transposed layout when it is one
    (``weight`` of shape ``(L, d)`` saved as ``W`` was "b must have length 2, got 30")."""
    if W.ndim != 2 or b.ndim != 1:
        raise UsageError(f"{option} {path}: {wkey!r} must be a matrix (d, L) and {bkey!r} a vector (L,), got shapes "
                         f"{W.shape} and {b.shape}")
    L = b.shape[0]
    if W.shape[1] != L:
        if W.shape[0] == L:
            raise UsageError(f"{option} {path}: {wkey!r} must have shape (d, L) = (d, {L}) for x @ W + b, got "
                             f"{W.shape}; this looks like PyTorch's (L, d) layout: transpose it (save {wkey}.T), or "
                             f"save it as 'weight' with 'bias', which are read in PyTorch's layout")
        raise UsageError(f"{option} {path}: {wkey!r} must have shape (d, L) with L = {L} (the length of {bkey!r}), "
                         f"got {W.shape}")


def _one_layer_only(keys: List[str], pair: str, path: str, option: str) -> None:
    """Refuse a one-layer file (``pair``: ``'W' and 'b'``, or ``'weight' and 'bias'``) that also holds numbered layer
    arrays (``W2, b2``, a ``b1``): they were left out of the count without a word, the first layer's regions counted
    as the file's. A ``b2`` beside a ``w2`` is the output bias of the names ``W1, b1, w2, b2``, which no count reads."""
    stray = [k for k in stray_layers(keys, 0) if k != "b2" or "w2" not in keys]
    if stray:
        raise UsageError(f"{option} {path}: {', '.join(stray)} would be ignored: a file of one layer holds {pair}, one "
                         f"of several W1, b1, W2, b2, ... without a gap, each W with its b; found {sorted(keys)}")


#: The arrays a layer file may hold beside its layers, which no count reads: a network's output layer (as
#: :func:`nnpartition.network.save_network` writes it, or the ``w2, b2`` of ``W1, b1, w2, b2`` and of ``W, b, w2, b2``)
#: and its units' activation and slope (which ``--save-regions`` reads).
_BESIDE = ("w_out", "b_out", "activation", "slope")


def _refuse_unread(keys: List[str], read: List[str], path: str, option: str) -> None:
    """Refuse a file holding an array that neither the layers ``read`` nor :data:`_BESIDE` name (a misspelt ``W2``
    was ignored without a word, the network counted without that layer): :func:`nnpartition._files.refuse_unread`,
    as :func:`nnpartition.network.load_network` refuses one, a :class:`UsageError` naming ``option``."""
    try:
        refuse_unread(keys, [*read, *_BESIDE], f"{option} {path}",
                      "a layer file holds W and b (or PyTorch's weight and bias), or W1, b1, W2, b2, ..., and "
                      "optionally an output layer (w_out, b_out; or w2, b2 beside one hidden layer), activation and "
                      f"slope, nothing else; found {sorted(keys)}")
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def load_layers(path: str, option: str = "--weights") -> List[Tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """The hidden layers ``[(W, b), ...]`` (``x @ W + b``, ``W`` of shape ``(d, L)``) of an ``.npz``: ``W`` and ``b``
    (one layer); ``W1, b1, W2, b2, ...`` (as :func:`nnpartition.network.save_network` writes them, output layer
    aside); or PyTorch's ``weight`` (shape ``(L, d)``, transposed here) and ``bias``, one ``nn.Linear``'s
    ``state_dict``. A one-layer file that also holds numbered layer arrays (``W, b, W2, b2``), or a file of several
    that also holds a one-layer pair (``W1, b1, W, b``), is refused: what one reading leaves out would be ignored.
    So is a file with any other array beside its layers than an output layer (``w_out, b_out``; ``w2, b2`` beside
    one hidden layer), ``activation`` and ``slope``: a misspelt ``W2`` would be ignored.

    Any other file (missing, a directory, truncated, a ``.npy``, text, a transposed ``W``, NaN or infinity, ...)
    is a :class:`UsageError` with one sentence that names the file and the fix.
    """
    check_input_file(path, option)
    try:
        data = read_npz(path, option, _LAYER_HOW)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    keys = list(data)
    names: List[Tuple[str, str]] = []
    if "W1" in data and "b1" in data:
        try:
            n = hidden_layers(keys, f"{option} {path}")
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        single = [k for k in ("W", "w", "b", "weight", "bias") if k in data]   # a one-layer file's names
        if single:
            raise UsageError(f"{option} {path}: {', '.join(single)} would be ignored: a file of several layers holds "
                             f"W1, b1, W2, b2, ..., one of one layer W and b (or PyTorch's weight and bias), not both; "
                             f"found {sorted(keys)}")
        names = [(f"W{i}", f"b{i}") for i in range(1, n + 1)]
        _refuse_unread(keys, [k for pair in names for k in pair] + (["w2", "b2"] if n == 1 else []), path, option)
    else:
        found = next((k for k in ("W", "w") if k in data), None)
        if found is None or "b" not in data:
            if "weight" in data and "bias" in data:   # PyTorch: out_features x in_features
                _one_layer_only(keys, "'weight' and 'bias'", path, option)
                _refuse_unread(keys, ["weight", "bias", "w2", "b2"], path, option)
                _check_copies(data, ["weight", "bias"], path, option)
                W, b = _real(data, "weight", path, option), _real(data, "bias", path, option)
                if W.ndim == 2 and b.ndim == 1 and W.shape[0] != b.shape[0] and W.shape[1] == b.shape[0]:
                    raise UsageError(f"{option} {path}: 'weight' is read in PyTorch's layout (L, d) = ({b.shape[0]}, "
                                     f"d), got {W.shape}, which looks like (d, L): save it as 'W', or transpose it")
                _layer_shape(W.T, b, "weight.T", "bias", path, option)
                return [(np.ascontiguousarray(W.T), b)]
            raise UsageError(f"{option} {path}: must hold arrays 'W' (shape (d, L)) and 'b' (shape (L,)), "
                             f"found {keys}: {_LAYER_HOW}")
        _one_layer_only(keys, f"{found!r} and 'b'", path, option)
        _refuse_unread(keys, [found, "b", "w2", "b2"], path, option)
        names = [(found, "b")]
    _check_copies(data, [k for pair in names for k in pair], path, option)
    layers: List[Tuple[NDArray[np.float64], NDArray[np.float64]]] = []
    for wkey, bkey in names:
        W, b = _real(data, wkey, path, option), _real(data, bkey, path, option)
        _layer_shape(W, b, wkey, bkey, path, option)
        if layers and W.shape[0] != layers[-1][1].shape[0]:
            raise UsageError(f"{option} {path}: {wkey!r} must have {layers[-1][1].shape[0]} rows, the width of the "
                             f"layer before, got shape {W.shape}")
        layers.append((W, b))
    return layers


def load_layer(path: str, option: str = "--weights") -> Tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The first hidden layer ``(W, b)`` of :func:`load_layers`."""
    return load_layers(path, option)[0]
