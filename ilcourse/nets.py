"""Small networks."""

from __future__ import annotations

from torch import nn


def mlp(in_dim: int, out_dim: int, hidden: int = 256, depth: int = 2, activation: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    """A multilayer perceptron: ``depth`` hidden layers of width ``hidden``.

    Args:
        in_dim: input features.
        out_dim: outputs (no activation on the last layer).
    Returns:
        ``nn.Sequential`` mapping (B, in_dim) -> (B, out_dim).
    """
    layers: list[nn.Module] = []
    width = in_dim
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), activation()]
        width = hidden
    layers.append(nn.Linear(width, out_dim))
    return nn.Sequential(*layers)
