"""
Training a small network with Momentum, RMSprop and Adam
========================================================

A logistic regression on scikit-learn's bundled breast-cancer data and a small MLP
(64-32-10, tanh, softmax) on its bundled digits, both written in numpy, each trained
with Momentum, RMSprop and Adam from ``streamstats.optim`` (mini-batches of 32).

Run: ``pip install ".[test]" && python examples/plot_train_with_optimizers.py``; it
prints the held-out accuracies and plots the training losses (held-out accuracy in the
legend).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from streamstats.optim import Adam, Momentum, Optimizer, RMSprop

# the lecture's defaults (beta = 0.9; Adam 0.9 / 0.999), learning rates per model
OPTIMIZERS: dict[str, Callable[[float], Optimizer]] = {
    "Momentum": lambda lr: Momentum(lr, beta=0.9),
    "RMSprop": lambda lr: RMSprop(lr, beta=0.9),
    "Adam": lambda lr: Adam(lr),
}
LEARNING_RATES = {
    "logistic_regression": {"Momentum": 0.1, "RMSprop": 1e-2, "Adam": 1e-2},
    "mlp": {"Momentum": 0.1, "RMSprop": 1e-3, "Adam": 1e-3},
}


def optimizer(model: str, name: str) -> Callable[[], Optimizer]:
    """A factory of the named optimizer with its learning rate for ``model``."""
    return lambda: OPTIMIZERS[name](LEARNING_RATES[model][name])


def _split(X: np.ndarray, y: np.ndarray, seed: int):
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=seed,
                                                        stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def _batches(n: int, size: int, rng: np.random.Generator):
    order = rng.permutation(n)
    return [order[i:i + size] for i in range(0, n, size)]


def logistic_regression(make_optimizer: Callable[[], Optimizer], epochs: int = 30,
                        seed: int = 0) -> tuple[float, list[float]]:
    """Held-out accuracy and the training loss per epoch (binary cross-entropy)."""
    X_train, X_test, y_train, y_test = _split(*load_breast_cancer(return_X_y=True), seed)
    rng = np.random.default_rng(seed)
    params = {"w": np.zeros(X_train.shape[1]), "b": np.zeros(1)}
    opt, losses = make_optimizer(), []
    for _ in range(epochs):
        for idx in _batches(len(y_train), 32, rng):
            X, y = X_train[idx], y_train[idx]
            p = 1 / (1 + np.exp(-(X @ params["w"] + params["b"])))
            error = (p - y) / len(y)                  # d loss / d logit
            opt.step(params, {"w": X.T @ error, "b": np.array([error.sum()])})
        p = 1 / (1 + np.exp(-(X_train @ params["w"] + params["b"])))
        p = np.clip(p, 1e-12, 1 - 1e-12)
        losses.append(float(-np.mean(y_train * np.log(p) + (1 - y_train) * np.log(1 - p))))
    accuracy = np.mean(((X_test @ params["w"] + params["b"]) > 0) == y_test)
    return float(accuracy), losses


def mlp(make_optimizer: Callable[[], Optimizer], epochs: int = 30, hidden: int = 32,
        seed: int = 0) -> tuple[float, list[float]]:
    """A 64-hidden-10 tanh network with a softmax output: held-out accuracy and the
    training loss per epoch (cross-entropy)."""
    X_train, X_test, y_train, y_test = _split(*load_digits(return_X_y=True), seed)
    rng = np.random.default_rng(seed)
    n_in, n_out = X_train.shape[1], 10
    params = {
        "hidden": [rng.normal(0, 1 / np.sqrt(n_in), (n_in, hidden)), np.zeros(hidden)],
        "out": [rng.normal(0, 1 / np.sqrt(hidden), (hidden, n_out)), np.zeros(n_out)],
    }

    def forward(X):
        h = np.tanh(X @ params["hidden"][0] + params["hidden"][1])
        logits = h @ params["out"][0] + params["out"][1]
        z = np.exp(logits - logits.max(axis=1, keepdims=True))
        return h, z / z.sum(axis=1, keepdims=True)

    opt, losses, onehot = make_optimizer(), [], np.eye(n_out)
    for _ in range(epochs):
        for idx in _batches(len(y_train), 32, rng):
            X, Y = X_train[idx], onehot[y_train[idx]]
            h, p = forward(X)
            d_logits = (p - Y) / len(idx)
            d_h = (d_logits @ params["out"][0].T) * (1 - h * h)
            opt.step(params, {"hidden": [X.T @ d_h, d_h.sum(axis=0)],
                              "out": [h.T @ d_logits, d_logits.sum(axis=0)]})
        _, p = forward(X_train)
        losses.append(float(-np.mean(np.log(p[np.arange(len(y_train)), y_train] + 1e-12))))
    _, p = forward(X_test)
    return float(np.mean(p.argmax(axis=1) == y_test)), losses


def main() -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, (title, train) in zip(axes, [("logistic regression, breast cancer",
                                          logistic_regression),
                                         ("MLP 64-32-10, digits", mlp)]):
        for name in OPTIMIZERS:
            accuracy, losses = train(optimizer(train.__name__, name))
            print(f"{title:<36} {name:<9} held-out accuracy {accuracy:.3f}")
            ax.plot(range(1, len(losses) + 1), losses, label=f"{name} ({accuracy:.3f})")
        ax.set(title=title, xlabel="epoch", ylabel="training loss", yscale="log")
        ax.legend()
    fig.tight_layout()
    plt.show()


if __name__ == "__main__":
    main()
