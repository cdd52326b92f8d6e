"""Sphinx configuration: numpydoc API pages, a sphinx-gallery built from examples/."""

import os
import sys

project = "skscore"
author = "skscore developers"
copyright = "2026, skscore developers"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
# sklearn's generated metadata-routing setters reference sklearn's own glossary
_ROUTING_SETTERS = "set_fit_request,set_partial_fit_request,set_score_request,set_predict_request"
autodoc_default_options = {
    "members": True,
    "inherited-members": False,
    "exclude-members": _ROUTING_SETTERS,
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]

html_theme = "pydata_sphinx_theme"
html_title = "skscore"

# Cross-references to scikit-learn, PyTorch and skorch link to their online docs. Their
# inventories are written from the installed packages (no network where CI builds the docs).
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))
from offline_inventories import write_inventories  # noqa: E402

_inventories = write_inventories(os.path.join(os.path.dirname(__file__), "_build", "inventories"))
intersphinx_mapping = {
    "sklearn": ("https://scikit-learn.org/stable", str(_inventories / "sklearn.inv")),
    "torch": ("https://docs.pytorch.org/docs/stable", str(_inventories / "torch.inv")),
    "skorch": ("https://skorch.readthedocs.io/en/stable", str(_inventories / "skorch.inv")),
}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # SKSCORE_GALLERY=0 builds the pages without running the examples (CI runs them as tests)
    "plot_gallery": os.environ.get("SKSCORE_GALLERY", "1"),
    "within_subsection_order": "FileNameSortKey",
}
