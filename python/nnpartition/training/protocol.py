"""The training :class:`Protocol` (what :func:`~nnpartition.real_accuracy` runs and
:func:`~nnpartition.estimate_accuracy` predicts) and its checks: the refusal of a ``protocol=`` that is no
:class:`Protocol`, and of :func:`~nnpartition.train`'s settings given beside one.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Mapping as AbstractMapping
from dataclasses import dataclass, fields as dataclass_fields, replace
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, TypeVar, cast

from .. import _core
from .. import _validate as v

_OPTIMIZERS = _core.CHOICES["optimizer"]
_SCHEDULES = _core.CHOICES["schedule"]
#: Steps between two recorded accuracies (and losses).
RECORD_EVERY = 20
#: A protocol's largest ``lr`` (also :func:`~nnpartition.train`'s): above it float32 training overflows at once.
MAX_LR = 1e6
#: A protocol's largest ``steps`` (:func:`~nnpartition.train` alone takes up to ``checks.TRAIN_MAX_STEPS``).
PROTOCOL_MAX_STEPS = 10**9
#: A protocol's largest ``batch_size``.
MAX_BATCH_SIZE = 2**32
#: A protocol's largest ``restarts`` (also :func:`~nnpartition.train`'s).
MAX_RESTARTS = 2**20
_set = object.__setattr__


@dataclass(frozen=True)
class Protocol:
    """A training run, as :func:`real_accuracy` performs it and :func:`estimate_accuracy` predicts it.

    A ``d -> widths -> 1`` ReLU network with one logit, every layer initialised
    as PyTorch's ``nn.Linear`` default (weights and hidden biases
    ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``), output bias 0, mean binary
    cross-entropy. Accuracy is read on all ``N`` points at every 20th step and
    at the last step; the best value counts, and the best of ``restarts``
    independent runs.

    Attributes:
        optimizer: ``"adam"`` (PyTorch defaults) or ``"sgd"`` (momentum 0.9, PyTorch semantics).
        lr: starting learning rate, > 0 and <= :data:`MAX_LR` (1e6).
        steps: optimiser steps, >= 1.
        batch_size: ``None`` for full batch; otherwise minibatches of this size
            from a fresh permutation every epoch, the incomplete last batch dropped
            (a batch of ``N`` points or more is the full batch, one per epoch, and
            the estimate reads it as full batch too).
        schedule: ``"cosine"`` (from ``lr`` to ``lr / 100`` over ``steps``) or ``"constant"``.
        restarts: independent runs per dataset; the best counts.

    ``Protocol()`` is the reference protocol (full-batch Adam, lr 0.02 cosine,
    4000 steps, best of 2 restarts), also :meth:`Protocol.reference`.

    Example:
        >>> Protocol() == Protocol.reference()
        True
        >>> p = Protocol(optimizer="sgd", lr=0.1, steps=1000, batch_size=64)
        >>> p
        Protocol(optimizer='sgd', lr=0.1, steps=1000, batch_size=64, schedule='cosine', restarts=2)
        >>> p.summed_lr      # sum of the learning rates over the run (cosine: about (1 + 1/100) / 2 lr steps)
        50.5495
    """

    optimizer: str = "adam"
    lr: float = 0.02
    steps: int = 4000
    batch_size: Optional[int] = None
    schedule: str = "cosine"
    restarts: int = 2

    def __init__(self, optimizer: str = "adam", lr: float = 0.02, steps: int = 4000, batch_size: Optional[int] = None,
                 schedule: str = "cosine", restarts: int = 2) -> None:
        # Written out rather than generated (the dataclass keeps it; the same defaults as the fields, which a test
        # checks): one dict for the six fields instead of six frozen setattrs, so that a protocol built in each
        # estimate_accuracy call costs well under a microsecond when its values are already canonical.
        if not (type(optimizer) is str and optimizer in _OPTIMIZERS and type(lr) is float and 0.0 < lr <= MAX_LR
                and type(steps) is int and 1 <= steps <= PROTOCOL_MAX_STEPS
                and (batch_size is None or (type(batch_size) is int and 1 <= batch_size <= MAX_BATCH_SIZE))
                and type(schedule) is str and schedule in _SCHEDULES and type(restarts) is int
                and 1 <= restarts <= MAX_RESTARTS):
            optimizer = v.choice("optimizer", optimizer, _OPTIMIZERS)
            lr = v.real("lr", lr, minimum=0.0, open_min=True, maximum=MAX_LR)
            steps = v.size("steps", steps, minimum=1, maximum=PROTOCOL_MAX_STEPS)
            if batch_size is not None:
                batch_size = v.size("batch_size", batch_size, minimum=1, maximum=MAX_BATCH_SIZE)
            schedule = v.choice("schedule", schedule, _SCHEDULES)
            restarts = v.size("restarts", restarts, minimum=1, maximum=MAX_RESTARTS)
        _set(self, "__dict__", {"optimizer": optimizer, "lr": lr, "steps": steps, "batch_size": batch_size,
                                "schedule": schedule, "restarts": restarts})

    @classmethod
    def reference(cls) -> "Protocol":
        """The reference protocol: full-batch Adam, lr 0.02 cosine to 2e-4, 4000 steps, best of 2 restarts."""
        return cls()

    @property
    def summed_lr(self) -> float:
        """The sum of the learning rates of all steps (cosine: ``lr (1 + 1/100) / 2`` per step on average)."""
        return float(_core.summed_lr(self.lr, self.steps, self.schedule))

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict of the fields."""
        return {"optimizer": self.optimizer, "lr": self.lr, "steps": self.steps, "batch_size": self.batch_size,
                "schedule": self.schedule, "restarts": self.restarts}

    def describe(self) -> str:
        """One short line, e.g. ``adam lr=0.02 cosine, 4000 steps, full batch, best of 2``."""
        return self._line("full batch" if self.batch_size is None else f"batch {self.batch_size}")

    def _line(self, batch: str) -> str:
        """:meth:`describe`'s line with ``batch`` for its batch (the command line's ``describe_protocol``)."""
        return f"{self.optimizer} lr={self.lr:g} {self.schedule}, {self.steps} steps, {batch}, best of {self.restarts}"


def _not_a_protocol(protocol: Any) -> TypeError:
    """The refusal of a ``protocol=`` that is no :class:`Protocol`, saying how to make one from what was given (the
    class itself, ``Protocol.reference`` uncalled and a dict of its fields said only "got type", "got method", "got
    dict").

    Example:
        >>> str(_not_a_protocol(Protocol.reference))
        'protocol must be an nnpartition.Protocol, got the method Protocol.reference; call it: Protocol.reference()'
    """
    if protocol is Protocol or (isinstance(protocol, type) and issubclass(protocol, Protocol)):
        hint = f"the class {protocol.__name__} itself; make one: {protocol.__name__}() or {protocol.__name__}(lr=...)"
    elif callable(protocol) and isinstance(owner := getattr(protocol, "__self__", None), type) \
            and issubclass(owner, Protocol):
        name = f"{owner.__name__}.{getattr(protocol, '__name__', 'reference')}"
        hint = f"the method {name}; call it: {name}()"
    elif isinstance(protocol, AbstractMapping):
        hint = f"{type(protocol).__name__}; make one from its fields: nnpartition.Protocol(**protocol)"
    else:
        hint = type(protocol).__name__
    return TypeError(f"protocol must be an nnpartition.Protocol, got {hint}")


def _protocol_arg(protocol: Any, restarts: Any) -> Protocol:
    """The protocol a call with ``protocol=`` and ``restarts=`` (``None``: not given) trains: ``restarts`` sets the
    reference protocol's when no protocol is given, and is refused beside one, as :func:`train` refuses it
    (:func:`_both_given`), whatever its value.

    Example:
        >>> _protocol_arg(None, 3).restarts
        3
        >>> _protocol_arg(Protocol(restarts=1), None).restarts
        1
        >>> _protocol_arg(Protocol(restarts=1), 3)
        Traceback (most recent call last):
        ...
        ValueError: give either protocol= or restarts=, not both: the protocol sets it (...restarts=...))
    """
    if protocol is None:
        return Protocol() if restarts is None else replace(Protocol(), restarts=restarts)
    if not isinstance(protocol, Protocol):
        raise _not_a_protocol(protocol)
    if restarts is not None:
        raise _both_given(protocol, ["restarts"])
    return protocol


def _both_given(protocol: Protocol, clash: Sequence[str]) -> ValueError:
    """The refusal of the settings ``clash`` given beside ``protocol=``, in the same words from every call that takes
    both (:func:`train`, :func:`real_accuracy`, :func:`~nnpartition.validate`)."""
    fields = [k for k in clash if k in protocol.to_dict()]
    it = "it" if len(clash) == 1 else "them"
    how = (f"change {it} in the protocol (dataclasses.replace(protocol, {fields[0]}=...))" if fields
           else f"train without protocol= to change {it}")
    return ValueError(f"give either protocol= or {', '.join(k + '=' for k in clash)}, not both: the protocol sets "
                      f"{it} ({protocol.describe()}; Adam with PyTorch's defaults or SGD with momentum 0.9, ReLU and "
                      f"mean BCE); {how}")


#: What a :class:`Protocol` sets in :func:`train`: none of them may be given beside ``protocol=``.
_PROTOCOL_SETS = ("optimizer", "lr", "lr_min", "momentum", "betas", "eps", "steps", "schedule", "batch_size",
                  "restarts", "activation", "loss", "fixed_output", "output_scale")

_F = TypeVar("_F", bound=Callable[..., Any])


def _refuses_settings_beside_protocol(f: _F) -> _F:
    """:func:`train` as given, refusing any argument of ``_PROTOCOL_SETS`` passed beside ``protocol=``, whatever its
    value (the function itself cannot tell ``lr=0.02`` given from the default)."""
    @functools.wraps(f)
    def checked(*args: Any, **kwargs: Any) -> Any:
        protocol = kwargs.get("protocol")
        if protocol is not None:
            if not isinstance(protocol, Protocol):
                raise _not_a_protocol(protocol)
            clash = [k for k in _PROTOCOL_SETS if k in kwargs]
            if clash:
                raise _both_given(protocol, clash)
        return f(*args, **kwargs)

    return cast(_F, checked)


#: The fields of a :class:`Protocol`, in its order.
_FIELDS = tuple(field.name for field in dataclass_fields(Protocol))


def _unexpected_keywords(f: Callable[..., Any], unknown: Mapping[str, Any], protocol: Any) -> TypeError:
    """The refusal of keywords ``unknown`` that ``f`` (which takes ``protocol=``) does not take. A protocol's settings
    (``lr=0.1``: a user who has read :func:`train` gives them so; Python said only "got an unexpected keyword
    argument 'lr'") are pointed to the ``Protocol(...)`` that takes them, all at once; any other keyword keeps
    Python's words, with the closest name ``f`` or a protocol takes if one is close.

    Example:
        >>> def f(d, *, protocol=None): ...
        >>> str(_unexpected_keywords(f, {"steps": 100, "lr": 0.1}, None))
        "f() got unexpected keyword arguments 'steps', 'lr': ... protocol=nnpartition.Protocol(lr=0.1, steps=100)"
        >>> str(_unexpected_keywords(f, {"dd": 3}, None))
        "f() got an unexpected keyword argument 'dd'; did you mean 'd'?"
    """
    code = f.__code__
    params = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    fields = [k for k in _FIELDS if k not in params]
    names = list(unknown)
    other = [k for k in names if k not in fields]
    if other:
        msg = f"{f.__name__}() got an unexpected keyword argument {other[0]!r}"
        close = difflib.get_close_matches(other[0], [*params, *fields], n=1)
        if not close:
            return TypeError(msg)
        if close[0] in fields:
            return TypeError(f"{msg}; did you mean {close[0]!r}? (a setting of the training protocol: "
                             f"protocol=nnpartition.Protocol({close[0]}=...))")
        return TypeError(f"{msg}; did you mean {close[0]!r}?")
    given = ", ".join(f"{k}={_short(unknown[k])}" for k in _FIELDS if k in unknown)
    where = (f"protocol=dataclasses.replace(protocol, {given})" if isinstance(protocol, Protocol)
             else f"protocol=nnpartition.Protocol({given})")
    what = (f"an unexpected keyword argument {names[0]!r}" if len(names) == 1
            else f"unexpected keyword arguments {', '.join(repr(k) for k in names)}")
    return TypeError(f"{f.__name__}() got {what}: the training protocol's settings go in {where}")


def _short(value: Any) -> str:
    """``repr(value)``, or ``...`` for a long one (an array given as ``lr=``)."""
    r = repr(value)
    return r if len(r) <= 40 else "..."


def _settings_go_in_protocol(f: _F) -> _F:
    """``f`` (a function that takes ``protocol=`` but not the protocol's settings) as given, except that a call with a
    keyword it does not take is refused by :func:`_unexpected_keywords`: ``lr=0.1`` points to
    ``protocol=nnpartition.Protocol(lr=0.1)``. Only the error path does anything: a call Python binds costs the
    wrapper's call, 0.15-0.3 µs (``estimate_accuracy``, whose scalar call is a few microseconds, checks its own
    ``**settings`` instead: :func:`_settings_checked_inside`). The signature (``inspect.signature``), defaults and
    keyword defaults are ``f``'s. A warning ``f`` gives names its caller with one more ``stacklevel``: the wrapper is
    a frame."""
    code = f.__code__
    assert not code.co_flags & inspect.CO_VARKEYWORDS, f"{f.__name__} takes **kwargs: no keyword is unexpected"
    params = frozenset(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])

    def checked(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except TypeError:
            # a keyword f does not take: the binding failed, so this is Python's refusal of it, not f's own
            unknown = {k: value for k, value in kwargs.items() if k not in params}
            if not unknown:
                raise
            raise _unexpected_keywords(f, unknown, kwargs.get("protocol")) from None

    # f's defaults too (users and tests read required_width.__kwdefaults__["max_width"]): the wrapper has no
    # parameter they could fill
    return cast(_F, functools.update_wrapper(checked, f, (*functools.WRAPPER_ASSIGNMENTS, "__defaults__",
                                                          "__kwdefaults__")))


def _settings_checked_inside(f: _F) -> _F:
    """``f`` itself, its signature shown without its last parameter, ``**settings``, which ``f`` takes only to refuse
    (``if settings: raise _unexpected_keywords(f, settings, protocol)``): what :func:`_settings_go_in_protocol` does,
    without its wrapper's call on the path of a call that is fine (0.03 µs instead of 0.15-0.3). For a function whose
    overloads type its calls (mypy reads them, not the ``**settings`` of the implementation)."""
    sig = inspect.signature(f)
    *params, last = sig.parameters.values()
    assert last.kind is inspect.Parameter.VAR_KEYWORD, f"{f.__name__} has no **settings"
    f.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    return f
