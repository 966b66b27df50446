"""Policies: one file per family, all with the same two verbs (see ``base.Policy``)."""

from ilcourse.policies.autoregressive import AutoregressivePolicy, IndependentBinsPolicy
from ilcourse.policies.base import Policy
from ilcourse.policies.flow import FlowPolicy, NoiseRegressionPolicy
from ilcourse.policies.gaussian import GaussianPolicy, gaussian_nll
from ilcourse.policies.mixture import MixturePolicy
from ilcourse.policies.mse import MSEPolicy

__all__ = ["Policy", "MSEPolicy", "GaussianPolicy", "gaussian_nll", "FlowPolicy", "NoiseRegressionPolicy", "MixturePolicy", "AutoregressivePolicy", "IndependentBinsPolicy"]
