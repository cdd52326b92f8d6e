"""Intersphinx inventories of scikit-learn, PyTorch and skorch, written from the installed
packages, so that cross-references to them link to their online documentation even where the
docs are built without network access (the inventories online cannot be downloaded there).

Each entry maps an object to the page its project documents it on, following each project's
own URL scheme: scikit-learn ``modules/generated/<name>.html``, PyTorch
``generated/<name>.html``, skorch one page per module.
"""

import importlib
import inspect
import zlib
from pathlib import Path

SKLEARN_MODULES = [
    "base", "cluster", "datasets", "decomposition", "exceptions", "experimental", "impute",
    "inspection", "kernel_density", "linear_model", "metrics", "mixture", "model_selection",
    "neighbors", "neural_network", "pipeline", "preprocessing", "utils", "utils.validation",
    "utils.estimator_checks",
]  # fmt: skip
TORCH_OBJECTS = [
    "torch.nn.Module", "torch.nn.Linear", "torch.nn.Conv2d", "torch.nn.Sequential",
    "torch.nn.CrossEntropyLoss", "torch.nn.MSELoss", "torch.Generator", "torch.Tensor",
    "torch.device", "torch.optim.Optimizer", "torch.optim.Adam", "torch.optim.AdamW",
    "torch.optim.SGD", "torch.optim.RMSprop", "torch.optim.LBFGS",
    "torch.optim.lr_scheduler.CosineAnnealingLR", "torch.optim.lr_scheduler.StepLR",
    "torch.optim.lr_scheduler.ExponentialLR", "torch.func.vmap", "torch.func.grad",
    "torch.func.jacrev", "torch.func.jvp", "torch.func.functional_call",
    "torch.autograd.grad", "torch.autograd.functional.hessian", "torch.manual_seed",
    "torch.set_num_threads", "torch.random.fork_rng", "torch.compile",
]  # fmt: skip
SKORCH_PAGES = {
    "skorch.net": "net.html",
    "skorch.callbacks": "callbacks.html",
    "skorch.helper": "helper.html",
    "skorch.dataset": "dataset.html",
    "skorch.classifier": "classifier.html",
    "skorch.regressor": "regressor.html",
}


def _sklearn_entries():
    entries = []
    for short in SKLEARN_MODULES:
        try:
            module = importlib.import_module(f"sklearn.{short}")
        except ImportError:
            continue
        for name in getattr(module, "__all__", []):
            try:
                obj = getattr(module, name, None)
            except ImportError:  # experimental estimators need an explicit enable import
                continue
            full = f"sklearn.{short}.{name}"
            page = f"modules/generated/{full}.html"
            if inspect.isclass(obj):
                entries.append((full, "py:class", page + "#$"))
                for method, _ in inspect.getmembers(obj, inspect.isfunction):
                    if not method.startswith("_"):
                        entries.append((f"{full}.{method}", "py:method", page + "#$"))
            elif callable(obj):
                entries.append((full, "py:function", page + "#$"))
    entries.append(("sklearn", "py:module", "index.html"))
    return entries


def _torch_entries():
    entries = [("torch.distributed", "py:module", "distributed.html#module-$")]
    for full in TORCH_OBJECTS:
        module_name, name = full.rsplit(".", 1)
        obj = getattr(importlib.import_module(module_name), name, None)
        role = "py:class" if inspect.isclass(obj) else "py:function"
        entries.append((full, role, f"generated/{full}.html#$"))
    return entries


def _skorch_entries():
    entries = []
    for module_name, page in SKORCH_PAGES.items():
        module = importlib.import_module(module_name)
        names = getattr(module, "__all__", None) or [
            n for n, o in vars(module).items() if inspect.isclass(o) and o.__module__ == module_name
        ]
        for name in names:
            obj = getattr(module, name)
            public = f"{module_name}.{name}"  # skorch documents objects under this path
            role = "py:class" if inspect.isclass(obj) else "py:function"
            entries.append((public, role, f"{page}#{public}"))
            defined_in = f"{getattr(obj, '__module__', module_name)}.{name}"
            if defined_in != public:  # the path code introspection finds
                entries.append((defined_in, role, f"{page}#{public}"))
    return entries


def _write(path, project, version, entries):
    body = "".join(f"{name} {role} 1 {uri} -\n" for name, role, uri in sorted(set(entries)))
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    path.write_bytes(header.encode() + zlib.compress(body.encode()))


def write_inventories(folder):
    """Write ``sklearn.inv``, ``torch.inv`` and ``skorch.inv`` into ``folder``."""
    import sklearn
    import skorch
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "sklearn.inv", "scikit-learn", sklearn.__version__, _sklearn_entries())
    _write(folder / "torch.inv", "PyTorch", torch.__version__, _torch_entries())
    _write(folder / "skorch.inv", "skorch", skorch.__version__, _skorch_entries())
    return folder
