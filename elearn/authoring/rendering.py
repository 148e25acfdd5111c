"""Markdown to safe HTML, once, when a lesson is saved or imported.

Python-Markdown does not sanitise (its own docs say so), so its output always goes through
nh3 on a strict allow-list. Media paths and links to lesson files are rewritten to the
platform's stable URLs before sanitising; nothing is ever unescaped afterwards.
"""

from __future__ import annotations

import logging
import posixpath
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import markdown
import nh3
from flask_babel import lazy_gettext as _l
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup, escape

from elearn.core.text import as_browsers_read, is_local_path
from elearn.media.types import TYPES, extension

log = logging.getLogger(__name__)

#: Largest lesson body we render; beyond it a hostile input could keep a worker busy.
MAX_MARKDOWN = 200_000
#: Python-Markdown has quadratic corners (nested brackets, fences followed by long runs of
#: spaces, piles of "<a "): bounding these keeps any accepted text under a second.
MAX_BRACKETS = 2000
MAX_ANGLES = 2000
MAX_LINE = 5000
#: Each "*", "_", "\\" or "|" outside code costs the inline patterns or the table cells tens
#: of microseconds, however the lines are cut: 200 KB of "*_*_…", of backslashes or a table
#: 2,000 columns wide took tens of seconds.
MAX_MARKS = 5000
#: A block's lines are re-scanned each time a heading or rule is taken off its top:
#: 45,000 lines of "---" without a blank line took minutes.
MAX_BLOCK_LINES = 1000
#: Lists, quotes and footnotes inside one another, and emphasis inside emphasis: each level
#: of quote re-reads the whole quote (190 quotes 1,000 levels deep took seconds), and
#: Python-Markdown parses nested lists by recursion (about four frames a level) and walks
#: the finished tree by recursion too (its table of contents, its serialiser): a list 260
#: levels deep, or emphasis 1,000 deep, raised RecursionError. 50 levels cost ~200 frames.
MAX_DEPTH = 50
_MARKS = "*_\\|"
#: One level of nesting at the start of a line: four columns of indentation, a quote
#: marker, a list marker or a footnote's label. Atomic, so a line that stops short of the
#: limit fails at once instead of trying every way to split its spaces.
_LEVEL = r"(?> {4}| {0,3}(?:>|[*+-](?=[ \t])|\d{1,9}[.)](?=[ \t])|\[\^[^\]\n]{0,100}\]:)[ \t]?)"
_TOO_DEEP = re.compile(rf"^{_LEVEL}{{{MAX_DEPTH + 1}}}", re.M)
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")
_ESCAPED = re.compile(r"\\.")
_EMPHASIS_RUN = re.compile(r"[*_]+")

TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "s",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "img",
    "video",
    "audio",
    "source",
    "figure",
    "figcaption",
    "sup",
    "sub",
    "div",
    "span",
    "kbd",
    "abbr",
    "mark",
}
ATTRIBUTES = {
    "a": {"href", "title", "id", "download"},
    "img": {"src", "alt", "title", "loading", "decoding"},
    "video": {"src", "controls", "preload", "title"},
    "audio": {"src", "controls", "preload", "title"},
    "source": {"src", "type"},
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "sup": {"id"},
    "li": {"id"},
    "abbr": {"title"},
    "table": {"tabindex"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
CLASSES = {
    "a": {"footnote-ref", "footnote-backref", "media-download", "image-full"},
    "div": {"footnote", "media"},
}
SCHEMES = {"http", "https", "mailto"}

_LESSON_LINK = re.compile(r"^(?:\.\./([^/]+)/|\./)?([0-9]+-)?([a-z0-9-]+)\.([a-z]{2})\.md(#.*)?\Z")
_MODULE_DIR = re.compile(r"^(?:[0-9]+-)?([a-z0-9-]+)\Z")


@dataclass
class Links:
    """What the renderer needs to know about the course it renders for."""

    #: ``media/x.png`` → its URL (None when the file does not exist).
    media_url: Callable[[str], str | None] = lambda path: None
    #: (module slug, lesson slug, lang) → the lesson's URL (None when unknown).
    lesson_url: Callable[[str, str, str], str | None] = lambda m, lesson, lang: None
    #: The module the rendered lesson is in, for ``./02-x.fr.md`` links.
    module_slug: str = ""
    #: Problems found while rendering: ("media", path), ("lesson", href) or ("outside",
    #: href) for a link that leaves the package.
    missing: list[tuple[str, str]] = field(default_factory=list)


def slugify(value: str, separator: str) -> str:
    """Heading anchors that keep Arabic letters, prefixed so they never clash with ours."""
    value = unicodedata.normalize("NFKC", value).strip().lower()
    value = re.sub(r"[^\w\s-]", "", value)
    return "h-" + re.sub(r"[\s_-]+", separator, value).strip(separator)


def media_path(href: str) -> str | None:
    """``media/a.png`` (or ``./media/a.png``) normalised; None for anything else."""
    if href.startswith("./"):
        href = href[2:]
    if not href.startswith("media/"):
        return None
    normal = posixpath.normpath(href)
    return normal if normal.startswith("media/") else None


def leaves_the_package(href: str) -> bool:
    """Whether a link written in a lesson points out of the course folder: an absolute
    path, a drive, or more ``..`` than there are folders above the lesson. Read as a
    browser would (backslashes are slashes, ``%2e`` is a dot); links with a scheme
    (``https:``, ``mailto:``) or to another host (``//host``) are not paths at all."""
    path = unquote(href).replace("\\", "/")
    if path.startswith("//"):
        return False
    try:
        parts = urlsplit(path)
    except ValueError:  # "http://[…": not a path either
        return False
    if len(parts.scheme) > 1:
        return False
    if parts.scheme or path.startswith("/"):  # a one-letter scheme is a Windows drive
        return True
    # media paths start from the course folder, other links from the lesson's module
    base = "" if path.startswith(("media/", "./media/")) else "module"
    normal = posixpath.normpath(posixpath.join(base, parts.path)) if parts.path else "."
    return normal == ".." or normal.startswith("../")


def media_snippet(asset) -> str:
    """The Markdown that inserts ``asset`` (anything with a ``path`` under ``media/``) in a
    lesson, the one spelling the picker, the media page and the upload API all offer:
    images, videos and sounds with the image syntax (the renderer makes players of the
    last two), a PDF as a plain link, which is what a trainee gets anyway."""
    path = asset.path
    name = path.rsplit("/", 1)[-1]
    label = re.sub(r"[\\\[\]]", "", name.rsplit(".", 1)[0]).replace("-", " ").replace("_", " ")
    media_type = TYPES.get(extension(path))
    if media_type is not None and media_type.kind == "document":
        return f"[{label or name}]({path})"
    return f"![{label}]({path})"


class _RewriteLinks(Treeprocessor):
    def __init__(self, md, links: Links):
        super().__init__(md)
        self.links = links

    def run(self, root: ET.Element) -> None:
        #: Links this pass wrote (a player's download link): they hold our URLs already.
        self.ours: set[int] = set()
        for parent in root.iter():
            for index, child in enumerate(list(parent)):
                if id(child) in self.ours:
                    continue
                if child.tag == "img":
                    self._image(parent, index, child)
                elif child.tag == "a":
                    self._link(child)
                elif child.tag == "table":
                    # a wide table scrolls sideways on a phone: the keyboard must reach it
                    child.set("tabindex", "0")

    def _image(self, parent: ET.Element, index: int, img: ET.Element) -> None:
        src = img.get("src", "")
        path = media_path(src)
        if path is None:  # outside media/: refused by validation, dropped here
            self.links.missing.append(("media", src))
            alt = ET.Element("span")
            alt.text, alt.tail = img.get("alt", ""), img.tail
            parent[index] = alt
            return
        url = self.links.media_url(path)
        if url is None:
            self.links.missing.append(("media", path))
            url = ""
        media_type = TYPES.get(extension(path))
        kind = media_type.kind if media_type else "image"
        alt = img.get("alt", "")
        if kind in ("video", "audio"):
            player = ET.Element(kind, {"controls": "controls", "preload": "none", "title": alt})
            ET.SubElement(player, "source", {"src": url, "type": media_type.content_type})
            fallback = ET.SubElement(player, "a", {"href": url, "class": "media-download"})
            fallback.text = alt or path.rsplit("/", 1)[-1]
            self.ours.add(id(fallback))
            parent[index] = player
        elif kind == "document":
            link = ET.Element("a", {"href": url, "class": "media-download", "download": ""})
            link.text = alt or path.rsplit("/", 1)[-1]
            self.ours.add(id(link))
            parent[index] = link
        else:
            img.set("src", url)
            img.set("loading", "lazy")
            img.set("decoding", "async")
            self.ours.add(id(img))
            if alt and parent.tag != "a" and url:
                # a diagram opens full size on a tap (a phone shrinks it to the screen);
                # the image's text names the link, so one without any stays unlinked
                full = ET.Element("a", {"href": url, "class": "image-full"})
                full.tail, img.tail = img.tail, None
                full.append(img)
                self.ours.add(id(full))
                parent[index] = full

    def _link(self, a: ET.Element) -> None:
        href = a.get("href", "")
        if media_path(href):
            url = self.links.media_url(media_path(href))
            if url is None:
                self.links.missing.append(("media", media_path(href)))
            a.set("href", url or "")
            return
        if leaves_the_package(href):
            self.links.missing.append(("outside", href))
            a.set("href", "")
            return
        match = _LESSON_LINK.match(href)
        if not match:
            return
        module_dir, _prefix, lesson, lang, anchor = match.groups()
        module = _MODULE_DIR.match(module_dir).group(1) if module_dir else self.links.module_slug
        url = self.links.lesson_url(module, lesson, lang)
        if url is None:
            self.links.missing.append(("lesson", href))
            a.set("href", "")
            return
        a.set("href", url + (anchor or ""))


class _LinksExtension(Extension):
    def __init__(self, links: Links):
        super().__init__()
        self.links = links

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API
        md.treeprocessors.register(_RewriteLinks(md, self.links), "elearn-links", 1)


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id" and not re.match(r"^(h-[\w-]*|fn:\d+|fnref:\d+(?::\d+)?)\Z", value):
        return None
    if attribute == "align" and value not in {"left", "right", "center"}:
        return None
    if attribute == "tabindex" and value != "0":
        return None
    if attribute == "src" and not is_local_path(value):
        return None  # media only from this site: no tracking pixels, no data: URLs, no /\\host
    if attribute == "href" and as_browsers_read(value) != value:
        return None  # a link no browser reads as written ("/\\host" is another site) is a disguise
    return value


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags={"script", "style"},
        attributes=ATTRIBUTES,
        allowed_classes=CLASSES,
        attribute_filter=_attribute_filter,
        url_schemes=SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_BIDI = dict.fromkeys([0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069])


def too_complex(text: str) -> str | None:
    """Why this text would be too costly to render (None when it is fine)."""
    if len(text) > MAX_MARKDOWN:
        return "length"
    if text.count("[") > MAX_BRACKETS:
        return "brackets"
    if text.count("<") > MAX_ANGLES:
        return "angles"
    lines = text.split("\n")
    if any(len(line) > MAX_LINE for line in lines):
        return "line"
    prose = _FENCE.sub("", text) if "```" in text or "~~~" in text else text
    if _TOO_DEEP.search(prose.expandtabs(4)):  # the parser expands tabs first too
        return "depth"
    marks = sum(text.count(c) for c in _MARKS)
    if marks > MAX_MARKS or len(lines) > MAX_BLOCK_LINES:
        # fenced code is never parsed as Markdown
        if sum(_CODE_SPAN.sub("", prose).count(c) for c in _MARKS) > MAX_MARKS:
            return "marks"
        run = 0
        for line in prose.split("\n"):
            run = run + 1 if line.strip() else 0
            if run > MAX_BLOCK_LINES:
                return "block"
    if text.count("*") + text.count("_") > 2 * MAX_DEPTH:
        inline = _CODE_SPAN.sub("", prose)
        if any(_emphasis_depth(p) > MAX_DEPTH for p in _PARAGRAPHS.split(inline)):
            return "emphasis"
    return None


def complexity_message(reason: str):
    """What to change, in the author's words, for a reason ``too_complex`` gave."""
    return {
        "length": _l("lesson text longer than %(max)s characters", max=MAX_MARKDOWN),
        "brackets": _l(
            "more than %(max)s '[' characters in one lesson: split it", max=MAX_BRACKETS
        ),
        "angles": _l("more than %(max)s '<' characters in one lesson: split it", max=MAX_ANGLES),
        "line": _l(
            "a line longer than %(max)s characters: break it into shorter lines", max=MAX_LINE
        ),
        "marks": _l(
            "more than %(max)s *, _, \\ or | characters outside code in one lesson: split it",
            max=MAX_MARKS,
        ),
        "block": _l(
            "more than %(max)s lines in a row without a blank line: separate the paragraphs",
            max=MAX_BLOCK_LINES,
        ),
        "depth": _l(
            "lists or quotes nested more than %(max)s levels deep (or lines indented as "
            "far): flatten them",
            max=MAX_DEPTH,
        ),
        "emphasis": _l(
            "emphasis (* or _) nested more than %(max)s levels deep: close it sooner",
            max=MAX_DEPTH,
        ),
    }[reason]


def _emphasis_depth(paragraph: str) -> int:
    """How deep emphasis could nest in one paragraph, erring on the deep side: a run of
    ``*``/``_`` followed by a non-space opens as many levels as it has characters, one
    preceded by a non-space closes as many of the open ones, and the depth counted is that
    of the levels that were closed (an opener never closed nests nothing)."""
    text = _ESCAPED.sub("xx", paragraph)
    stack: list[int] = []
    events: list[int] = []  # +n: level n opened, -n: level n closed
    closed: set[int] = set()
    opened = 0
    for match in _EMPHASIS_RUN.finditer(text):
        start, end = match.span()
        if start and not text[start - 1].isspace():
            for _ in range(min(end - start, len(stack))):
                level = stack.pop()
                closed.add(level)
                events.append(-level)
        if end < len(text) and not text[end].isspace():
            for _ in range(end - start):
                opened += 1
                stack.append(opened)
                events.append(opened)
    depth = deepest = 0
    for event in events:
        if event < 0:
            depth -= 1
        elif event in closed:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def render_markdown(text: str, links: Links | None = None) -> str:
    """Render a lesson body. Direction overrides go; isolates come from the markup instead.

    Callers refuse texts that are ``too_complex``; if one gets here anyway it is shown as
    plain text rather than fed to the parser, and so is one the parser could not finish
    (nested deeper than ``too_complex`` foresaw): this never raises RecursionError.
    """
    links = links or Links()
    text = text.translate(_BIDI)
    if too_complex(text):
        return _plain(text)
    md = markdown.Markdown(
        extensions=[
            "tables",
            "fenced_code",
            "footnotes",
            "sane_lists",
            "toc",
            _LinksExtension(links),
        ],
        extension_configs={
            "toc": {"slugify": slugify, "permalink": False, "baselevel": 2},
            "tables": {"use_align_attribute": True},
            "footnotes": {"BACKLINK_TEXT": "↩", "BACKLINK_TITLE": "%d"},
        },
        output_format="html",
    )
    try:
        html = md.convert(text)
    except RecursionError:
        log.warning("Markdown nested too deeply for the renderer: shown as plain text")
        links.missing.clear()
        return _plain(text)
    return sanitize(html)


def _plain(text: str) -> str:
    return "<pre>" + str(escape(text[:MAX_MARKDOWN])) + "</pre>"


def trusted(html: str | None) -> Markup:
    """HTML this module made (sanitised when the text was saved, stored since), marked safe
    for templates. The one place anything is: templates never use ``|safe``, so a value a
    person typed — a trainee's answer, a name — cannot be printed as markup by mistake
    (``tests/adversarial/test_xss.py`` holds every template to it)."""
    return Markup(html or "")  # noqa: S704 - the output of sanitize(), by definition


def render_inline(text: str) -> str:
    """Quiz prompts, choices and feedback: Markdown, one paragraph's worth, sanitised."""
    html = render_markdown(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


_RAW_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?>")
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_CODE_SPAN = re.compile(r"`[^`\n]*`")


def has_raw_html(text: str) -> bool:
    """Whether the Markdown carries HTML tags outside code (they will be stripped)."""
    stripped = _CODE_SPAN.sub("", _FENCE.sub("", text))
    return bool(_RAW_HTML.search(stripped))
