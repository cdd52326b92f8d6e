"""Save and load fitted skscore estimators without pickle.

``save(estimator, path)`` writes one `safetensors <https://huggingface.co/docs/safetensors>`_
file: every tensor and numeric array (the torch module's ``state_dict``, fitted arrays such as
``mean_`` or ``chain_starts_``) is stored as raw little-endian data, and everything else (the
class name, constructor parameters, fitted scalars, strings and tuples, the keyword arguments
that rebuild the torch module, the training history) as JSON in the file's header.
``load(path)`` reads it back: the predictions of the loaded estimator are bit for bit those of
the saved one.

Unlike ``pickle`` (and ``joblib``, ``torch.load(weights_only=False)``), loading runs no code
from the file: the JSON names a class, which must be one of skscore's estimators; nested
objects are limited to a few known scikit-learn classes (the probes' default classifier), torch
optimizers and :func:`skscore.probes.make_mlp`; the torch module is rebuilt by the estimator
itself and must match the stored weights name for name, shape for shape and dtype for dtype;
every tensor of the file must be used exactly once; unknown keys are refused.

Not saved: the optimizer's state (e.g. Adam's moments), the state of the training's random
generators, user ``callbacks`` and any other parameter that JSON cannot describe
(``lr_schedule`` given as a skorch ``LRScheduler``, a ``RandomState`` instance as
``random_state``, an optimizer class from outside ``torch.optim``). ``save`` warns about each
and stores the parameter's default instead. ``partial_fit`` after ``load`` continues from the
saved weights with a fresh optimizer and, since the held-out rows of ``early_stopping`` are not
saved either, without a validation loss. A :class:`~skscore.LinearProbeTransformer` is saved when
its model is rebuilt by skscore (``model=None`` or :func:`skscore.probes.make_mlp`) and its
probes are scikit-learn's ``LogisticRegression`` (optionally after a ``StandardScaler`` in a
``Pipeline``); other models and probes raise a TypeError.
"""

import functools
import json
import math
import re
import threading
import warnings
from contextlib import contextmanager

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skorch.history import History

from skscore._core.base import BaseNeuralEstimator, resolve_device
from skscore._core.training import OPTIMIZERS
from skscore.probes import make_mlp
from skscore.probes._transformer import LinearProbeTransformer, default_model, resolve_module

__all__ = ["load", "save"]

#: Key of the JSON document in the safetensors header, and the format's version.
METADATA_KEY = "skscore"
FORMAT_VERSION = 1

#: Numpy dtypes stored as tensors (others, and object/str arrays, are stored as JSON lists).
_TENSOR_DTYPES = {
    np.dtype(name)
    for name in ("bool", "int8", "uint8", "int16", "int32", "int64", "float16", "float32")
} | {np.dtype("float64")}
_SCALAR_DTYPES = {dtype.name: dtype for dtype in _TENSOR_DTYPES}
_STR_DTYPE = re.compile(r"^[<>|=]?U[0-9]{1,6}$")
_ATTRIBUTE_NAME = re.compile(r"^_?[A-Za-z][A-Za-z0-9_]*$")

#: Classes and functions a file may name (by these keys) besides the estimators.
_REFERENCES = {
    **{f"torch.optim.{cls.__name__}": cls for cls in OPTIMIZERS.values()},
    "skscore.probes.make_mlp": make_mlp,
}
_SKLEARN_CLASSES = {
    "sklearn.linear_model.LogisticRegression": LogisticRegression,
    "sklearn.preprocessing.StandardScaler": StandardScaler,
    "sklearn.pipeline.Pipeline": Pipeline,
}
#: Keys of each tagged JSON node.
_SCHEMAS = {
    "__float__": {"__float__"},
    "__scalar__": {"__scalar__", "value"},
    "__ndarray__": {"__ndarray__", "transposed"},
    "__ndarray_list__": {"__ndarray_list__", "dtype", "shape"},
    "__tensor__": {"__tensor__"},
    "__tuple__": {"__tuple__"},
    "__dict__": {"__dict__"},
    "__ref__": {"__ref__"},
    "__partial__": {"__partial__", "kwargs"},
    "__sklearn__": {"__sklearn__", "params", "state"},
}
_TOP_KEYS = {"format_version", "skscore_version", "class", "params", "state", "net", "model"}
_NET_KEYS = {"module", "criterion", "module_params", "criterion_params", "seeds", "weights"}
_NET_KEYS |= {"history"}
_MODEL_KEYS = {"factory", "dtype", "weights"}
#: Largest module argument (an int) allowed beyond the number of stored weights.
_SIZE_SLACK = 1024


def _estimator_classes():
    """The classes a file may hold: skscore's public estimators (read at call time, so that
    every estimator exported by :mod:`skscore` is covered)."""
    import skscore

    classes = (getattr(skscore, name) for name in skscore.__all__)
    return {
        cls.__name__: cls
        for cls in classes
        if isinstance(cls, type) and issubclass(cls, (BaseNeuralEstimator, LinearProbeTransformer))
    }


def _reference_name(value):
    for name, obj in _REFERENCES.items():
        if value is obj:
            return name
    return None


# -- writing ---------------------------------------------------------------------------------
class _Writer:
    """Turns values into JSON nodes, collecting tensors under generated keys."""

    def __init__(self):
        self.tensors = {}

    def add_tensor(self, tensor):
        key = f"t{len(self.tensors)}"
        # a copy: safetensors refuses tensors that share memory (e.g. mean_ and the
        # module's mean argument are one array)
        self.tensors[key] = tensor.detach().to("cpu", copy=True).contiguous()
        return key

    def encode(self, value, where):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return value if math.isfinite(value) else {"__float__": repr(value)}
        if isinstance(value, np.generic) and value.dtype in _TENSOR_DTYPES:
            return {"__scalar__": value.dtype.name, "value": self.encode(value.item(), where)}
        if isinstance(value, np.ndarray):
            return self._encode_array(value, where)
        if isinstance(value, torch.Tensor):
            return {"__tensor__": self.add_tensor(value)}
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v, where) for v in value]}
        if isinstance(value, list):
            return [self.encode(v, where) for v in value]
        if isinstance(value, dict):
            if not all(isinstance(k, str) for k in value):
                raise TypeError(f"{where}: a dict with keys other than str cannot be saved")
            return {"__dict__": {k: self.encode(v, f"{where}[{k!r}]") for k, v in value.items()}}
        if _reference_name(value) is not None:
            return {"__ref__": _reference_name(value)}
        if (
            isinstance(value, functools.partial)
            and _reference_name(value.func) is not None
            and not value.args
        ):
            return {
                "__partial__": _reference_name(value.func),
                "kwargs": self.encode(dict(value.keywords), where),
            }
        for name, cls in _SKLEARN_CLASSES.items():
            if type(value) is cls:
                params = value.get_params(deep=False)
                state = {k: v for k, v in vars(value).items() if k not in params}
                return {
                    "__sklearn__": name,
                    "params": self.encode(params, f"{where}.params"),
                    "state": self.encode(state, f"{where} (fitted)"),
                }
        raise TypeError(
            f"{where} is a {type(value).__module__}.{type(value).__qualname__}, which "
            "skscore.io cannot store without pickle"
        )

    def _encode_array(self, array, where):
        if array.dtype in _TENSOR_DTYPES or array.dtype.newbyteorder("=") in _TENSOR_DTYPES:
            array = array.astype(array.dtype.newbyteorder("="), copy=False)
            transposed = (
                array.ndim > 1 and array.flags.f_contiguous and not array.flags.c_contiguous
            )
            stored = np.ascontiguousarray(array.T if transposed else array)
            key = self.add_tensor(torch.from_numpy(stored))
            return {"__ndarray__": key, "transposed": transposed}
        if array.dtype.kind in "OU":
            items = array.ravel().tolist()
            if not all(v is None or isinstance(v, (bool, int, float, str)) for v in items):
                raise TypeError(f"{where}: an object array of non-scalar items cannot be saved")
            return {
                "__ndarray_list__": [self.encode(v, where) for v in items],
                "dtype": "object" if array.dtype.kind == "O" else array.dtype.str,
                "shape": list(array.shape),
            }
        raise TypeError(f"{where}: arrays of dtype {array.dtype} cannot be saved")


def _portable_params(estimator, writer):
    """Encoded constructor parameters; those JSON cannot describe are replaced by their
    default, with a warning (they only matter for training)."""
    defaults = type(estimator)().get_params(deep=False)
    encoded, dropped = {}, []
    for name, value in estimator.get_params(deep=False).items():
        if name == "callbacks" and value:
            dropped.append(name)
            value = defaults[name]
        try:
            encoded[name] = writer.encode(value, f"parameter {name!r}")
        except TypeError:
            if name in ("model", "probe"):
                raise TypeError(
                    f"cannot save a {type(estimator).__name__} whose {name} is "
                    f"{type(value).__name__}: only model=None or skscore.probes.make_mlp (a "
                    "network skscore rebuilds) and LogisticRegression probes (alone or after a "
                    "StandardScaler) are stored without pickle. Save the network's weights "
                    "yourself (safetensors.torch.save_file(model.state_dict(), path)), or "
                    "pickle the transformer if the file will only be loaded where it is "
                    "trusted."
                ) from None
            dropped.append(name)
            encoded[name] = writer.encode(defaults[name], name)
    if dropped:
        warnings.warn(
            f"skscore.io.save does not store {', '.join(map(repr, dropped))} (objects JSON "
            "cannot describe; they only matter for training): the loaded estimator has their "
            "defaults. Set them again before refitting.",
            UserWarning,
            stacklevel=3,
        )
    return encoded


def _history_rows(history):
    """The skorch history as plain rows; entries JSON cannot describe are left out."""
    writer, dropped = _Writer(), set()

    def plain(row):
        kept = {}
        for key, value in row.items():
            try:
                kept[key] = writer.encode(value, "history")
            except TypeError:
                dropped.add(key)
                continue
            if writer.tensors:  # tensors in the history: left out too
                writer.tensors.clear()
                dropped.add(key)
                del kept[key]
        return {"__dict__": kept}

    rows = []
    for row in history:
        row = dict(row)
        batches = row.pop("batches", None)
        row = plain(row)
        if batches is not None:
            row["__dict__"]["batches"] = [plain(batch) for batch in batches]
        rows.append(row)
    if dropped:
        warnings.warn(
            f"skscore.io.save leaves out history entries {sorted(dropped)}: their values "
            "cannot be stored without pickle",
            UserWarning,
            stacklevel=3,
        )
    return rows


def _encode_net(estimator, writer):
    net = estimator.net_
    return {
        "module": type(net.module_).__name__,
        "criterion": type(net.criterion_).__name__,
        "module_params": writer.encode(net.get_params_for("module"), "module argument"),
        "criterion_params": writer.encode(net.get_params_for("criterion"), "criterion argument"),
        "seeds": [
            int(net.get_params_for("module").get("seed", 0)),
            int(net.iterator_train__generator.initial_seed()),
            int(net.noise_seed),
            int(net.validation_seed),
        ],
        "weights": {k: writer.add_tensor(v) for k, v in net.module_.state_dict().items()},
        "history": _history_rows(net.history),
    }


def _encode_probe_model(estimator, writer):
    state_dict = estimator.model_.state_dict()
    floating = [t.dtype for t in state_dict.values() if t.is_floating_point()]
    return {
        "factory": writer.encode(estimator.model, "parameter 'model'"),
        "dtype": str(floating[0] if floating else torch.float32).replace("torch.", ""),
        "weights": {k: writer.add_tensor(v) for k, v in state_dict.items()},
    }


def save(estimator, path):
    """Save a skscore estimator to a safetensors file, without pickle.

    Tensors and numeric arrays are stored as raw data, everything else as JSON in the file's
    header (see :mod:`skscore.io`). :func:`load` gives back an estimator whose every method
    returns bit for bit what the saved one returns. Not saved: the optimizer's state, the
    random generators' state and user ``callbacks`` (a warning says which parameters were
    left out).

    Parameters
    ----------
    estimator : skscore estimator
        A fitted (or unfitted) skscore estimator: any subclass of the neural estimators'
        base, or a :class:`~skscore.LinearProbeTransformer` whose model is None or
        :func:`skscore.probes.make_mlp`.
    path : str or os.PathLike
        File to write (conventionally ``*.safetensors``); overwritten if it exists.

    Returns
    -------
    path : str or os.PathLike
        The path written.

    Raises
    ------
    TypeError
        If the estimator is not a skscore estimator, or holds objects that cannot be stored
        without pickle (a user's torch module as a probe model).

    See Also
    --------
    load : Read the file back.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skscore import DenoisingAEScoreEstimator
    >>> from skscore.datasets import make_spiral
    >>> from skscore.io import load, save
    >>> X = make_spiral(200, noise=0.01, random_state=0)
    >>> dae = DenoisingAEScoreEstimator(sigma=0.05, hidden_layer_sizes=(16,), max_epochs=2,
    ...                                 random_state=0).fit(X)
    >>> path = save(dae, os.path.join(tempfile.mkdtemp(), "dae.safetensors"))
    >>> loaded = load(path)
    >>> np.array_equal(loaded.grad_log_density(X), dae.grad_log_density(X))
    True

    The file is an ordinary safetensors file: its tensors and its JSON header can be read
    with the safetensors library alone.

    >>> from safetensors import safe_open
    >>> with safe_open(path, framework="np") as f:
    ...     header = f.metadata()["skscore"]
    >>> '"class": "DenoisingAEScoreEstimator"' in header
    True
    """
    classes = _estimator_classes()
    if classes.get(type(estimator).__name__) is not type(estimator):
        raise TypeError(
            f"skscore.io.save stores skscore estimators ({', '.join(sorted(classes))}), "
            f"got {type(estimator).__name__}"
        )
    writer = _Writer()
    params = _portable_params(estimator, writer)
    excluded = set(params) | {"net_", "model_"}
    state = {k: v for k, v in vars(estimator).items() if k not in excluded}
    document = {
        "format_version": FORMAT_VERSION,
        "skscore_version": _skscore_version(),
        "class": type(estimator).__name__,
        "params": {"__dict__": params},
        "state": writer.encode(state, "fitted attribute"),
    }
    if isinstance(estimator, BaseNeuralEstimator):
        document["net"] = _encode_net(estimator, writer) if hasattr(estimator, "net_") else None
    else:
        document["model"] = (
            _encode_probe_model(estimator, writer) if hasattr(estimator, "model_") else None
        )
    save_file(writer.tensors, path, metadata={METADATA_KEY: json.dumps(document)})
    return path


def _skscore_version():
    import skscore

    return skscore.__version__


# -- reading ---------------------------------------------------------------------------------
def _invalid(path, message):
    return ValueError(f"{path} is not a valid skscore file: {message}")


class _Reader:
    """Decodes JSON nodes, handing out each stored tensor at most once."""

    def __init__(self, handle, path):
        self.handle = handle
        self.path = path
        self.available = set(handle.keys())
        self.used = set()

    def invalid(self, message):
        return _invalid(self.path, message)

    def tensor(self, key, where):
        if not isinstance(key, str) or key not in self.available:
            raise self.invalid(f"{where} refers to a tensor {key!r} the file does not hold")
        if key in self.used:
            raise self.invalid(f"tensor {key!r} is used twice ({where})")
        self.used.add(key)
        return self.handle.get_tensor(key)

    def check_all_used(self):
        extra = sorted(self.available - self.used)
        if extra:
            raise self.invalid(f"it holds tensors no part of the estimator uses: {extra[:5]}")

    def keys(self, node, expected, where):
        if not isinstance(node, dict) or set(node) != set(expected):
            found = sorted(node) if isinstance(node, dict) else type(node).__name__
            raise self.invalid(f"{where} must have the keys {sorted(expected)}, got {found}")

    def decode(self, node, where):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v, where) for v in node]
        if not isinstance(node, dict):
            raise self.invalid(f"{where}: unexpected JSON value {node!r}")
        tags = [key for key in node if key in _SCHEMAS]
        if len(tags) != 1:
            raise self.invalid(f"{where}: unknown JSON object with keys {sorted(node)}")
        tag = tags[0]
        self.keys(node, _SCHEMAS[tag], where)
        decoders = {
            "__float__": self._decode_float,
            "__scalar__": self._decode_scalar,
            "__ndarray__": self._decode_ndarray,
            "__ndarray_list__": self._decode_ndarray_list,
            "__tensor__": self._decode_tensor,
            "__tuple__": self._decode_tuple,
            "__dict__": self._decode_dict,
            "__ref__": self._decode_ref,
            "__partial__": self._decode_partial,
            "__sklearn__": self._decode_sklearn,
        }
        return decoders[tag](node, where)

    def _decode_float(self, node, where):
        if node["__float__"] not in ("nan", "inf", "-inf"):
            raise self.invalid(f"{where}: bad float {node['__float__']!r}")
        return float(node["__float__"])

    def _decode_scalar(self, node, where):
        dtype = _SCALAR_DTYPES.get(node["__scalar__"])
        value = self.decode(node["value"], where)
        if dtype is None or not isinstance(value, (bool, int, float)):
            raise self.invalid(f"{where}: bad numpy scalar {node!r}")
        return dtype.type(value)

    def _decode_ndarray(self, node, where):
        if not isinstance(node["transposed"], bool):
            raise self.invalid(f"{where}: 'transposed' must be a boolean")
        array = self.tensor(node["__ndarray__"], where).numpy()
        return array.T if node["transposed"] else array

    def _decode_ndarray_list(self, node, where):
        dtype, shape = node["dtype"], node["shape"]
        items = self.decode(node["__ndarray_list__"], where)
        if not (dtype == "object" or (isinstance(dtype, str) and _STR_DTYPE.match(dtype))):
            raise self.invalid(f"{where}: unsupported array dtype {dtype!r}")
        valid_shape = isinstance(shape, list) and all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape
        )
        if not valid_shape or math.prod(shape) != len(items):
            raise self.invalid(f"{where}: shape {shape!r} does not fit {len(items)} items")
        if not all(v is None or isinstance(v, (bool, int, float, str)) for v in items):
            raise self.invalid(f"{where}: arrays of objects hold scalars only")
        array = np.empty(len(items), dtype=np.dtype(dtype))
        array[:] = items
        return array.reshape(shape)

    def _decode_tensor(self, node, where):
        return self.tensor(node["__tensor__"], where)

    def _decode_tuple(self, node, where):
        if not isinstance(node["__tuple__"], list):
            raise self.invalid(f"{where}: a tuple is stored as a list")
        return tuple(self.decode(v, where) for v in node["__tuple__"])

    def _decode_dict(self, node, where):
        if not isinstance(node["__dict__"], dict):
            raise self.invalid(f"{where}: a dict is stored as an object")
        return {k: self.decode(v, f"{where}[{k!r}]") for k, v in node["__dict__"].items()}

    def _decode_ref(self, node, where):
        if node["__ref__"] not in _REFERENCES:
            raise self.invalid(
                f"{where} names {node['__ref__']!r}, which is not one of {sorted(_REFERENCES)}"
            )
        return _REFERENCES[node["__ref__"]]

    def _decode_partial(self, node, where):
        func = self._decode_ref({"__ref__": node["__partial__"]}, where)
        kwargs = self.decode(node["kwargs"], where)
        if not isinstance(kwargs, dict):
            raise self.invalid(f"{where}: partial arguments must be a dict")
        return functools.partial(func, **kwargs)

    def _decode_sklearn(self, node, where):
        cls = _SKLEARN_CLASSES.get(node["__sklearn__"])
        if cls is None:
            raise self.invalid(
                f"{where} names the class {node['__sklearn__']!r}; only "
                f"{sorted(_SKLEARN_CLASSES)} are rebuilt"
            )
        params = self.decode(node["params"], f"{where}.params")
        if cls is Pipeline and isinstance(params, dict) and isinstance(params.get("steps"), list):
            params["steps"] = [tuple(step) for step in params["steps"]]
        return self.build(cls, params, self.decode(node["state"], f"{where} (fitted)"), where)

    def build(self, cls, params, state, where):
        """``cls(**params)`` validated, with the fitted ``state`` set on it."""
        if not isinstance(params, dict) or not isinstance(state, dict):
            raise self.invalid(f"{where}: parameters and fitted state must be dicts")
        unknown = sorted(set(params) - set(cls._get_param_names()))
        if unknown:
            raise self.invalid(f"{where}: {cls.__name__} has no parameters {unknown}")
        estimator = cls(**params)
        try:
            estimator._validate_params()
        except (TypeError, ValueError) as exc:
            raise self.invalid(f"{where}: {exc}") from None
        for name, value in state.items():
            if not _ATTRIBUTE_NAME.match(name) or name.startswith("__") or hasattr(cls, name):
                raise self.invalid(f"{where}: {name!r} cannot be a fitted attribute")
            setattr(estimator, name, value)
        return estimator


def _module_sizes_checked(module_params, n_weights, reader):
    """Refuse module arguments that would build a network larger than the file's weights
    (an int argument beyond the number of stored values)."""
    for name, value in module_params.items():
        values = value if isinstance(value, (tuple, list)) else (value,)
        for v in values:
            if name != "seed" and isinstance(v, int) and v > n_weights + _SIZE_SLACK:
                raise reader.invalid(
                    f"module argument {name}={value!r} describes a network larger than the "
                    f"{n_weights} weights the file holds"
                )


@contextmanager
def _allocation_limit(n_weights, reader):
    """Refuse parameters and buffers registered (in this thread) beyond ``n_weights`` values:
    checked when a layer registers them, before their memory is filled."""
    thread, total = threading.get_ident(), [0]

    def hook(module, name, tensor):
        if tensor is None or threading.get_ident() != thread:
            return
        total[0] += tensor.numel()
        if total[0] > n_weights + _SIZE_SLACK:
            raise reader.invalid(
                f"the module it describes has more than the {n_weights} weights it holds"
            )

    nn_module = torch.nn.modules.module
    handles = [
        nn_module.register_module_parameter_registration_hook(hook),
        nn_module.register_module_buffer_registration_hook(hook),
    ]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def _saved_hooks(estimator, module_params, criterion_params):
    """Make the estimator's ``_build_net`` use the saved module and criterion arguments."""
    estimator._module_params = lambda X, y: module_params
    estimator._criterion_params = lambda X, y: criterion_params
    try:
        yield
    finally:
        del estimator._module_params, estimator._criterion_params


def _load_weights(module, node, dtype, reader, what):
    """Validate the stored ``state_dict`` against ``module`` (cast to ``dtype``) and load it."""
    if not isinstance(node, dict):
        raise reader.invalid(f"the weights of the {what} must be an object")
    module.to(dtype=dtype)
    expected = module.state_dict()
    missing, unexpected = sorted(set(expected) - set(node)), sorted(set(node) - set(expected))
    if missing or unexpected:
        raise reader.invalid(
            f"its weights do not match the {what} ({type(module).__name__}): missing "
            f"{missing[:5]}, unexpected {unexpected[:5]}"
        )
    weights = {}
    for name, target in expected.items():
        tensor = reader.tensor(node[name], f"weight {name!r}")
        if tensor.shape != target.shape or tensor.dtype != target.dtype:
            raise reader.invalid(
                f"weight {name!r} of the {what} has shape {tuple(tensor.shape)} and dtype "
                f"{tensor.dtype}; the module needs {tuple(target.shape)} and {target.dtype}"
            )
        weights[name] = tensor
    module.load_state_dict(weights)
    return module


def _stored_weights(handle, node):
    if not isinstance(node, dict):
        return 0
    keys = set(handle.keys())
    return sum(math.prod(handle.get_slice(k).get_shape()) for k in node.values() if k in keys)


def _load_net(estimator, node, reader):
    reader.keys(node, _NET_KEYS, "'net'")
    cls = type(estimator)
    for part, expected in (("module", cls._module_class), ("criterion", cls._criterion_class)):
        if node[part] != expected.__name__:
            raise reader.invalid(
                f"a {cls.__name__} trains a {expected.__name__} {part}, the file names "
                f"{node[part]!r}"
            )
    module_params = reader.decode(node["module_params"], "module arguments")
    criterion_params = reader.decode(node["criterion_params"], "criterion arguments")
    seeds = node["seeds"]
    if not (isinstance(module_params, dict) and isinstance(criterion_params, dict)):
        raise reader.invalid("module and criterion arguments must be objects")
    if not (
        isinstance(seeds, list)
        and len(seeds) == 4
        and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds)
    ):
        raise reader.invalid("'seeds' must be four non-negative ints")
    n_weights = _stored_weights(reader.handle, node["weights"])
    _module_sizes_checked(module_params, n_weights, reader)
    X_empty = np.zeros((0, int(getattr(estimator, "n_features_in_", 1))))
    with _saved_hooks(estimator, module_params, criterion_params):
        net = estimator._build_net(X_empty, None, seeds, None)
    if "early_stopping" in dict(net.callbacks or []):
        # the held-out rows are not saved: partial_fit after load has no validation loss
        net.set_params(callbacks__early_stopping=None)
    with _allocation_limit(n_weights, reader):
        try:
            net.initialize()
        except (TypeError, ValueError, RuntimeError) as exc:
            if isinstance(exc, ValueError) and "not a valid skscore file" in str(exc):
                raise
            raise reader.invalid(f"its module arguments do not build a module: {exc}") from None
    _load_weights(net.module_, node["weights"], torch.float64, reader, "module").eval()
    rows = reader.decode(node["history"], "history")
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise reader.invalid("'history' must be a list of rows")
    net.history_ = History(rows)
    estimator.net_ = net


def _load_probe_model(estimator, node, reader):
    reader.keys(node, _MODEL_KEYS, "'model'")
    factory = reader.decode(node["factory"], "model factory")
    if _factory_key(factory) != _factory_key(estimator.model):
        raise reader.invalid("the model factory differs from the 'model' parameter")
    dtypes = {"float32": torch.float32, "float64": torch.float64}
    if node["dtype"] not in dtypes:
        raise reader.invalid(f"model dtype {node['dtype']!r} is not float32 or float64")
    n_weights = _stored_weights(reader.handle, node["weights"])
    shape = getattr(estimator, "input_shape_", None)
    classes = getattr(estimator, "classes_", None)
    if not isinstance(shape, tuple) or not isinstance(classes, np.ndarray):
        raise reader.invalid("a fitted LinearProbeTransformer needs input_shape_ and classes_")
    _module_sizes_checked({"input": shape, "classes": len(classes)}, n_weights, reader)
    with _allocation_limit(n_weights, reader):
        if factory is None:
            module = default_model(shape, len(classes))
        else:
            module, _ = resolve_module(factory, shape[0])
    module = _load_weights(module, node["weights"], dtypes[node["dtype"]], reader, "model")
    estimator.model_ = module.to(estimator.device_).eval().requires_grad_(False)


def _factory_key(factory):
    if isinstance(factory, functools.partial):
        return factory.func, factory.args, factory.keywords
    return factory


def _resolved_device(device):
    """The saved device, or the CPU where it is not available (a GPU-fitted model)."""
    if not isinstance(device, str):
        raise ValueError(f"device_ must be a str, got {device!r}")
    try:
        return resolve_device(device)
    except ValueError:
        return "cpu"


def load(path):
    """Load an estimator saved by :func:`save`; no code from the file is run.

    The JSON header is validated: the class must be one of skscore's estimators, parameters
    are checked like at ``fit``, the torch module is rebuilt by the estimator from its stored
    arguments and must match the stored weights exactly, and every stored tensor must be used.
    A model fitted on a GPU loads on a machine without one (on the CPU).

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save`.

    Returns
    -------
    estimator : skscore estimator
        The estimator, fitted if it was saved fitted, on its saved device (or the CPU).

    Raises
    ------
    ValueError
        If the file is not a valid skscore file: not safetensors, unknown class or key,
        weights of the wrong shape or dtype, unused tensors, invalid parameters.

    See Also
    --------
    save : Write the file.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skscore import RCAE
    >>> from skscore.datasets import make_spiral
    >>> from skscore.io import load, save
    >>> X = make_spiral(200, noise=0.01, random_state=0)
    >>> rcae = RCAE(sigma=0.05, hidden_layer_sizes=(16,), max_epochs=2, random_state=0).fit(X)
    >>> loaded = load(save(rcae, os.path.join(tempfile.mkdtemp(), "rcae.safetensors")))
    >>> loaded.get_params() == rcae.get_params()
    True
    >>> np.array_equal(loaded.score_samples(X), rcae.score_samples(X))
    True
    >>> np.array_equal(loaded.sample(5, n_steps=10, burn_in=5, random_state=0),
    ...                rcae.sample(5, n_steps=10, burn_in=5, random_state=0))
    True
    """
    try:
        opened = safe_open(path, framework="pt", device="cpu")
    except OSError:
        raise
    except Exception as exc:  # safetensors raises its own error type for a malformed file
        raise _invalid(path, f"not a safetensors file ({exc})") from None
    with opened as handle:
        return _load(handle, path)


def _reject_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")


def _load(handle, path):
    metadata = handle.metadata() or {}
    if METADATA_KEY not in metadata:
        raise _invalid(path, "its header has no skscore document (was it written by save?)")
    try:
        document = json.loads(metadata[METADATA_KEY], parse_constant=_reject_constant)
    except ValueError as exc:
        raise _invalid(path, f"its header is not valid JSON ({exc})") from None
    reader = _Reader(handle, path)
    if not isinstance(document, dict) or not {"format_version", "class"} <= set(document):
        raise reader.invalid("its header has no format_version and class")
    if document["format_version"] != FORMAT_VERSION:
        raise reader.invalid(
            f"format version {document['format_version']!r}; this skscore reads version "
            f"{FORMAT_VERSION}"
        )
    classes = _estimator_classes()
    cls = classes.get(document["class"]) if isinstance(document["class"], str) else None
    if cls is None:
        raise reader.invalid(
            f"unknown class {document['class']!r}; a skscore file holds one of {sorted(classes)}"
        )
    part = "net" if issubclass(cls, BaseNeuralEstimator) else "model"
    reader.keys(document, _TOP_KEYS - {"net", "model"} | {part}, "the header")
    params = reader.decode(document["params"], "parameters")
    state = reader.decode(document["state"], "fitted attributes")
    estimator = reader.build(cls, params, state, f"the {cls.__name__}")
    if "net_" in vars(estimator) or "model_" in vars(estimator):
        raise reader.invalid("net_ and model_ are rebuilt, not stored as attributes")
    if document[part] is not None:
        if "device_" not in vars(estimator):
            raise reader.invalid("a fitted estimator needs its device_")
        estimator.device_ = _resolved_device(estimator.device_)
        if part == "net":
            _load_net(estimator, document[part], reader)
        else:
            _load_probe_model(estimator, document[part], reader)
    elif state:
        raise reader.invalid("fitted attributes without a fitted network")
    reader.check_all_used()
    return estimator
