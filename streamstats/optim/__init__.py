"""Momentum, RMSprop and Adam for models written in numpy, built from the
accumulators of :mod:`streamstats`.

Each optimizer's state, per parameter array, is a set of :class:`Dense`
accumulators (Adam: a ``BiasCorrectedEWA`` of the gradients and a bias-corrected
``EWSecondMoment``); ``step(params, grads)`` updates the parameters in place with one
fused pass over memory that calls the accumulators' own step functions.

Examples
--------
>>> import numpy as np
>>> from streamstats.optim import Adam
>>> w = {"W": np.ones((2, 2)), "b": np.zeros(2)}
>>> opt = Adam(lr=0.01)
>>> opt.step(w, {"W": np.full((2, 2), 0.5), "b": np.array([1.0, -1.0])})
>>> w["b"]
array([-0.01,  0.01])
"""

from ._dense import Dense
from ._optimizers import Adam, AdamW, Momentum, Optimizer, RMSprop

__all__ = ["Momentum", "RMSprop", "Adam", "AdamW", "Optimizer", "Dense"]
