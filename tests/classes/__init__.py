"""Tests for lms.classes."""
