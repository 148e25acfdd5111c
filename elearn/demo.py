"""``elearn demo``: centres and one account per role, so a newcomer can look around.

Idempotent: running it again creates only what is missing and never changes a password
someone has set since.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from elearn.accounts import passwords, services
from elearn.authoring.cli import import_or_report
from elearn.config import PROJECT_ROOT
from elearn.core.cli import fail
from elearn.core.clock import now
from elearn.core.edge import unit_of_work
from elearn.demo_cohort import COHORT_NAME, load_demo_cohort
from elearn.extensions import db
from elearn.i18n.formatting import SIGNOFF_LABELS, STATUS_LABELS

#: The sign-offs each demo network requires before publication (set while it has none).
REQUIRED_SIGNOFFS = {"DMK": ["domain", "pedagogy"]}

#: Printed on purpose, so it is public: it is on the list of refused passwords, and no real
#: account can choose it. The demo writes its hash itself (demo_password_hash), which is
#: why the demo is refused in production.
DEMO_PASSWORD = "demo-elearn"  # noqa: S105

CENTRES = [
    {
        "code": "SALE",
        "name": "OFPPT — Centre de formation professionnelle de Salé",
        "name_ar": "مكتب التكوين المهني — مركز التكوين المهني سلا",
        "city": "Salé",
    },
    {
        "code": "KENITRA",
        "name": "OFPPT — Centre de formation professionnelle de Kénitra",
        "name_ar": "مكتب التكوين المهني — مركز التكوين المهني القنيطرة",
        "city": "Kénitra",
    },
]

ACCOUNTS = [
    {
        "email": "admin@mre-academy.example",
        "name": "Nadia El Idrissi",
        "roles": ["admin"],
        "locale": "fr",
    },
    {
        "email": "expert.dmk@mre-academy.example",
        "name": "Karim Benjelloun",
        "roles": ["expert"],
        "network": "DMK",
        "locale": "fr",
    },
    {
        "email": "expert.aeromac@mre-academy.example",
        "name": "Youssef Alaoui",
        "roles": ["expert"],
        "network": "AEROMAC",
        "locale": "fr",
    },
    {
        "email": "formateur.sale@mre-academy.example",
        "name": "Samira Tazi",
        "roles": ["trainer", "trainee"],
        "centre": "SALE",
        "locale": "fr",
    },
    {
        # reviews DMK's courses: an expert of another network, the subject and the Arabic
        "email": "relecture.c3m@mre-academy.example",
        "name": "Leïla Berrada",
        "roles": ["expert"],
        "network": "C3M",
        "locale": "fr",
        "reviews": {"DMK": ["domain", "translation"]},
    },
    {
        # reviews DMK's courses as a trainer: how they teach
        "email": "relecture.pedagogie@mre-academy.example",
        "name": "Rachid Ouazzani",
        "roles": ["trainer"],
        "centre": "SALE",
        "locale": "fr",
        "reviews": {"DMK": ["pedagogy"]},
    },
    {
        "email": "stagiaire.sale@mre-academy.example",
        "name": "Omar Chraibi",
        "roles": ["trainee"],
        "centre": "SALE",
        "locale": "fr",
    },
    {
        "email": "stagiaire.kenitra@mre-academy.example",
        "name": "فاطمة الزهراء العمراني",
        "roles": ["trainee"],
        "centre": "KENITRA",
        "locale": "ar",
    },
]


def demo_password_hash() -> str:
    """The demo password's hash, for the demo's accounts only: ``check_password`` would
    rightly refuse it (it is public), so the demo sets it past the rule, on accounts it
    has just created through the usual services. One hash for all of them, computed once."""
    return passwords.hash_password(DEMO_PASSWORD)


def load_demo(session, password_hash: str) -> list[dict]:
    """Create what is missing; return the accounts as printed."""
    for centre in CENTRES:
        found = services.centre_by_code_or_none(session, centre["code"])
        if found is None:
            services.save_centre(session, None, **centre)
        elif not found.name_ar:  # a demo loaded before centres had an Arabic name
            found.name_ar = centre["name_ar"]
    for spec in ACCOUNTS:
        if services.find_user(session, spec["email"]) is None:
            user = services.create_user(
                session,
                email=spec["email"],
                name=spec["name"],
                roles=spec["roles"],
                network=services.network_by_code(session, spec.get("network")),
                centre=services.centre_by_code(session, spec.get("centre")),
                locale=spec["locale"],
            )
            user.password_hash = password_hash
        for code, roles in spec.get("reviews", {}).items():
            network = services.network_by_code(session, code)
            for role in roles:
                services.add_reviewer(session, network, spec["email"], role)
    for code, roles in REQUIRED_SIGNOFFS.items():
        network = services.network_by_code(session, code)
        if not network.required_signoffs:
            services.require_signoffs(network, roles)
    session.flush()
    return ACCOUNTS


@click.command("demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Allow it in production (known passwords!).")
def demo_command(force: bool) -> None:
    """Load demo centres and accounts (idempotent) and print the accounts."""
    if current_app.config["PRODUCTION"] and not force:
        fail(_("Refusing to create accounts with a known password in production (use --force)."))
    password_hash = demo_password_hash()
    with unit_of_work():
        accounts = load_demo(db.session, password_hash)
    load_sample_courses()  # each course all or nothing, on its own
    with unit_of_work():
        cohort = load_demo_cohort(db.session, now=now(), password_hash=password_hash)
    if cohort is not None:
        click.echo(_("Cohort %(name)s: ready.", name=COHORT_NAME))
    click.echo(_("Demo accounts (password: %(password)s):", password=DEMO_PASSWORD))
    for spec in accounts:
        where = spec.get("network") or spec.get("centre") or ""
        reviews = "; ".join(
            _("reviews %(network)s: %(roles)s", network=code, roles=_labels(roles))
            for code, roles in spec.get("reviews", {}).items()
        )
        click.echo(
            f"  {', '.join(spec['roles']):<17} {spec['email']:<40} {where} {reviews}".rstrip()
        )
    for code, roles in REQUIRED_SIGNOFFS.items():
        click.echo(
            _("%(network)s requires sign-offs: %(roles)s", network=code, roles=_labels(roles))
        )


def _labels(roles) -> str:
    """Sign-off roles as the operator reads them (their labels, not their codes)."""
    return ", ".join(str(SIGNOFF_LABELS[role]) for role in roles)


def load_sample_courses(folder: Path = PROJECT_ROOT / "courses") -> None:
    """Import and publish every package under ``courses/`` (one transaction each)."""
    for path in sorted(p for p in folder.iterdir() if (p / "course.yml").is_file()):
        course = import_or_report(path, publish=True)
        if course is not None:
            status = STATUS_LABELS[course.status]
            click.echo(_("Course %(slug)s: %(status)s.", slug=course.slug, status=status))
