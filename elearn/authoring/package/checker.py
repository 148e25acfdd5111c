"""The checker a package's files are read through: it collects every issue (never stops at
the first) and reads YAML and translatable texts the same way for every file."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from elearn.authoring.package.files import PackageFiles
from elearn.authoring.package.model import Issue
from elearn.authoring.package.yamlio import LineDict, YamlError, load
from elearn.core.text import BIDI_CONTROLS
from elearn.i18n.languages import CONTENT_LANGUAGES, LANGUAGE_NAMES


class Checker:
    """Collects issues while reading one package."""

    def __init__(self, pkg: PackageFiles, networks: Iterable[str]):
        self.pkg = pkg
        self.networks = set(networks)
        self.issues: list[Issue] = list(pkg.issues)
        self.referenced_media: set[str] = set()
        #: Forms and the quiz API send every language's box, written or not: an empty
        #: translation there is missing (said as a warning), not malformed.
        self.blank_is_missing = False

    def error(self, path: str, line: int | None, message: str, field: str | None = None) -> None:
        self.issues.append(Issue.error(path, line, message, field))

    def warn(self, path: str, line: int | None, message: str, field: str | None = None) -> None:
        self.issues.append(Issue.warning(path, line, message, field))

    def yaml(self, path: str, text: str | None = None, line_offset: int = 0):
        if text is None:
            raw = self.pkg.files.get(path)
            if raw is None:
                return None
            text = self.text(path, raw)
            if text is None:
                return None
        try:
            data, duplicates = load(text, line_offset=line_offset)
        except YamlError as exc:
            self.error(path, exc.line, exc.message)
            return None
        for key, line in duplicates:
            self.error(path, line, _l("duplicate key '%(key)s'", key=key))
        return data

    def text(self, path: str, raw: bytes) -> str | None:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.error(path, None, _l("not UTF-8 text"))
            return None
        if "\x00" in text:  # valid UTF-8, but no database stores it (nor YAML reads it)
            line = text.count("\n", 0, text.index("\x00")) + 1
            self.error(path, line, _l("a NUL character (U+0000): remove it"))
            return None
        return text

    def translatable(
        self, path, data: LineDict, key, source, languages, required=True, field=None
    ) -> dict:
        """``{lang: text}`` read from ``data[key]``; ``field`` is where the Studio shows a
        problem (``questions[0].prompt``), each language's own below it (``….ar``)."""
        value = data.get(key)
        line = data.line_of(key) if isinstance(data, LineDict) else None
        where = field or key
        if value is None:
            if required:
                self.error(path, line, _l("missing %(key)s", key=key), f"{where}.{source}")
            return {}
        if isinstance(value, str):
            value = {source: value}
        if not isinstance(value, dict):
            self.error(
                path,
                line,
                _l("%(key)s must map languages to text, e.g. {fr: ..., ar: ...}", key=key),
                where,
            )
            return {}
        out = {}
        for lang, text in value.items():
            if lang not in CONTENT_LANGUAGES:
                self.error(
                    path,
                    line,
                    _l("%(key)s: unknown language '%(lang)s'", key=key, lang=lang),
                    where,
                )
            elif not isinstance(text, str | int | float) or not str(text).strip():
                if self.blank_is_missing and (text is None or text == "" or str(text).isspace()):
                    continue  # an empty box of a form: not translated yet (a warning)
                self.error(
                    path,
                    line,
                    _l("%(key)s.%(lang)s must be a non-empty text", key=key, lang=lang),
                    f"{where}.{lang}",
                )
            else:
                # no direction overrides in titles and texts ("Cours\u202egnp.exe")
                out[lang] = str(text).translate(BIDI_CONTROLS).strip()
                if lang not in languages:
                    self.warn(
                        path,
                        line,
                        _l(
                            "%(key)s.%(lang)s: %(lang)s is not in the course languages",
                            key=key,
                            lang=lang,
                        ),
                        f"{where}.{lang}",
                    )
        if source not in out and required:
            message = (
                _l(
                    "write this text in %(language)s, the course's source language",
                    language=LANGUAGE_NAMES.get(source, source),
                )
                if self.blank_is_missing
                else _l(
                    "missing %(source)s text for %(key)s (the source language)",
                    source=source,
                    key=key,
                )
            )
            self.error(path, line, message, f"{where}.{source}")
        return out
