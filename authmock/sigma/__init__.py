"""Sigma PIM: state and rules (models), HTTP endpoints (views), Python API (control)."""
