"""`refapps titanic cv` and `refapps bench titanic`: the classical models beside the network.

    refapps titanic cv      # the network and these four, on the same folds and features

The scikit-learn models a Kaggle user would try, with their usual settings, fed exactly
the app's fitted features, so a comparison is about the model. None of them is saved with
a run: the network beat them in CV (the study linked from the README).
"""

from __future__ import annotations

from typing import Any

import numpy as np

CLASSICAL = ("logistic_regression", "hist_gradient_boosting", "random_forest", "svm")


def classical_model(name: str, seed: int) -> Any:
    """An unfitted scikit-learn classifier by name."""
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    return {
        "logistic_regression": lambda: LogisticRegression(C=1.0, max_iter=2000),
        "hist_gradient_boosting": lambda: HistGradientBoostingClassifier(random_state=seed),
        "random_forest": lambda: RandomForestClassifier(
            n_estimators=200, min_samples_leaf=2, random_state=seed, n_jobs=1
        ),
        "svm": lambda: SVC(C=1.0, random_state=seed),
    }[name]()


def classical_scores(model: Any, x: np.ndarray) -> np.ndarray:
    """A score that ranks passengers (probability, or the SVM's margin)."""
    if hasattr(model, "predict_proba"):
        return model.predict_proba(x)[:, 1]
    return model.decision_function(x)


def threshold(name: str) -> float:
    """The score above which a model says "survived" (the SVM's margin is centred on 0)."""
    return 0.0 if name == "svm" else 0.5
