"""Titanic survival: tabular binary classification."""
