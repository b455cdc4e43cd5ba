"""Imports every module that defines tables, so Base.metadata knows the whole schema."""

from storage import milestones, models, surveys

__all__ = ["milestones", "models", "surveys"]
