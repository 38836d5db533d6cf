"""Tests for lms.quizzes."""
