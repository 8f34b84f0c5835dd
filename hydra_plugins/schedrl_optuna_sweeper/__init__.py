"""Hydra looks for sweepers in the `hydra_plugins` namespace: this one drives Optuna."""
