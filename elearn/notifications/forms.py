"""The notification settings form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from elearn.notifications.models import EmailChoice

EMAIL_CHOICES = [
    SelectChoice(EmailChoice.INSTANT.value, _l("At once, one e-mail per notification")),
    SelectChoice(EmailChoice.DAILY.value, _l("Once a day, a digest of what I have not read")),
    SelectChoice(EmailChoice.NEVER.value, _l("Never: I read them on the platform")),
]


class SettingsForm(FlaskForm):
    email = RadioField(
        _l("E-mail me my notifications"),
        choices=EMAIL_CHOICES,
        validators=[InputRequired(_l("Choose one of these."))],
    )
    reminders = BooleanField(_l("Remind me of a course I started after a week without activity"))
