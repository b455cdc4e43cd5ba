"""Test support: throwaway PostgreSQL, the dialogue harness."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROSTER = ROOT / "examples" / "roster.csv"
