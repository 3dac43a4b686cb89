"""Real training accuracy: the Rust trainer and the reference protocol.

:func:`train` fits networks with one logit output to ``(X, y)`` (several
activations, losses, optimisers, minibatches, frozen output layer, deeper
stacks). :func:`real_accuracy` runs the reference protocol of
``docs/training.md`` on fresh random datasets: ``d -> L ReLU -> 1``,
PyTorch's default initialisation with a zero output bias, mean BCE,
full-batch Adam at lr 0.02 cosine-annealed to 2e-4 over 4000 steps, accuracy
read every 20 steps and at the last, best over the run, best over restarts,
mean and std over datasets.

Every ``(dataset, restart)`` pair has its own random stream derived from the
seed, so results are identical whatever the number of threads.

Four parts: the training :class:`Protocol` and its checks (:mod:`.protocol`), the general trainer
(:mod:`.trainer`: :func:`train`, :class:`TrainResult`), the real accuracy under a protocol (:mod:`.accuracy`:
:func:`real_accuracy`, :class:`AccuracyMeasurement`) and the checks they share and their callers run first
(:mod:`.checks`: the data, the widths, the snapshots' memory, the work of several runs together).
"""

from .accuracy import AccuracyMeasurement, real_accuracy
from .protocol import Protocol
from .trainer import TrainResult, train
# the module's other names of before the split (constants, and the helpers other modules and tests import from here;
# a monkeypatch of the package reaches callers outside it that import at call time, not the package's own modules,
# which import from the defining one: patch a constant such as MAX_SNAPSHOT_VALUES in .checks)
from .accuracy import _DIVERGED_RUNS as _DIVERGED_RUNS
from .checks import MAX_ACTIVATIONS as MAX_ACTIVATIONS, MAX_SNAPSHOT_VALUES as MAX_SNAPSHOT_VALUES
# the limits the command line's help states (each check's own constant)
from .accuracy import MAX_DATASETS as MAX_DATASETS, MAX_DIMENSION as MAX_DIMENSION, MAX_POINTS as MAX_POINTS
from .checks import MAX_WIDTH as MAX_WIDTH, TRAIN_MAX_STEPS as TRAIN_MAX_STEPS
from .protocol import MAX_BATCH_SIZE as MAX_BATCH_SIZE, MAX_LR as MAX_LR, MAX_RESTARTS as MAX_RESTARTS
from .protocol import PROTOCOL_MAX_STEPS as PROTOCOL_MAX_STEPS
from .checks import _check_default_runs as _check_default_runs, _check_total_work as _check_total_work
from .checks import _labels_and_features as _labels_and_features, _snapshot_every as _snapshot_every
from .checks import _widths_arg as _widths_arg
from .protocol import RECORD_EVERY as RECORD_EVERY, _OPTIMIZERS as _OPTIMIZERS, _SCHEDULES as _SCHEDULES
from .protocol import _F as _F, _PROTOCOL_SETS as _PROTOCOL_SETS, _not_a_protocol as _not_a_protocol
from .protocol import _protocol_arg as _protocol_arg, _set as _set
from .protocol import _refuses_settings_beside_protocol as _refuses_settings_beside_protocol
from .trainer import NetT as NetT, _F32_MAX as _F32_MAX, _LOSSES as _LOSSES, _snapshot_fields as _snapshot_fields

__all__ = ["train", "TrainResult", "real_accuracy", "AccuracyMeasurement", "Protocol"]
