"""Fuzzing and API robustness."""
