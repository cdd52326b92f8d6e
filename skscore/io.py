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

Integrity and bounds: ``save`` writes a SHA-256 digest of the JSON document and of every
tensor (key, dtype, shape, raw bytes) into the safetensors metadata (``skscore_sha256``);
``load`` recomputes it and refuses a file whose bytes changed since it was saved. Files without
a digest (written by skscore before it) still load, with every other check. The JSON header
is at most ``MAX_HEADER_CHARS`` characters, one string at most ``MAX_STRING_CHARS``, its
nesting at most ``MAX_DEPTH`` levels. After reading, the parameters are validated as ``fit``
validates them, every fitted attribute is checked (presence, type, dtype, shape against
``n_features_in_``; unknown ones refused), and the stored module arguments must agree with the
estimator's parameters and fitted attributes.

The protocol: io knows no estimator's internals. A class is saved when it is exported by
:mod:`skscore` and implements (on :class:`skscore._core.base.BaseNeuralEstimator` once for every
neural estimator, in :mod:`skscore.probes._io` for the probes' transformer):

- ``_io_section`` (str): the header key of the fitted network (``"net"`` or ``"model"``), and
  ``_io_keys``: the keys of that section; the fitted network is the attribute
  ``_io_section + "_"`` (``net_``, ``model_``), never stored as an attribute.
- ``_io_state()`` -> dict: the fitted network's description beyond the parameters and the
  fitted attributes. Values are JSON-able (what :class:`_Writer` encodes: scalars, str,
  tuples, lists, str-keyed dicts, numpy arrays, the allowlisted references); ``"weights"`` is
  a ``state_dict`` (stored as tensors), ``"history"`` a skorch ``History`` (stored as rows).
- ``_io_check_fitted()``: raise a ValueError when a fitted attribute is missing, unknown or
  invalid (the neural estimators declare them in ``_fitted_attribute_spec()``).
- ``_io_rebuild(state, check_sizes)`` -> torch module: rebuild the fitted network from the
  decoded section less its weights, set it on the estimator, and return the module (in its
  final dtype and device) into which io loads the stored weights, checked name for name,
  shape for shape and dtype for dtype. ``check_sizes(dict)`` refuses int arguments larger
  than the stored weights; allocations are also bounded while it runs. It raises a
  ValueError or TypeError when the state does not fit the estimator.

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

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import threading
import warnings
from contextlib import contextmanager

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skscore._core.base import resolve_device
from skscore._core.training import OPTIMIZERS
from skscore._core.types import PathLike
from skscore.probes import make_mlp

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

#: What an estimator implements to be saved (see the module's docstring).
_PROTOCOL = ("_io_section", "_io_keys", "_io_state", "_io_rebuild", "_io_check_fitted")

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
_TOP_KEYS = {"format_version", "skscore_version", "class", "params", "state"}
#: Largest module argument (an int) allowed beyond the number of stored weights.
_SIZE_SLACK = 1024
#: Key of the SHA-256 digest (header and tensors) in the safetensors metadata.
DIGEST_KEY = "skscore_sha256"
#: Bounds on what a file may hold: its size, its JSON header, one string, the JSON nesting.
MAX_FILE_BYTES = 2**34
MAX_HEADER_CHARS = 2**24
MAX_STRING_CHARS = 2**16
MAX_DEPTH = 64
_JSON_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _estimator_classes():
    """The classes a file may hold: skscore's public estimators (read at call time, so that
    every estimator exported by :mod:`skscore` is covered)."""
    import skscore

    classes = (getattr(skscore, name) for name in skscore.__all__)
    return {
        cls.__name__: cls
        for cls in classes
        if isinstance(cls, type) and all(hasattr(cls, name) for name in _PROTOCOL)
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


def _encode_section(estimator, writer):
    """The estimator's ``_io_state()`` encoded: its ``weights`` (a ``state_dict``) as tensors,
    its ``history`` as plain rows, everything else as JSON."""
    encoded = {}
    for key, value in estimator._io_state().items():
        if key == "weights":
            encoded[key] = {k: writer.add_tensor(v) for k, v in value.items()}
        elif key == "history":
            encoded[key] = _history_rows(value)
        else:
            encoded[key] = writer.encode(value, f"{key} of the network")
    return encoded


def _check_path_for_save(path):
    try:
        text = os.fspath(path)
    except TypeError:
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}") from None
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if not text:
        raise ValueError("cannot save to an empty path: name a file, e.g. 'model.safetensors'")
    if os.path.isdir(text):
        raise IsADirectoryError(f"cannot save to {text!r}: it is a directory; name a file in it")
    parent = os.path.dirname(os.path.abspath(text))
    if not os.path.isdir(parent):
        raise FileNotFoundError(
            f"cannot save to {text!r}: the directory {parent!r} does not exist; create it first"
        )


def _check_path_for_load(path):
    try:
        text = os.fspath(path)
    except TypeError:
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}") from None
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if not text:
        raise ValueError("cannot load an empty path: name a file written by skscore.io.save")
    if os.path.isdir(text):
        raise IsADirectoryError(f"cannot load {text!r}: it is a directory, not a file")
    if not os.path.exists(text):
        raise FileNotFoundError(f"cannot load {text!r}: no such file")


def _digest(document, tensors):
    """SHA-256 over the JSON document and every tensor (key, dtype, shape, raw bytes)."""
    sha = hashlib.sha256(document.encode("utf-8"))
    for key in sorted(tensors):
        tensor = tensors[key]
        sha.update(f"\0{key}\0{tensor.dtype}\0{tuple(tensor.shape)}\0".encode())
        sha.update(tensor.contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return sha.hexdigest()


def save(estimator: BaseEstimator, path: PathLike) -> PathLike:
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
    _check_path_for_save(path)
    writer = _Writer()
    params = _portable_params(estimator, writer)
    excluded = set(params) | {"net_", "model_"}
    section = estimator._io_section
    state = {k: v for k, v in vars(estimator).items() if k not in excluded}
    document = {
        "format_version": FORMAT_VERSION,
        "skscore_version": _skscore_version(),
        "class": type(estimator).__name__,
        "params": {"__dict__": params},
        "state": writer.encode(state, "fitted attribute"),
    }
    fitted = hasattr(estimator, f"{section}_")
    document[section] = _encode_section(estimator, writer) if fitted else None
    text = json.dumps(document)
    metadata = {METADATA_KEY: text, DIGEST_KEY: _digest(text, writer.tensors)}
    save_file(writer.tensors, path, metadata=metadata)
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
        if isinstance(node, str) and len(node) > MAX_STRING_CHARS:
            raise self.invalid(
                f"{where}: a string of {len(node)} characters (at most {MAX_STRING_CHARS})"
            )
        if isinstance(node, dict) and any(len(k) > MAX_STRING_CHARS for k in node):
            raise self.invalid(f"{where}: a key longer than {MAX_STRING_CHARS} characters")
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
        try:  # as fit validates them
            estimator._validate_params()
            if hasattr(estimator, "_check_params"):
                estimator._check_params()
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


def _load_weights(module, node, reader, what):
    """Validate the stored ``state_dict`` against ``module`` and load it."""
    if not isinstance(node, dict):
        raise reader.invalid(f"the weights of the {what} must be an object")
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


def _load_section(estimator, node, reader):
    """Rebuild the fitted network through the estimator's ``_io_rebuild`` and load its
    weights: the decoded section, less its weights, goes to the estimator."""
    cls = type(estimator)
    section = cls._io_section
    reader.keys(node, cls._io_keys, f"{section!r}")
    state = {
        key: reader.decode(value, f"{key} of the network")
        for key, value in node.items()
        if key != "weights"
    }
    n_weights = _stored_weights(reader.handle, node["weights"])
    with _allocation_limit(n_weights, reader):
        try:
            module = estimator._io_rebuild(
                state, lambda sizes: _module_sizes_checked(sizes, n_weights, reader)
            )
        except (TypeError, ValueError, RuntimeError) as exc:
            if isinstance(exc, ValueError) and "not a valid skscore file" in str(exc):
                raise
            raise reader.invalid(f"its {section} does not fit the {cls.__name__}: {exc}") from None
    _load_weights(module, node["weights"], reader, section if section != "net" else "module")


def _resolved_device(device):
    """The saved device, or the CPU where it is not available (a GPU-fitted model)."""
    if not isinstance(device, str):
        raise ValueError(f"device_ must be a str, got {device!r}")
    try:
        return resolve_device(device)
    except ValueError:
        return "cpu"


def load(path: PathLike) -> BaseEstimator:
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
    _check_path_for_load(path)
    if os.path.getsize(path) > MAX_FILE_BYTES:
        raise _invalid(path, f"it is larger than {MAX_FILE_BYTES} bytes")
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


def _json_depth_checked(text, path):
    """Refuse JSON nested deeper than ``MAX_DEPTH`` (before parsing it: Python's parser would
    recurse until a RecursionError)."""
    depth = deepest = 0
    for token in _JSON_STRUCTURE.findall(text):
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                raise _invalid(path, f"its header is nested deeper than {MAX_DEPTH} levels")
        elif token in "]}":
            depth -= 1


def _load(handle, path):
    metadata = handle.metadata() or {}
    if METADATA_KEY not in metadata:
        raise _invalid(path, "its header has no skscore document (was it written by save?)")
    unknown = sorted(set(metadata) - {METADATA_KEY, DIGEST_KEY})
    if unknown:
        raise _invalid(path, f"its header has unknown metadata {unknown[:5]}")
    text = metadata[METADATA_KEY]
    if len(text) > MAX_HEADER_CHARS:
        raise _invalid(path, f"its header is longer than {MAX_HEADER_CHARS} characters")
    if DIGEST_KEY in metadata:  # files of skscore 0.1.0 before the digest have none
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}
        if _digest(text, tensors) != metadata[DIGEST_KEY]:
            raise _invalid(
                path,
                "its SHA-256 digest does not match its contents: the file was modified or "
                "damaged after it was saved",
            )
    _json_depth_checked(text, path)
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
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
    part = cls._io_section
    reader.keys(document, _TOP_KEYS | {part}, "the header")
    params = reader.decode(document["params"], "parameters")
    state = reader.decode(document["state"], "fitted attributes")
    estimator = reader.build(cls, params, state, f"the {cls.__name__}")
    if "net_" in vars(estimator) or "model_" in vars(estimator):
        raise reader.invalid("net_ and model_ are rebuilt, not stored as attributes")
    if document[part] is not None:
        try:
            estimator._io_check_fitted()
        except (TypeError, ValueError) as exc:
            raise reader.invalid(str(exc)) from None
        estimator.device_ = _resolved_device(estimator.device_)
        _load_section(estimator, document[part], reader)
    elif state:
        raise reader.invalid("fitted attributes without a fitted network")
    reader.check_all_used()
    return estimator
