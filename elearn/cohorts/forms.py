"""Forms of the cohort pages (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from elearn.accounts.forms import REQUIRED, MultiCheckboxField


class CohortForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    centre = SelectField(_l("Centre"), choices=[], validate_choice=False)
    starts_on = DateField(
        _l("Starts on"),
        validators=[DataRequired(_l("Give the date the cohort starts (YYYY-MM-DD)."))],
    )
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    courses = MultiCheckboxField(
        _l("Courses"),
        choices=[],
        validate_choice=False,
        description=_l("Members are enrolled in every course of the cohort."),
    )
    trainers = MultiCheckboxField(_l("Trainers"), choices=[], validate_choice=False)


class MembersUploadForm(FlaskForm):
    file = FileField(
        _l("List of trainees (CSV)"),
        description=_l(
            "Columns email and name (or Nom and Prénom apart), and optionally locale (fr or "
            "ar); separated by , or ; as Excel saves them; UTF-8 (in Excel: CSV UTF-8)."
        ),
    )
