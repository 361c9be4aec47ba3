"""Governance: the model inventory, model cards, deployment history, experiment reports,
operations and cost per model, the MLflow sync and the weekly documentation cycle."""
