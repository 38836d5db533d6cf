"""Quizzes: question banks, attempts and question-bank interchange formats."""
