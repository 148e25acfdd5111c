"""A trainer's Monday morning on a phone, in Arabic and in French: create a cohort, add
the secretariat's CSV, see who is behind, open a trainee, read the item analysis, and
download a spreadsheet with the Arabic names intact and no live formula."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.quizkit import LESSONS, QUIZ, answers_for, publish

pytestmark = pytest.mark.browser

WIDTH = 390
CSV = (
    "\ufeffemail;nom;langue\r\n"
    "fatima.zahra@ofppt.example;فاطمة الزهراء العمراني;ar\r\n"
    "youssef.b@ofppt.example;Youssef Benali;fr\r\n"
    'amine@ofppt.example;"=1+2 Amine";fr\r\n'
    "pas-un-email;Quelqu'un;fr\r\n"
).encode()
WORDS = {
    "ar": {
        "dir": "rtl",
        "trainer": "سعاد المكونة",
        "created": "أُنشئ الفوج",
        "error": "ليس عنوان بريد إلكتروني صالح",
        "exhausted": "استنفاد المحاولات دون نجاح",
        "find": "البحث",
        "no_password": "لم تُختر كلمة المرور بعد",
    },
    "fr": {
        "dir": "ltr",
        "trainer": "Souad Formatrice",
        "created": "Cohorte créée",
        "error": "n'est pas une adresse e-mail valide",
        "exhausted": "Plus de tentative, sans réussite",
        "find": "Chercher",
        "no_password": "n'a pas encore choisi de mot de passe",
    },
}


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def sign_in(page, base, email, password):
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")


def activity(api, make):
    """Fatima reads everything and passes; Youssef fails both his attempts; Amine waits."""
    fatima = make.token("fatima.zahra@ofppt.example")
    for url in LESSONS:
        api.post(url + "/complete", token=fatima)
    attempt = api.post(QUIZ, token=fatima).get_json()
    right = {"q1": "3 مم", "q2": ["صرير", "اهتزاز"], "q3": True, "q4": "٢٫٣", "q5": "الملقط"}
    api.post(
        f"/api/v1/attempts/{attempt['id']}/submit",
        token=fatima,
        json={"answers": answers_for(attempt, right)},
    )
    youssef = make.token("youssef.b@ofppt.example")
    api.post(LESSONS[0] + "/complete", token=youssef)
    for _ in range(2):
        attempt = api.post(QUIZ, token=youssef).get_json()
        api.post(
            f"/api/v1/attempts/{attempt['id']}/submit",
            token=youssef,
            json={"answers": answers_for(attempt, {"q1": "1 mm"})},
        )


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_trainer_builds_a_cohort_and_reads_its_dashboard(
    app, live_server, page, make, api, backend, lang, tmp_path
):
    words = WORDS[lang]
    publish(api, make, max_attempts=2)
    trainer = make.user("trainer", centre="SALE", name=words["trainer"], locale=lang)
    base = live_server.url
    sign_in(page, base, trainer.email, trainer.password)
    assert page.locator("html").get_attribute("dir") == words["dir"]
    shot = f"cohorts-{lang}-{backend}"

    # a new cohort of the trainer's centre, on the brakes course
    page.goto(f"{base}/cohorts")
    page.locator("a[href='/cohorts/new']").first.click()
    page.locator("input[name=name]").fill("TS Diagnostic 2026")
    page.locator("input[name=starts_on]").fill("2026-09-15")
    page.locator("input[name=courses]").first.check()
    no_sideways_scroll(page)
    screenshot(page, f"{shot}-1-new")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"{base}/cohorts/*/members")
    cohort_id = int(page.url.rstrip("/").split("/")[-2])
    assert words["created"] in page.locator("body").inner_text()

    # the secretariat's CSV: checked first, the bad row named, then added
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "liste.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    preview = page.locator("main").inner_text()
    assert "pas-un-email" in preview and words["error"] in preview
    assert "فاطمة الزهراء العمراني" in preview
    one_row = {"ar": "سطر واحد", "fr": "1 "}[lang]  # Arabic's "one" form says no number
    assert page.locator("p.flash-error").inner_text().startswith(one_row)  # one row to correct
    no_sideways_scroll(page)
    screenshot(page, f"{shot}-2-preview")
    page.locator("textarea[name=csv] + * button, form:has(textarea[name=csv]) button").first.click()
    page.wait_for_url(f"{base}/cohorts/{cohort_id}/members")
    members = page.locator("main").inner_text()
    assert "Youssef Benali" in members and "=1+2 Amine" in members
    screenshot(page, f"{shot}-3-members")

    activity(api, make)

    # the dashboard: summary, charts, who needs attention, the grid
    page.goto(f"{base}/cohorts/{cohort_id}")
    summary = [" ".join(dd.inner_text().split()) for dd in page.locator("dl.summary dd").all()]
    assert summary[:4] == ["3", "3", "2", "1"]  # members, enrolled, started, completed
    assert page.locator("svg#progress-distribution, figure svg").count() >= 2
    attention = page.locator("section[aria-labelledby=attention-title]").inner_text()
    assert "Youssef Benali" in attention and words["exhausted"] in attention
    assert "فاطمة" not in attention
    rows = page.locator("table.grid tbody tr")
    assert rows.count() == 3
    no_sideways_scroll(page)
    screenshot(page, f"{shot}-4-dashboard")

    # sorted by progress, best first; then found by a search
    with page.expect_navigation():
        page.locator("table.grid thead th").nth(1).locator("a").click()
    first = page.locator("table.grid tbody tr").first.locator("th").inner_text()
    assert first.strip() == "فاطمة الزهراء العمراني"
    page.locator("#grid-q").fill("benali")
    with page.expect_navigation():  # count() does not wait: the filtered page must be there
        page.locator("form.filters button[type=submit]").click()
    expect(page.locator("table.grid tbody tr")).to_have_count(1)
    assert words["find"] in page.locator("form.filters").inner_text()

    # the trainee's timeline
    page.locator("table.grid tbody tr th a").first.click()
    timeline = page.locator("main").inner_text()
    assert "Youssef Benali" in timeline
    assert words["no_password"] in timeline  # created from the CSV, link not used yet
    assert page.locator("a[href='mailto:youssef.b@ofppt.example']").count() == 1
    no_sideways_scroll(page)
    screenshot(page, f"{shot}-5-trainee")

    # item analysis: the question everybody fails, with its most chosen wrong answer
    page.goto(f"{base}/cohorts/{cohort_id}/items")
    q1 = page.locator("tr[id$='-q1']").inner_text()
    assert "1 mm" in q1 or "1 مم" in q1
    no_sideways_scroll(page)
    screenshot(page, f"{shot}-6-items")

    # the spreadsheet the centre keeps
    page.goto(f"{base}/cohorts/{cohort_id}")
    with page.expect_download() as download:
        page.locator("a[href*='progress.csv']").click()
    path = tmp_path / "grid.csv"
    download.value.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    names = sorted(row[0] for row in table[1:])
    assert names == sorted(["'=1+2 Amine", "Youssef Benali", "فاطمة الزهراء العمراني"])
