"""Hostile course packages pushed through the API (``POST /api/v1/courses/import``, as
``elearn push`` sends them), T36-T39: refused with a 422 problem+json that names the entry
and says what is wrong, no course created, no media stored, nothing written anywhere.

``tests/test_packages.py::test_hostile_package_is_refused_without_harm`` runs the same
families through ``elearn courses import`` and ``validate`` (a folder or a .zip on disk):
zip-slip (``../``, absolute, backslashes), symlink entries and folders, a 300 MB bomb with
an honest header and one whose header claims 1000 bytes, too many entries (with
``MAX_ENTRIES`` lowered), YAML alias bombs, ``!!python/object/apply`` in course.yml and
YAML nested 20,000 deep. Here the bytes arrive over HTTP and are read from memory, every
YAML file kind gets the tags (not only course.yml), the entry cap is the real one, and
the bombs' headers lie both ways.

- T36 ``test_an_entry_escaping_the_package_is_refused_and_written_nowhere``,
  ``test_symbolic_links_are_refused_and_nothing_leaks``.
- T37 ``test_a_zip_bomb_is_stopped_by_a_running_byte_count`` (honest header; a header
  claiming 1000 bytes; a header claiming a huge compressed size, which would defeat a ratio
  computed on the declared sizes), with the server's memory peak measured;
  ``test_more_entries_than_the_cap_are_refused``. The third bomb got through before
  ``package.files._packed_size`` bounded an entry's compressed size by the bytes it really
  has in the archive: Python 3.11.7's zipfile does not check overlapping entries, so a
  200 KB upload made the server hold 136 MiB (and up to the 1 GiB package budget).
- T37 within the limits (issue 13, item 7): a 3.5 MB package whose video inflates to
  256 MiB (about 77:1, under every limit) went through whole in memory: 516 MiB held by a
  dry run, 773 by an import, 1,030 by the Studio's check, 526 by the export.
  ``test_media_inflating_within_the_limits_stay_on_disk_from_dry_run_to_export`` measures
  each step (tracemalloc) and checks the stored object and the exported entry against the
  video's digest; ``test_spooled_media_are_removed_when_the_package_is_refused_or_the_import_fails``
  and ``test_a_folder_package_is_read_in_place_and_the_cli_leaves_nothing`` check that no
  temporary file outlives a request or a command, whatever its outcome.
- T38 not applicable: no XML is ever parsed from input. ``elearn/`` uses
  ``xml.etree.ElementTree`` only to build Python-Markdown's output tree (rendering.py), and
  openpyxl only to write exports; there is no XML/XLSX import, no SVG accepted, no
  defusedxml needed. ``test_xml_entities_in_a_package_are_inert`` checks the observable
  side: a ``manifest.xml`` with XXE and billion laughs and a lesson carrying an inline
  DOCTYPE neither leak a file nor expand.
- T39 ``test_python_tags_in_any_yaml_file_are_refused_and_never_run``,
  ``test_a_yaml_alias_bomb_is_refused``.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import stat
import struct
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from elearn.extensions import db
from tests.factories import PNG, job_of, package, upload

pytestmark = pytest.mark.adversarial

SLUG = "engine-basics"
BASE_HTML = Path(__file__).resolve().parents[2] / "elearn" / "templates" / "base.html"


@pytest.fixture
def app_config(tmp_path):
    return {"STORAGE": "local", "MEDIA_DIR": str(tmp_path / "media")}


@pytest.fixture
def expert(make):
    return make.token(make.user("expert", network="DMK").email)


def said(app, msgid: str, **values) -> str:
    """The message as a French-speaking expert reads it (their locale is fr)."""
    with app.test_request_context(), force_locale("fr"):
        return gettext(msgid, **values)


def with_entries(extra: list[tuple[zipfile.ZipInfo | str, bytes]], files: dict | None = None):
    """The valid ``engine-basics`` package, some files replaced, plus hostile entries."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package())) as source:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for info in source.infolist():
                rel = info.filename.split("/", 1)[1]
                data = (files or {}).get(rel, source.read(info))
                archive.writestr(info.filename, data)
            for name, data in extra:
                archive.writestr(name, data)
    return buffer.getvalue()


def refused(app, api, token, data) -> list[dict]:
    """Push it; assert the 422 problem and that nothing was created; return the errors."""
    response = upload(api, token, data)
    assert response.status_code == 422, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["detail"] == said(app, "The package has errors; nothing was imported.")
    assert body["errors"] and all(e["message"] for e in body["errors"])
    dry = upload(api, token, data, "?dry_run=true")
    assert dry.status_code == 200 and dry.get_json()["valid"] is False
    assert api.get(f"/api/v1/courses/{SLUG}", token=token).status_code == 404
    with app.app_context():
        from elearn.media.storage import get_storage

        assert get_storage().keys("") == []
    return body["errors"]


def named(errors: list[dict], entry: str) -> list[str]:
    """Messages of the errors about one entry (reported with or without the top folder)."""
    bare = entry.removeprefix(f"{SLUG}/")
    return [e["message"] for e in errors if e["path"] in (entry, bare)]


# -- T36: paths that escape, symbolic links -------------------------------------------------


def escaping_entries(mark: str) -> list[str]:
    return [
        f"../../evil-{mark}.txt",
        f"{SLUG}/../../evil-{mark}.txt",
        f"{SLUG}/../../elearn/templates/base.html",  # our own layout, from the cwd
        f"/etc/cron.d/evil-{mark}",
        f"/tmp/evil-{mark}.txt",  # noqa: S108 - the name an extractor would write to
        f"..\\..\\evil-{mark}.txt",
        f"{SLUG}/media/..\\..\\..\\evil-{mark}.png",
        f"C:/Windows/Temp/evil-{mark}.txt",
    ]


def landing_places(app, tmp_path: Path) -> list[Path]:
    """Where a careless extractor would have put an escaping entry."""
    cwd = Path.cwd()
    media = Path(app.config["MEDIA_DIR"])
    return [
        cwd,
        cwd.parent,
        cwd.parent.parent,
        Path("/"),
        Path("/tmp"),  # noqa: S108
        Path("/etc/cron.d"),
        tmp_path,
        media,
        media.parent,
        Path(app.instance_path),
    ]


def written(places: list[Path], mark: str) -> list[Path]:
    found = []
    for place in places:
        if place.is_dir():
            found += [place / n for n in os.listdir(place) if mark in n]
    return found


@pytest.mark.parametrize("index", range(len(escaping_entries(""))))
def test_an_entry_escaping_the_package_is_refused_and_written_nowhere(
    app, api, expert, tmp_path, index
):
    mark = secrets.token_hex(6)
    entry = escaping_entries(mark)[index]
    layout_before = hashlib.sha256(BASE_HTML.read_bytes()).hexdigest()
    errors = refused(app, api, expert, with_entries([(entry, b"<h1>pwned</h1>" + PNG)]))
    assert said(app, "path escapes the package") in named(errors, entry), errors
    assert written(landing_places(app, tmp_path), mark) == []
    assert hashlib.sha256(BASE_HTML.read_bytes()).hexdigest() == layout_before


def symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix: the mode bits below are read
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    "extra, entry",
    [
        ([(symlink(f"{SLUG}/media/passwd.png"), b"/etc/passwd")], f"{SLUG}/media/passwd.png"),
        (
            [
                (symlink(f"{SLUG}/media/etc"), b"/etc"),
                (f"{SLUG}/media/etc/passwd.png", PNG),
            ],
            f"{SLUG}/media/etc",
        ),
        ([(symlink(f"{SLUG}/01-basics/03-leak.fr.md"), b"/etc/passwd")], None),
    ],
    ids=["file-to-etc-passwd", "folder-to-etc-then-through-it", "lesson-to-etc-passwd"],
)
def test_symbolic_links_are_refused_and_nothing_leaks(app, api, expert, extra, entry):
    entry = entry or extra[0][0].filename
    data = with_entries(extra)
    errors = refused(app, api, expert, data)
    assert said(app, "symbolic links are not allowed") in named(errors, entry), errors
    for response in (upload(api, expert, data), upload(api, expert, data, "?dry_run=true")):
        text = response.get_data(as_text=True)
        assert "root:x:0:0" not in text and "/bin/" not in text


# -- T37: bombs and entry floods ------------------------------------------------------------

BOMB_MB = 200
BOMB = f"{SLUG}/media/demo.mp4"
MP4 = b"\x00\x00\x00\x18ftypmp42"


def _patch_header(data: bytearray, name: bytes, *, local: int | None, central: int | None, value):
    """Rewrite a size field of one entry in its local header and/or its central record."""
    if local is not None:
        at = data.index(b"PK\x03\x04")
        while data[at + 30 : at + 30 + len(name)] != name:
            at = data.index(b"PK\x03\x04", at + 4)
        struct.pack_into("<I", data, at + local, value)
    if central is not None:
        at = data.index(b"PK\x01\x02")
        while data[at + 46 : at + 46 + len(name)] != name:
            at = data.index(b"PK\x01\x02", at + 4)
        struct.pack_into("<I", data, at + central, value)


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    """The valid package plus ``media/demo.mp4``: an MP4 signature then 200 MB of zeros
    (about 200 KB compressed), with an honest header and with two kinds of lies."""
    buffer = io.BytesIO(package())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(BOMB, "w", force_zip64=False) as fh:
            fh.write(MP4)
            block = bytes(1024 * 1024)
            for _ in range(BOMB_MB):
                fh.write(block)
    honest = buffer.getvalue()
    name = BOMB.encode()
    # claims 1000 bytes: a check on the declared size would let it through
    small = bytearray(honest)
    _patch_header(small, name, local=22, central=24, value=1000)
    # claims 2 GB compressed: a ratio computed on declared sizes would find it ordinary
    dense = bytearray(honest)
    _patch_header(dense, name, local=None, central=20, value=2_000_000_000)
    with zipfile.ZipFile(io.BytesIO(bytes(small))) as archive:
        assert archive.getinfo(BOMB).file_size == 1000
    with zipfile.ZipFile(io.BytesIO(bytes(dense))) as archive:
        assert archive.getinfo(BOMB).compress_size == 2_000_000_000
    assert len(honest) < 1024 * 1024
    return {"honest": honest, "claims-1000-bytes": bytes(small), "claims-2-GB-packed": bytes(dense)}


@pytest.mark.parametrize("kind", ["honest", "claims-1000-bytes", "claims-2-GB-packed"])
def test_a_zip_bomb_is_stopped_by_a_running_byte_count(app, api, expert, bombs, kind):
    tracemalloc.start()
    try:
        response = upload(api, expert, bombs[kind])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 422, response.get_data(as_text=True)[:2000]
    messages = named(response.get_json()["errors"], BOMB)
    assert messages, response.get_json()["errors"]
    expected = {
        said(app, "suspicious compression ratio (zip bomb?)"),
        said(app, "unreadable entry in the .zip"),
        said(app, "the package is too large once uncompressed"),
        said(app, "file larger than the limit (%(mib)s MiB)", mib=2048),
    }
    assert set(messages) <= expected, messages
    # the entry expands to 200 MB: reading stopped long before that
    assert peak < 64 * 1024 * 1024, f"{peak / 2**20:.0f} MiB held while reading the bomb"
    assert api.get(f"/api/v1/courses/{SLUG}", token=expert).status_code == 404


def test_more_entries_than_the_cap_are_refused(app, api, expert):
    from elearn.authoring.package.files import MAX_ENTRIES

    extra = [(f"{SLUG}/media/f{n:05d}.png", PNG) for n in range(MAX_ENTRIES)]
    errors = refused(app, api, expert, with_entries(extra))
    count = MAX_ENTRIES + len(zipfile.ZipFile(io.BytesIO(package())).infolist())
    assert said(
        app, "too many files (%(infos)s > %(max_entries)s)", infos=count, max_entries=MAX_ENTRIES
    ) in [e["message"] for e in errors], errors


# -- T38: no XML parser sees the package ----------------------------------------------------

XXE = """<?xml version="1.0"?>
<!DOCTYPE m [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
  <!ENTITY a "lollollollollollollollollollol">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<manifest><title>&xxe;&c;</title></manifest>
"""


def test_xml_entities_in_a_package_are_inert(app, api, expert):
    """A stray manifest.xml is not read; an inline DOCTYPE in a lesson is text to sanitise;
    an SVG (XML) is not an accepted media type at all."""
    lesson = (
        "---\ntitle: Le cycle\n---\n\n"
        '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n\n'
        "<p>&xxe;</p>\n\nQuatre temps.\n"
    )
    svg = with_entries([(f"{SLUG}/media/x.svg", XXE.encode())])
    errors = refused(app, api, expert, svg)
    assert [e["path"] for e in errors] == ["media/x.svg"]
    assert "root:x:0:0" not in str(errors) and "lollollol" not in str(errors)

    data = with_entries(
        [(f"{SLUG}/manifest.xml", XXE.encode())], files={"01-basics/01-cycle.fr.md": lesson}
    )
    response = upload(api, expert, data)
    assert job_of(api, expert, response)["status"] == "done"
    read = api.get(f"/api/v1/courses/{SLUG}/modules/basics/lessons/cycle", token=expert)
    html = read.get_json()["html"]
    assert "Quatre temps." in html
    for text in (response.get_data(as_text=True), html):
        assert "root:x:0:0" not in text and "lollollol" not in text
    assert "<!DOCTYPE" not in html and "ENTITY" not in html


# -- T39: YAML that would run code or explode -----------------------------------------------

COURSE_YML = "course.yml"
MODULE_YML = "01-basics/module.yml"
QUIZ_YML = "01-basics/quiz.yml"
LESSON_MD = "01-basics/02-oil.fr.md"


def yaml_source(rel: str) -> str:
    with zipfile.ZipFile(io.BytesIO(package())) as archive:
        return archive.read(f"{SLUG}/{rel}").decode()


def with_yaml(rel: str, snippet: str) -> str:
    """The file with ``snippet`` (top-level YAML) added: in the front matter for a lesson."""
    text = yaml_source(rel)
    if rel.endswith(".md"):
        return text.replace("---\n", "---\n" + snippet, 1)
    return snippet + text


def tags(marker: Path) -> list[str]:
    return [
        f'owner: !!python/object/apply:os.system ["touch {marker}"]\n',
        f'owner: !!python/object/new:subprocess.check_output [["touch", "{marker}"]]\n',
        "owner: !!python/name:os.system\n",
        f"owner: !!python/object/apply:builtins.exec [\"open('{marker}', 'w')\"]\n",
    ]


@pytest.mark.parametrize("rel", [COURSE_YML, MODULE_YML, QUIZ_YML, LESSON_MD])
@pytest.mark.parametrize("which", range(4))
def test_python_tags_in_any_yaml_file_are_refused_and_never_run(
    app, api, expert, tmp_path, rel, which
):
    marker = tmp_path / f"pwned-{secrets.token_hex(4)}"
    snippet = tags(marker)[which]
    errors = refused(app, api, expert, with_entries([], files={rel: with_yaml(rel, snippet)}))
    prefix = said(app, "invalid YAML: %(problem)s", problem="\x00").split("\x00")[0]
    assert any(m.startswith(prefix) for m in named(errors, f"{SLUG}/{rel}")), errors
    assert not marker.exists()


BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


@pytest.mark.parametrize("rel", [COURSE_YML, MODULE_YML, QUIZ_YML, LESSON_MD])
def test_a_yaml_alias_bomb_is_refused(app, api, expert, rel):
    data = with_entries([], files={rel: with_yaml(rel, BILLION_LAUGHS)})
    tracemalloc.start()
    try:
        errors = refused(app, api, expert, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    messages = named(errors, f"{SLUG}/{rel}")
    assert any("*" in m and "alias" in m.lower() for m in messages), errors
    assert peak < 64 * 1024 * 1024  # 9^9 "lol"s were never built


# -- T37, within the limits: media that inflate are streamed, never held -------------------

INFLATED_MIB = 256
DEMO = "media/demo.mp4"
DEMO_LESSON = (
    "---\ntitle: Le cycle\nduration_minutes: 10\ncompetencies: [C1]\n---\n\n# Quatre temps\n\n"
    "![Moteur](media/engine.png)\n\n![Démonstration](media/demo.mp4)\n\n[Suite](./02-oil.fr.md)\n"
)
#: What the server may hold while handling a package whose video is 256 MiB.
FLAT = 48 * 1024 * 1024


@pytest.fixture(scope="module")
def inflating() -> dict:
    """The valid package plus ``media/demo.mp4``: 256 MiB of MP4 that compress about 77
    times, inside every limit (ratio, video size, package budget), in a 3.5 MB upload.
    Before the media were streamed, a dry run of it made the worker hold the video whole,
    several times over (an 8 MB package inflating to 1 GiB grew a worker by 2 GB)."""
    import random

    noise = random.Random(13).randbytes(8 * 1024)
    block = noise + bytes(1024 * 1024 - len(noise))
    sha, size = hashlib.sha256(), 0
    buffer = io.BytesIO(with_entries([], files={"01-basics/01-cycle.fr.md": DEMO_LESSON}))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open(f"{SLUG}/{DEMO}", "w", force_zip64=False) as fh:
            for chunk in [MP4, *[block] * INFLATED_MIB]:
                fh.write(chunk)
                sha.update(chunk)
                size += len(chunk)
    data = buffer.getvalue()
    assert len(data) < 4 * 1024 * 1024 and size / len(data) < 100
    return {"zip": data, "sha256": sha.hexdigest(), "size": size}


@pytest.fixture
def spool(tmp_path, monkeypatch) -> Path:
    """Where temporary files go during the test (uploads, spooled media, exports)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def left_behind(app, spool: Path) -> list[str]:
    """Temporary files still on disk, and half-written objects in the media folder."""
    media = Path(app.config["MEDIA_DIR"])
    partial = [p.name for p in media.rglob(".upload-*")] if media.exists() else []
    return sorted(p.name for p in spool.rglob("*")) + partial


class Peak:
    """Memory allocated by Python (tracemalloc) at its highest during each step."""

    def __init__(self):
        self.steps: dict[str, int] = {}

    def __enter__(self):
        tracemalloc.start()
        return self

    def __exit__(self, *exc):
        tracemalloc.stop()

    def step(self, name: str, call):
        tracemalloc.reset_peak()
        result = call()
        self.steps[name] = tracemalloc.get_traced_memory()[1]
        return result

    def over(self, limit: int) -> dict[str, str]:
        return {k: f"{v / 2**20:.0f} MiB" for k, v in self.steps.items() if v > limit}


def studio_upload(browser, data: bytes, **fields):
    return browser.post(
        "/studio/import",
        data={"csrf_token": browser.csrf_token(), "file": (io.BytesIO(data), "c.zip"), **fields},
        content_type="multipart/form-data",
    )


def test_media_inflating_within_the_limits_stay_on_disk_from_dry_run_to_export(
    app, api, make, signed_in, inflating, spool
):
    expert = make.user("expert", network="DMK")
    token, browser = make.token(expert.email), signed_in(expert.email)
    with Peak() as peak:
        dry = peak.step("dry run", lambda: upload(api, token, inflating["zip"], "?dry_run=true"))
        imported = peak.step("import", lambda: upload(api, token, inflating["zip"]))
        checked = peak.step(
            "Studio check", lambda: studio_upload(browser, inflating["zip"], check_only="1")
        )
        again = peak.step("Studio import", lambda: studio_upload(browser, inflating["zip"]))
        exported = peak.step("export", lambda: _export_to_disk(api, token, spool.parent))
    assert dry.status_code == 200 and dry.get_json()["valid"], dry.get_json()
    assert job_of(api, token, imported)["status"] == "done"
    assert checked.status_code == 200 and again.status_code == 303
    assert peak.over(FLAT) == {}, peak.steps
    assert left_behind(app, spool) == []
    # what was stored and what comes back out are the video, whole
    with app.app_context():
        from elearn.media.models import MediaAsset

        asset = db.session.scalar(select(MediaAsset).where(MediaAsset.path == DEMO))
        assert (asset.size, asset.sha256) == (inflating["size"], inflating["sha256"])
        assert asset.key == f"courses/{SLUG}/{inflating['sha256']}.mp4"
        stored = Path(app.config["MEDIA_DIR"]) / asset.key
        assert stored.stat().st_size == inflating["size"]
    with zipfile.ZipFile(exported) as archive, archive.open(f"{SLUG}/{DEMO}") as fh:
        sha = hashlib.sha256()
        while chunk := fh.read(1024 * 1024):
            sha.update(chunk)
    assert sha.hexdigest() == inflating["sha256"]


def _export_to_disk(api, token, folder: Path) -> Path:
    """Download the export the way a client does, a chunk at a time, to a file."""
    response = api.client.get(
        f"/api/v1/courses/{SLUG}/export", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200 and response.mimetype == "application/zip"
    out = folder / "export.zip"
    with out.open("wb") as fh:
        for chunk in response.response:
            fh.write(chunk)
    response.close()
    return out


def test_spooled_media_are_removed_when_the_package_is_refused_or_the_import_fails(
    app, api, expert, inflating, spool, monkeypatch
):
    with zipfile.ZipFile(io.BytesIO(inflating["zip"])) as source:
        course_yml = source.read(f"{SLUG}/course.yml").decode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(inflating["zip"])) as source:
        with zipfile.ZipFile(buffer, "w") as archive:
            for info in source.infolist():
                if info.filename.endswith("course.yml"):
                    archive.writestr(info, course_yml.replace("network: DMK", "network: NOPE"))
                else:
                    archive.writestr(info, source.read(info))  # stays compressed
    refused = upload(api, expert, buffer.getvalue())
    assert refused.status_code == 422
    assert left_behind(app, spool) == []

    from elearn.authoring.package import importer

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(importer, "_quiz", broken)
    job = job_of(api, expert, upload(api, expert, inflating["zip"]))
    assert job["status"] == "queued" and "went away" in job["error"]  # to be tried again
    assert left_behind(app, spool) == []
    assert api.get(f"/api/v1/courses/{SLUG}", token=expert).status_code == 404
    with app.app_context():
        from elearn.media.storage import get_storage

        # only the package itself, kept for the next attempt; none of its media
        assert [k.split("/")[:2] for k in get_storage().keys("")] == [["jobs", "imports"]]


def test_a_folder_package_is_read_in_place_and_the_cli_leaves_nothing(app, tmp_path, spool):
    """``elearn courses validate|import`` on a folder: its media are hashed where they are
    (never copied); on a .zip they are spooled and removed, whether it imports or not."""
    from elearn.authoring.package.files import read_package

    folder = tmp_path / "pkg"
    with zipfile.ZipFile(io.BytesIO(package())) as archive:
        archive.extractall(folder)
    root = folder / SLUG
    with read_package(root) as pkg:
        assert pkg.media["media/engine.png"].path == root / "media/engine.png"
        assert pkg.media["media/engine.png"].sha256 == hashlib.sha256(PNG).hexdigest()
        assert list(spool.iterdir()) == []
    archive = tmp_path / f"{SLUG}.zip"
    archive.write_bytes(package(network="NOPE"))
    runner = app.test_cli_runner()
    for args in (["validate", root], ["validate", archive], ["import", archive], ["import", root]):
        result = runner.invoke(args=["courses", *map(str, args)])
        assert result.exit_code == (1 if args[1] == archive else 0), result.output
        assert left_behind(app, spool) == []
