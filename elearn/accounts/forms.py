"""Forms of the sign-in, account and administration pages (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from elearn.accounts.models import DOMAINS, SIGNOFF_ROLES, Role
from elearn.i18n.formatting import DOMAIN_LABELS, ROLE_LABELS, SIGNOFF_LABELS
from elearn.i18n.languages import INTERFACE_LANGUAGES, LANGUAGE_NAMES

#: What a person may choose to be spoken to in: the interface languages, not every
#: language content may be written in.
#: each language by its own name, tagged with it ("Français" on an Arabic page)
LOCALE_CHOICES = [
    SelectChoice(code, LANGUAGE_NAMES[code], render_kw={"lang": code})
    for code in INTERFACE_LANGUAGES
]
REQUIRED = _l("This field is required.")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=256)])
    next = HiddenField()


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired(REQUIRED)])
    new_password = PasswordField(
        _l("New password"), validators=[InputRequired(REQUIRED), Length(max=256)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new_password", message=_l("The two passwords differ."))],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])


class SetupPasswordForm(FlaskForm):
    new_password = PasswordField(
        _l("Choose a password"), validators=[InputRequired(REQUIRED), Length(max=256)]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("new_password", message=_l("The two passwords differ."))],
    )


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    locale = SelectField(_l("Preferred language"), choices=LOCALE_CHOICES)


class EmailChangeForm(FlaskForm):
    email = EmailField(
        _l("New e-mail"),
        validators=[DataRequired(REQUIRED), Length(max=254)],
        description=_l("We send a link to this address: your e-mail changes once you follow it."),
    )
    password = PasswordField(
        _l("Current password"), validators=[InputRequired(REQUIRED), Length(max=256)]
    )


class ConfirmForm(FlaskForm):
    """A button and its CSRF token: what a link opens, and only a person presses."""


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(REQUIRED), Length(max=100)],
        description=_l("For example: my laptop, centre script."),
    )


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    roles = MultiCheckboxField(
        _l("Roles"), choices=[SelectChoice(r.value, ROLE_LABELS[r.value]) for r in Role]
    )
    network = SelectField(_l("Network (experts)"), choices=[], validate_choice=False)
    centre = SelectField(_l("Centre (trainers and trainees)"), choices=[], validate_choice=False)
    locale = SelectField(_l("Preferred language"), choices=LOCALE_CHOICES)
    password = PasswordField(
        _l("Password"),
        validators=[Optional(), Length(max=256)],
        description=_l(
            "Leave empty to keep it unchanged. Without a password the person cannot sign in."
        ),
    )
    active = BooleanField(_l("Active (may sign in)"), default=True)


class CentreForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(REQUIRED), Length(max=32)],
        description=_l("Short and stable, e.g. SALE."),
    )
    name = StringField(_l("Name in French"), validators=[DataRequired(REQUIRED), Length(max=200)])
    name_ar = StringField(_l("Name in Arabic"), validators=[Optional(), Length(max=200)])
    city = StringField(_l("City"), validators=[DataRequired(REQUIRED), Length(max=100)])


class NetworkForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(REQUIRED), Length(max=32)])
    name_fr = StringField(
        _l("Name in French"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    name_ar = StringField(
        _l("Name in Arabic"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    country = StringField(
        _l("Country (ISO code)"),
        validators=[Optional(), Length(max=2)],
        description=_l(
            "Two letters, e.g. DE for Germany. "
            "Leave empty for a network spread over several countries."
        ),
    )
    domains = MultiCheckboxField(
        _l("Domains"), choices=[SelectChoice(d, DOMAIN_LABELS[d]) for d in DOMAINS]
    )
    required_signoffs = MultiCheckboxField(
        _l("Sign-offs required before publication"),
        choices=[SelectChoice(r, SIGNOFF_LABELS[r]) for r in SIGNOFF_ROLES],
        description=_l("None ticked: the administrator's review is enough."),
    )


class ReviewerForm(FlaskForm):
    """Who may sign off a role for a network's courses."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    role = SelectField(
        _l("Sign-off"),
        choices=[SelectChoice(r, SIGNOFF_LABELS[r]) for r in SIGNOFF_ROLES],
        validators=[DataRequired(REQUIRED)],
    )
