"""Tests of the class report exports (lms.reports)."""
