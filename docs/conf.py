"""Sphinx configuration of the hbsearch documentation.

Build from the repository root, with no network access needed:

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Some pages are written by others and may not exist yet (the sampler
benchmarks, the plots, the ``hbsearch.plot`` module). ``hbsearch_optional``
records which are there, and the ``if-available`` directive defined below
includes the parts of pages that depend on them only when they are, so the
build never warns about a missing file.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sphinx.util.docutils import SphinxDirective

import hbsearch

HERE = Path(__file__).resolve().parent

# -- Project -----------------------------------------------------------------

project = "hbsearch"
author = "the hbsearch developers"
copyright = "the hbsearch developers"
release = hbsearch.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
]
# No sphinx.ext.intersphinx: its inventories are fetched over the network.

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
default_role = "literal"  # `x` renders as code, as ``x``
pygments_style = "default"

# -- Optional parts ------------------------------------------------------------


def _has_pages(folder: str) -> bool:
    path = HERE / folder
    return path.is_dir() and any(p.suffix in (".md", ".rst") for p in path.iterdir())


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


hbsearch_optional = {
    # hbsearch.plot and its API page
    "plot": _importable("hbsearch.plot"),
    # docs/benchmarks/*.md, written by the benchmark scripts' authors
    "benchmarks": _has_pages("benchmarks"),
    "sampler_benchmarks": (HERE / "benchmarks" / "samplers.md").is_file(),
    # figures in docs/_static/plots/
    "plan_plot": (HERE / "_static" / "plots" / "plan.png").is_file(),
    "learning_curves_plot": (HERE / "_static" / "plots" / "learning_curves.png").is_file(),
    "best_score_plot": (HERE / "_static" / "plots" / "best_score.png").is_file(),
}

if not hbsearch_optional["plot"]:
    exclude_patterns.append("api/plot.rst")

# -- Autodoc and numpydoc ------------------------------------------------------

autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc sections say it, in words
autodoc_inherit_docstrings = True
autosummary_generate = False  # summary tables only; the pages use autoclass
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- MyST ----------------------------------------------------------------------

myst_heading_anchors = 3

# -- HTML ----------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"hbsearch {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": []}
html_show_sourcelink = False
# docs/_static/ belongs to the plot scripts; images are referenced from the pages.
html_static_path: list[str] = []


# -- The if-available directive --------------------------------------------------


class IfAvailable(SphinxDirective):
    """Include the content only when an optional part of the docs exists.

    ``.. if-available:: NAME`` keeps its content when ``hbsearch_optional[NAME]``
    is true; ``.. if-available:: not NAME`` when it is false. The content must
    not contain section titles.
    """

    has_content = True
    required_arguments = 1
    optional_arguments = 1

    def run(self):
        negate = self.arguments[0] == "not"
        name = self.arguments[-1]
        optional = self.config.hbsearch_optional
        if name not in optional:
            raise self.error(f"if-available: unknown name {name!r}; known: {sorted(optional)}")
        if bool(optional[name]) == negate:
            return []
        return self.parse_content_to_nodes()


def setup(app):
    # "env": a change (a page or module appearing) rebuilds every page.
    app.add_config_value("hbsearch_optional", {}, "env")
    app.add_directive("if-available", IfAvailable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
