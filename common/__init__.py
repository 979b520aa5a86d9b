"""Shared toolkit for the refapps apps: training loops, metrics, devices, checkpoints, data.

Nothing in here knows about any app; apps import from here, never the other way round.
"""
