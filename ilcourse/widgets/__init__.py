"""ipywidgets helpers for the notebooks, one module per topic."""
