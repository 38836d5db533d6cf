"""``N_``: mark a message for the catalog without translating it (gettext_noop).

A module of its own so that code without Flask (the render processes of bulk
certificate issue) can mark messages without importing Flask-Babel and the database.
"""

from __future__ import annotations

__all__ = ["N_"]


def N_(message: str) -> str:  # noqa: N802 (gettext's name for it, known to pybabel)
    """Mark ``message`` for the catalog without translating it here: it is translated
    where it is shown, with ``_(message)`` (gettext_noop)."""
    return message
