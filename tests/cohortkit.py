"""People and a cohort for the cohort tests: trainers of Salé and Kénitra, an admin, an
expert, trainees, and the brakes course of ``quizkit`` published."""

from __future__ import annotations

from types import SimpleNamespace

from tests.quizkit import SLUG, publish


def staff(api, make) -> SimpleNamespace:
    publish(api, make, max_attempts=2)
    make.centre("KEN", "Centre de Kénitra", "Kénitra")
    people = SimpleNamespace(
        sale=make.user("trainer", centre="SALE", name="Formateur Salé"),
        kenitra=make.user("trainer", centre="KEN", name="Formatrice Kénitra"),
        admin=make.user("admin"),
        expert=make.user("expert", network="DMK"),
        trainee=make.user("trainee", centre="SALE"),
    )
    for key in ("sale", "kenitra", "admin", "expert", "trainee"):
        setattr(people, key + "_token", make.token(getattr(people, key).email))
    return people


def create_cohort(api, token, *, name="TS Diagnostic 2026", centre="SALE", courses=(SLUG,)):
    response = api.post(
        "/api/v1/cohorts",
        token=token,
        json={
            "name": name,
            "centre": centre,
            "courses": list(courses),
            "starts_on": "2026-09-15",
            "ends_on": "2027-06-30",
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]
