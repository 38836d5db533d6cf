"""Tests for lms.certificates."""
