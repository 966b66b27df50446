"""Plotting helpers, one module per topic (worlds, densities, fields, horizons, ...).

Import from the module: ``from ilcourse.plotting.worlds import plot_fork_scene``.
"""
