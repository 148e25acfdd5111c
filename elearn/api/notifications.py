"""``/me/notifications``: what the platform told the caller, and marking it read."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from elearn.api.blueprint import Blueprint
from elearn.api.schemas import PageArgs, UTCDateTime
from elearn.core import clock
from elearn.core.urls import absolute
from elearn.extensions import db
from elearn.notifications import kinds, services
from elearn.notifications.models import EmailChoice

blp = Blueprint("notifications_api", __name__, description="Notifications")
SECURED = {"security": [{"bearerAuth": []}]}
MAX_IDS = 500


class NotificationArgs(PageArgs):
    unread = fields.Boolean(
        load_default=False, metadata={"description": "true: only the unread ones"}
    )


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String(
        metadata={
            "description": "review_submitted, review_comment, review_returned, course_published, "
            "lessons_added, trainer_digest, inactive_reminder, quiz_deadline"
        }
    )
    title = fields.String(metadata={"description": "In the caller's language (?lang=)"})
    body = fields.String()
    url = fields.String(metadata={"description": "Where it leads, an absolute address"})
    created_at = UTCDateTime()
    read = fields.Boolean()


class NotificationPage(Schema):
    items = fields.List(fields.Nested(NotificationOut))
    total = fields.Integer(metadata={"description": "How many match the filter"})
    unread = fields.Integer(metadata={"description": "How many are unread, whatever the filter"})
    page = fields.Integer()
    per_page = fields.Integer()


class ReadIn(Schema):
    ids = fields.List(
        fields.Integer(strict=True),
        metadata={"description": "The notifications to mark read (others' ids are ignored)"},
    )
    all = fields.Boolean(metadata={"description": "true: mark every notification read"})

    @validates_schema
    def _one_of(self, data, **_kwargs):
        if bool(data.get("ids")) == bool(data.get("all")):
            raise ValidationError(
                str(_l("Send either ids (a list of notification ids) or all: true."))
            )
        if len(data.get("ids") or ()) > MAX_IDS:
            raise ValidationError(
                str(_l("Send at most %(max)s ids at a time.", max=MAX_IDS)), field_name="ids"
            )


class ReadOut(Schema):
    unread = fields.Integer()


class SettingsIO(Schema):
    email = fields.String(
        required=True,
        validate=validate.OneOf([c.value for c in EmailChoice]),
        metadata={"description": "instant, daily (a digest) or never"},
    )
    reminders = fields.Boolean(
        required=True, metadata={"description": "A reminder after a week without activity"}
    )


def _item(n) -> dict:
    title, body = kinds.write(n.kind, n.params)
    return {
        "id": n.id,
        "kind": n.kind,
        "title": title,
        "body": body,
        "url": absolute(n.url),
        "created_at": n.created_at,
        "read": n.read_at is not None,
    }


@blp.route("/me/notifications", methods=["GET"])
@login_required  # before the body is read: a stranger learns nothing of its shape
@blp.arguments(NotificationArgs, location="query")
@blp.response(200, NotificationPage)
@blp.problems(401, 422)
@blp.doc(**SECURED)
def list_notifications(args):
    """The caller's notifications, newest first, written in the caller's language."""
    page, unread = services.listing(
        db.session,
        current_user,
        unread_only=args["unread"],
        page=args["page"],
        per_page=args["per_page"],
    )
    return {
        "items": [_item(n) for n in page.items],
        "total": page.total,
        "unread": unread,
        "page": page.page,
        "per_page": page.per_page,
    }


@blp.route("/me/notifications/read", methods=["POST"])
@login_required  # before the body is read: a stranger learns nothing of its shape
@blp.arguments(ReadIn)
@blp.response(200, ReadOut)
@blp.problems(401, 422)
@blp.doc(**SECURED)
def mark_read(data):
    """Mark ``ids`` (or ``all``) read; answers how many remain unread."""
    unread = services.mark_read(
        db.session,
        current_user,
        ids=data.get("ids"),
        everything=bool(data.get("all")),
        now=clock.now(),
    )
    return {"unread": unread}


@blp.route("/me/notification-settings", methods=["GET"])
@blp.response(200, SettingsIO)
@blp.problems(401)
@blp.doc(**SECURED)
@login_required
def get_settings():
    """How the caller is told by e-mail, and whether reminders are on."""
    return services.settings_of(db.session, current_user.id)


@blp.route("/me/notification-settings", methods=["PUT"])
@login_required  # before the body is read: a stranger learns nothing of its shape
@blp.arguments(SettingsIO)
@blp.response(200, SettingsIO)
@blp.problems(401, 422)
@blp.doc(**SECURED)
def put_settings(data):
    """Change how the caller is told."""
    return services.save_settings(
        db.session, current_user, email=data["email"], reminders=data["reminders"]
    )
