"""Forms of the cohort pages (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from elearn.accounts.forms import LOCALE_CHOICES, REQUIRED, MultiCheckboxField


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


REASON_HELP = _l("Kept with the action on the trainee's timeline (up to 200 characters).")
WHY = _l("Say why in a few words: the reason is kept with the action.")


class ActionForm(FlaskForm):
    """A trainer's action on one trainee: the one-time token makes a double click act once."""

    token = HiddenField()

    def fresh(self) -> ActionForm:
        """A new token for a form about to be shown (kept when it is shown again after
        an error: nothing was done with it)."""
        if not self.token.data:
            self.token.data = secrets.token_urlsafe(16)
        return self


class QuizActionForm(ActionForm):
    module = SelectField(_l("Module"), choices=[], validate_choice=False)
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(WHY), Length(max=200)],
        description=REASON_HELP,
    )


class MessageForm(ActionForm):
    text = TextAreaField(
        _l("Message"),
        validators=[DataRequired(_l("Write the message to send.")), Length(max=1000)],
        description=_l(
            "Plain text, up to 1,000 characters: the trainee gets it as a notification "
            "and by e-mail."
        ),
    )
    reason = StringField(
        _l("Note for the record (optional)"),
        validators=[Optional(), Length(max=200)],
        description=_l("Not sent to the trainee: kept with the action on the timeline."),
    )


class RemoveForm(ActionForm):
    reason = StringField(
        _l("Reason"), validators=[DataRequired(WHY), Length(max=200)], description=REASON_HELP
    )


class AddTraineeForm(ActionForm):
    email = StringField(
        _l("E-mail"),
        validators=[DataRequired(_l("Enter a valid e-mail address.")), Length(max=254)],
    )
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Give the trainee's name.")), Length(max=120)],
    )
    locale = SelectField(
        _l("Language"),
        choices=LOCALE_CHOICES,
        validate_choice=False,
        description=_l("Of the platform and of the welcome e-mail."),
    )
