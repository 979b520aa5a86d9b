"""Titanic options beyond the default run: ensembles, Kaggle output, cross-validation."""
