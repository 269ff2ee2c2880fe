"""The examples' numpy models reach a held-out accuracy of at least 0.95 with each of
Momentum, RMSprop and Adam (scikit-learn's bundled data sets, no download)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from tests.oracles import ROOT

_PATH = ROOT / "examples" / "plot_train_with_optimizers.py"
_spec = importlib.util.spec_from_file_location("train_with_optimizers", _PATH)
examples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(examples)


@pytest.mark.parametrize("name", list(examples.OPTIMIZERS))
@pytest.mark.parametrize("model", ["logistic_regression", "mlp"])
def test_each_optimizer_trains_each_model(model, name):
    accuracy, losses = getattr(examples, model)(examples.optimizer(model, name))
    assert accuracy >= 0.95
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0] / 3
