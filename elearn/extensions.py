"""Unbound extensions, created once and bound by ``create_app``; import them from here."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event

from elearn.core.db import Base, refuse_unstorable_values

# A session lives for one request (or one command). Expiring every object at commit only
# made the answer re-read, in a second transaction (a second write lock on SQLite), the
# rows the request had just written: four more statements after a quiz submission.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
event.listen(db.session, "before_flush", refuse_unstorable_values)
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
