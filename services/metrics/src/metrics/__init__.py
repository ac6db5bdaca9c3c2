"""Metrics: the projector, KPI read models, the audit history and the reporting contract."""
