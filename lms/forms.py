"""The base of every form: WTForms' own messages in the page's language.

WTForms ships no Vietnamese catalog, so Flask-WTF's i18n (which loads WTForms' catalogs)
leaves "This field is required." in English on a Vietnamese page. Forms derive from
:class:`Form`, whose ``Meta.get_translations`` returns a translations provider (the one
WTForms documents under "Writing your own translations provider") backed by our Flask-Babel
catalog; :data:`WTFORMS_MESSAGES` puts WTForms' and Flask-WTF's messages in that catalog.
"""

from __future__ import annotations

from typing import Any

import wtforms
from flask_babel import get_translations
from flask_wtf import FlaskForm

from lms.gettext_noop import N_


class BabelTranslations:
    """``gettext``/``ngettext`` from the request's catalog, without %-formatting (WTForms
    formats its messages itself)."""

    def gettext(self, string: str) -> str:
        return str(get_translations().ugettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(get_translations().ungettext(singular, plural, n))


_TRANSLATIONS = BabelTranslations()


class Form(FlaskForm):
    """A Flask-WTF form whose built-in messages come from our catalog."""

    class Meta:
        def get_translations(self, form: Any) -> BabelTranslations:
            return _TRANSLATIONS


class SubForm(wtforms.Form):
    """A form nested in another (``FormField``, no CSRF of its own), with the same
    messages in the page's language."""

    class Meta:
        def get_translations(self, form: Any) -> BabelTranslations:
            return _TRANSLATIONS


def ngettext(singular: str, plural: str, n: int) -> tuple[str, str]:
    """Mark a plural message for the catalog (named so that pybabel extracts it)."""
    del n
    return singular, plural


#: The messages WTForms 3 and Flask-WTF produce (wtforms/locale/wtforms.pot, flask_wtf.file):
#: a singular or a (singular, plural) pair. Kept here so that ``make catalog`` keeps them.
_MESSAGES: tuple[str | tuple[str, str], ...] = (
    N_("Invalid field name '%s'."),
    N_("Field must be equal to %(other_name)s."),
    ngettext("Field must be at least %(min)d character long.",
             "Field must be at least %(min)d characters long.", 1),
    ngettext("Field cannot be longer than %(max)d character.",
             "Field cannot be longer than %(max)d characters.", 1),
    ngettext("Field must be exactly %(max)d character long.",
             "Field must be exactly %(max)d characters long.", 1),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Date must be at least %(min)s."),
    N_("Date must be at most %(max)s."),
    N_("Date must be between %(min)s and %(max)s."),
    N_("This field is required."),
    N_("Invalid input."),
    N_("Invalid email address."),
    N_("Invalid IP address."),
    N_("Invalid Mac address."),
    N_("Invalid URL."),
    N_("Invalid UUID."),
    N_("Invalid value, must be one of: %(values)s."),
    N_("Invalid value, can't be any of: %(values)s."),
    N_("This field cannot be edited."),
    N_("This field is disabled and cannot have a value."),
    N_("Invalid CSRF Token."),
    N_("CSRF token missing."),
    N_("CSRF failed."),
    N_("CSRF token expired."),
    N_("Invalid Choice: could not coerce."),
    N_("Choices cannot be None."),
    N_("Not a valid choice."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
    ngettext("'%(value)s' is not a valid choice for this field.",
             "'%(value)s' are not valid choices for this field.", 1),
    N_("Not a valid datetime value."),
    N_("Not a valid date value."),
    N_("Not a valid time value."),
    N_("Not a valid week value."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Not a valid float value."),
    N_("File does not have an approved extension: {extensions}"),
    N_("File does not have an approved extension."),
)

#: (singular, plural or None) of each message above.
WTFORMS_MESSAGES: tuple[tuple[str, str | None], ...] = tuple(
    (m, None) if isinstance(m, str) else m for m in _MESSAGES)
