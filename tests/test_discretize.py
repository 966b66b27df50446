"""Bins: edges, centres, clipping, round trips."""

from __future__ import annotations

import torch

from ilcourse.discretize import bin_centres, bin_edges, discretize, undiscretize


def test_edges_and_centres():
    torch.testing.assert_close(bin_edges(-1.0, 1.0, 4), torch.tensor([-1.0, -0.5, 0.0, 0.5, 1.0]))
    torch.testing.assert_close(bin_centres(-1.0, 1.0, 4), torch.tensor([-0.75, -0.25, 0.25, 0.75]))


def test_discretize_bounds_edges_and_clipping():
    a = torch.tensor([-5.0, -1.0, -0.5, 0.0, 0.49, 1.0, 7.0])
    assert discretize(a, -1.0, 1.0, 4).tolist() == [0, 0, 1, 2, 2, 3, 3]
    assert discretize(a, -1.0, 1.0, 4).dtype == torch.int64


def test_round_trip_within_half_a_bin():
    a = torch.linspace(-1.5, 1.5, 1001)
    for n in (1, 2, 7, 21):
        back = undiscretize(discretize(a, -1.0, 1.0, n), -1.0, 1.0, n)
        assert (back - a.clamp(-1, 1)).abs().max() <= 1.0 / n + 1e-6
        torch.testing.assert_close(undiscretize(torch.arange(n), -1.0, 1.0, n), bin_centres(-1.0, 1.0, n))
