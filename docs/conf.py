"""Sphinx configuration: numpydoc API pages, a sphinx-gallery built from examples/."""

import os

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

intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
    "torch": ("https://pytorch.org/docs/stable", None),
}
# no network where the docs are built in CI: keep cross-references local
if os.environ.get("SKSCORE_DOCS_OFFLINE", "1") == "1":
    intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # SKSCORE_GALLERY=0 builds the pages without running the examples (CI runs them as tests)
    "plot_gallery": os.environ.get("SKSCORE_GALLERY", "1"),
    "within_subsection_order": "FileNameSortKey",
}
