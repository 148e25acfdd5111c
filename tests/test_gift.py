"""GIFT import and export: what a trainer's Moodle file becomes, every line it cannot read,
and an export that imports back to the same questions, in French and in Arabic."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elearn.authoring.package import gift
from elearn.authoring.package.files import read_package
from elearn.authoring.package.gift import dump, parse
from elearn.authoring.package.validate import validate_package

DATA = Path(__file__).resolve().parent / "data" / "gift"


def one(text: str, lang: str = "fr") -> dict:
    """The single question ``text`` holds, failing on any error."""
    result = parse(text, lang=lang)
    assert result.errors == []
    assert len(result.questions) == 1
    return result.questions[0]


def errors(text: str) -> list[tuple[int, str]]:
    return [(line, str(message)) for line, message in parse(text, lang="fr").errors]


def texts(choices, lang="fr") -> list[tuple[str, bool]]:
    return [(c["text"][lang], c["correct"]) for c in choices]


# --------------------------------------------------------------------------- each type


def test_single_choice_with_feedback_per_answer_and_general_feedback():
    q = one("::OBD::Combien de broches ? {=16#Oui ~12#Non ~8 ####Norme SAE J1962.}")
    assert q["id"] == "obd" and q["type"] == "single" and q["points"] == 1
    assert q["prompt"] == {"fr": "Combien de broches ?"}
    assert texts(q["choices"]) == [("16", True), ("12", False), ("8", False)]
    assert [c["id"] for c in q["choices"]] == ["a", "b", "c"]
    assert q["choices"][0]["feedback"] == {"fr": "Oui"}
    assert "feedback" not in q["choices"][2]
    assert q["feedback"] == {"fr": "Norme SAE J1962."}


def test_single_choice_written_with_a_100_percent_weight():
    q = one("Tension ? {~%100%12 V ~6 V ~24 V}")
    assert q["type"] == "single"
    assert texts(q["choices"]) == [("12 V", True), ("6 V", False), ("24 V", False)]


def test_multiple_answers_are_the_positive_weights():
    q = one("Lesquels ? {~%50%Gants ~%50%Lunettes ~%-100%Rien ~Sandales}")
    assert q["type"] == "multiple"
    assert texts(q["choices"]) == [
        ("Gants", True),
        ("Lunettes", True),
        ("Rien", False),
        ("Sandales", False),
    ]


def test_one_positive_weight_with_penalties_stays_multiple_answers():
    """Moodle's multiple-answer questions with one right answer penalise the others."""
    assert one("? {~%100%a ~%-100%b}")["type"] == "multiple"


@pytest.mark.parametrize(
    "marker, answer", [("T", True), ("F", False), ("TRUE", True), ("FALSE", False), ("t", True)]
)
def test_true_false(marker, answer):
    q = one(f"La batterie fait 12 V.{{{marker}}}")
    assert q["type"] == "true_false" and q["answer"] is answer and "feedback" not in q


def test_true_false_keeps_the_feedback_for_a_right_answer_and_says_so():
    result = parse("\n\nLe contact est coupé.{T#Relisez la leçon.#Exact.}", lang="fr")
    assert result.questions[0]["feedback"] == {"fr": "Exact."}
    assert [(line, str(m)) for line, m in result.warnings] == [
        (3, "only the feedback for a right answer was kept (one per question)")
    ]
    assert one("x {F#Seul commentaire}")["feedback"] == {"fr": "Seul commentaire"}
    assert one("x {TRUE####Général}")["feedback"] == {"fr": "Général"}


def test_short_answer_accepts_each_equal_answer():
    q = one("Le fil de masse est de quelle couleur ? {=noir =marron#Oui}")
    assert q["type"] == "short_text"
    assert q["accept"] == {"fr": ["noir", "marron"]}
    assert q["feedback"] == {"fr": "Oui"}


def test_short_answer_with_partial_credit_is_accepted_and_warned():
    result = parse("Lettre P ? {=Powertrain =%50%moteur =%0%pneus}", lang="fr")
    assert result.questions[0]["accept"] == {"fr": ["Powertrain", "moteur"]}
    assert [str(m) for _line, m in result.warnings] == [
        "answers with partial credit (%50%) are accepted as fully right"
    ]


def test_answer_block_in_the_middle_leaves_a_blank():
    q = one("Le connecteur {=OBD} se trouve sous le volant.")
    assert q["prompt"] == {"fr": "Le connecteur _____ se trouve sous le volant."}
    assert q["accept"] == {"fr": ["OBD"]}


@pytest.mark.parametrize(
    "block, answer, tolerance",
    [
        ("{#12:0.5}", 12, 0.5),
        ("{#12}", 12, 0),
        ("{#1..5}", 3, 2),
        ("{#-2.5:0.1}", -2.5, 0.1),
        ("{#12,5:0,5}", 12.5, 0.5),  # the French decimal comma
        ("{#=12.6:0.2#Oui =%50%12.6:0.6#Presque}", 12.6, 0.2),
        ("{#\n=%50%12.6:0.6\n=12.6:0.2\n}", 12.6, 0.2),  # the 100 % one, wherever it is
        ("{#١٢٫٥:٠٫٥}", 12.5, 0.5),  # Arabic-Indic digits and decimal separator
        ("{#\u200f١٦\u200f}", 16, 0),  # with the marks an Arabic editor adds
    ],
)
def test_numeric(block, answer, tolerance):
    q = one("Tension (V) ? " + block)
    assert q["type"] == "numeric"
    assert q["answer"] == pytest.approx(answer) and q["tolerance"] == pytest.approx(tolerance)


def test_numeric_answer_feedback_becomes_the_question_feedback():
    assert one("? {#16#Broche 16}")["feedback"] == {"fr": "Broche 16"}
    assert one("? {#16####Général}")["feedback"] == {"fr": "Général"}
    both = parse("? {=masse#Oui ####Général}", lang="fr")
    assert both.questions[0]["feedback"] == {"fr": "Général"}
    assert [str(m) for _line, m in both.warnings] == [
        "the feedback of each answer was left out: one feedback per question is kept, the one "
        "after ####"
    ]


def test_matching_pairs():
    q = one("Associez. {=P -> Moteur =B -> Carrosserie =C -> Châssis -> (roues)}")
    assert q["type"] == "matching"
    assert q["pairs"] == [
        {"id": "p1", "left": {"fr": "P"}, "right": {"fr": "Moteur"}},
        {"id": "p2", "left": {"fr": "B"}, "right": {"fr": "Carrosserie"}},
        {"id": "p3", "left": {"fr": "C"}, "right": {"fr": "Châssis -> (roues)"}},
    ]


# --------------------------------------------------------------------------- the file around


def test_names_become_ascii_ids_and_the_unnamed_get_free_q_numbers():
    text = "\n\n".join(
        [
            "::Épaisseur mini (mm)::a {T}",
            "b {T}",
            "::Épaisseur mini (mm)::c {T}",
            "::الفرامل::d {T}",
            "e {T}",
            "::" + "x" * 80 + "::f {T}",
            "::!!!::g {T}",
        ]
    )
    result = parse(text, lang="fr", taken={"q1", "alframl"})
    assert [q["id"] for q in result.questions] == [
        "epaisseur-mini-mm",
        "q2",
        "epaisseur-mini-mm-2",
        "alframl-2",
        "q3",
        "x" * 64,
        "q4",
    ]


def test_moodle_id_and_tag_comments_and_points():
    q = one("// [id:Q7] [tag:Freinage] [tag:ABS] [points:2]\n::Nom::a {T}")
    assert q["id"] == "Q7"  # a valid identifier given on purpose is kept as written
    assert q["tags"] == ["freinage", "abs"] and q["points"] == 2


def test_categories_tag_the_following_questions_with_their_last_part():
    text = (
        "$CATEGORY: $course$/top/Défaut pour OBD/Codes défaut\n\n"
        "a {T}\n\n"
        "// [tag:P0]\nb {T}\n\n"
        "$CATEGORY: $course$/top\n\n"
        "c {T}\n\n"
        "$CATEGORY: Atelier/الفرامل\n"
        "d {T}"
    )
    tags = [q["tags"] for q in parse(text, lang="fr").questions]
    assert tags == [["codes-defaut"], ["codes-defaut", "p0"], [], ["alframl"]]


def test_comments_blank_lines_windows_endings_and_a_bom():
    text = (
        "\ufeff// banque de Salé\r\n\r\n\r\n::a:: Un\r\n// au milieu\r\n{T}\r\n"
        "\r\n   \r\n::b::Deux{F}\r\n"
    )
    result = parse(text, lang="fr")
    assert result.errors == []
    assert [(q["id"], q["prompt"]["fr"], q["answer"]) for q in result.questions] == [
        ("a", "Un", True),
        ("b", "Deux", False),
    ]


def test_a_question_may_span_several_lines():
    q = one("::long::Première ligne,\nseconde ligne.\n{\n  =oui\n  ~non\n}")
    assert q["prompt"] == {"fr": "Première ligne,\nseconde ligne."}
    assert texts(q["choices"]) == [("oui", True), ("non", False)]


@pytest.mark.parametrize(
    "prefix, prompt",
    [
        ("[markdown]", "**Gras** ?"),
        ("[plain]", "**Gras** ?"),
        ("[moodle]", "**Gras** ?"),
        ("[html]", "<b>Gras</b> ?"),
    ],
)
def test_format_prefixes(prefix, prompt):
    raw = prompt if prefix != "[html]" else f"<p>{prompt}</p>"
    q = one(f"::f::{prefix}{raw}{{T}}")
    assert q["prompt"] == {"fr": prompt}


def test_html_keeps_its_markup_but_not_moodles_outer_paragraph():
    q = one("::h::[html]<p>Un</p><p>Deux</p>{~<p>a</p>#<p>non</p> =<p><i>b</i></p>}")
    assert q["prompt"] == {"fr": "<p>Un</p><p>Deux</p>"}
    assert texts(q["choices"]) == [("a", False), ("<i>b</i>", True)]
    assert q["choices"][0]["feedback"] == {"fr": "non"}


def test_escapes():
    q = one(r"::e::Que vaut \{x\} \: a \= b \~ c \# d \\ e ?\nFin {=1 \= 1\#ok#vu \~ ~2}")
    assert q["prompt"] == {"fr": "Que vaut {x} : a = b ~ c # d \\ e ?\nFin"}
    assert q["choices"][0]["text"] == {"fr": "1 = 1#ok"}
    assert q["choices"][0]["feedback"] == {"fr": "vu ~"}
    assert one(r"Chemin C:\dossier {T}")["prompt"] == {"fr": r"Chemin C:\dossier"}


def test_arabic_file():
    q = one("::سؤال::كم عدد أطراف موصل OBD-II؟ {~١٢ =١٦#نعم ~٢٤}", lang="ar")
    assert q["id"] == "swal"
    assert q["prompt"] == {"ar": "كم عدد أطراف موصل OBD-II؟"}
    assert texts(q["choices"], "ar") == [("١٢", False), ("١٦", True), ("٢٤", False)]
    assert q["choices"][1]["feedback"] == {"ar": "نعم"}


# --------------------------------------------------------------------------- refused, by line


@pytest.mark.parametrize(
    "question, message",
    [
        ("Décrivez la procédure. {}", "essay questions (nothing between { }) are not supported"),
        (
            "Ceci est une simple description.",
            "question without answers between { } (descriptions are not supported: put that "
            "text in a lesson)",
        ),
        (
            "Couleur ? {rouge}",
            "unknown answer “rouge”: each answer starts with = (right) or ~ (wrong), a number "
            "with #, true or false with T or F",
        ),
        (
            "Couleur ? {=rouge",
            "unbalanced braces: { and } do not match (write a brace in a text as \\{ or \\})",
        ),
        (
            "Couleur ? =rouge}",
            "unbalanced braces: { and } do not match (write a brace in a text as \\{ or \\})",
        ),
        (
            "} Couleur ? {",
            "unbalanced braces: { and } do not match (write a brace in a text as \\{ or \\})",
        ),
        ("a {=b} c {=d}", "more than one answer block { } in one question"),
        (
            "Couleur ? {~rouge ~vert}",
            "no right answer: mark it with = (or the right ones with ~%50%)",
        ),
        (
            "Couleur ? {=rouge =vert ~bleu}",
            "several right answers in a question with one right answer (=): keep one =, or give "
            "each right answer a weight such as ~%50% for multiple answers",
        ),
        (
            "Couleur ? {=rouge ~%50%vert ~bleu}",
            "several right answers in a question with one right answer (=): keep one =, or give "
            "each right answer a weight such as ~%50% for multiple answers",
        ),
        ("Couleur ? {~%100%rouge}", "a multiple-choice question needs at least two answers"),
        ("Couleur ? {=rouge ~}", "answer 2 has no text"),
        ("Tension ? {#douze}", "the numeric answer “douze” is not a number"),
        ("Tension ? {#12:un}", "the numeric answer “un” is not a number"),
        ("Tension ? {#1e99}", "the numeric answer “1e99” is too large"),
        ("Tension ? {#5..1}", "in a range low..high the first number must be the smaller"),
        ("Tension ? {#12:-1}", "the tolerance after : cannot be negative"),
        ("Tension ? {#}", "a numeric question needs a number after #"),
        ("Tension ? {#~12}", "no right number: write it as =12 or =12:0.5"),
        (
            "Associez {=a -> 1 =b -> 2 = -> 3}",
            "pair 3 has nothing on the left: extra answers without a question are not "
            "supported, remove it",
        ),
        ("Associez {=a -> 1 =b ->}", "pair 2 has nothing on the right of ->"),
        ("Associez {=a -> 1}", "a matching question needs at least two pairs"),
        ("::sans fin Couleur ? {T}", "the question name starts with :: but has no closing ::"),
        ("Mot ? {=%0%rien}", "no accepted answer: write at least one as =answer"),
        ("Mot ? {" + "=a " * 101 + "}", "too many answers in one question (at most 100)"),
    ],
)
def test_refused_questions_are_reported_at_their_first_line(question, message):
    text = f"// en-tête\n\n::bon::Bon ? {{T}}\n\n// commentaire\n{question}\n\n::fin::Fin ? {{F}}"
    result = parse(text, lang="fr")
    assert [(line, str(m)) for line, m in result.errors] == [(6, message)]
    assert [q["id"] for q in result.questions] == ["bon", "fin"]


def test_a_brace_split_by_a_blank_line_is_two_errors():
    found = errors("Couleur ? {\n=rouge\n\n~vert\n}")
    assert [line for line, _m in found] == [1, 4]


def test_every_unreadable_question_is_reported():
    found = errors("a {}\n\nb\n\nc {=x =y ~z}\n\nd {#x}")
    assert [line for line, _m in found] == [1, 3, 5, 7]


def test_too_large_a_file_is_refused_whole():
    assert errors("a {T}\n\n" * 10 + "x" * gift.MAX_CHARS) == [
        (1, "the file is larger than 2 MB: split it into several files")
    ]


def test_too_many_questions_stop_with_the_line_where_reading_stopped():
    text = "\n\n".join("q {T}" for _ in range(gift.MAX_QUESTIONS + 5))
    result = parse(text, lang="fr")
    assert len(result.questions) == gift.MAX_QUESTIONS
    line = 2 * gift.MAX_QUESTIONS + 1
    assert [(n, str(m)) for n, m in result.errors] == [
        (line, "too many questions: at most 2000 per file (the rest was not read)")
    ]


def test_bytes_that_are_not_utf8():
    assert [(n, str(m)) for n, m in parse(b"\xff\xfe{T}", lang="fr").errors] == [
        (1, "the file is not UTF-8 text: save it as UTF-8")
    ]
    assert parse("Déjà ? {T}".encode(), lang="fr").questions[0]["prompt"] == {"fr": "Déjà ?"}


# --------------------------------------------------------------------------- Moodle files


def test_moodle_export_in_french():
    result = parse((DATA / "moodle-export-obd.fr.gift").read_text(encoding="utf-8"), lang="fr")
    assert result.errors == []
    by_id = {q["id"]: q for q in result.questions}
    assert list(by_id) == [
        "obd-pins",
        "emplacement",
        "alimentation",
        "lettre-p",
        "familles-de-codes",
        "associer-les-systemes",
        "tension-de-batterie",
    ]
    pins = by_id["obd-pins"]
    assert pins["prompt"] == {
        "fr": "Combien de broches compte le connecteur <strong>OBD-II</strong> ?"
    }
    assert pins["tags"] == ["connecteur", "sae-j1962"]
    assert pins["choices"][1]["feedback"] == {"fr": "Oui: 16 broches (norme SAE J1962)."}
    assert by_id["emplacement"]["answer"] is False
    assert (by_id["alimentation"]["answer"], by_id["alimentation"]["tolerance"]) == (16, 0)
    assert [c["correct"] for c in by_id["familles-de-codes"]["choices"]] == [True] * 4 + [False] * 2
    assert by_id["associer-les-systemes"]["tags"] == ["codes-defaut"]
    assert len(by_id["associer-les-systemes"]["pairs"]) == 4
    assert by_id["tension-de-batterie"]["answer"] == 12.6
    assert len(result.warnings) == 3


def test_hand_written_workshop_bank():
    result = parse((DATA / "atelier-freinage.fr.gift").read_text(encoding="utf-8"), lang="fr")
    assert result.errors == []
    kinds = [(q["id"], q["type"], q["tags"]) for q in result.questions]
    assert kinds == [
        ("liquide-de-frein", "single", ["freinage"]),
        ("q1", "true_false", ["freinage"]),
        ("q2", "short_text", ["freinage"]),
        ("epaisseur-mini", "numeric", ["freinage"]),
        ("q3", "single", ["freinage"]),
        ("epi", "multiple", ["securite"]),
    ]
    assert result.questions[2]["prompt"]["fr"].startswith(
        "Un disque de frein usé se mesure avec un _____ "
    )
    assert (
        result.questions[4]["prompt"]["fr"]
        == "Formule du couple de freinage : C = F × r. Que vaut r ?"
    )


def test_arabic_automotive_bank():
    result = parse((DATA / "diagnostic-auto.ar.gift").read_text(encoding="utf-8"), lang="ar")
    assert result.errors == []
    kinds = [(q["type"], q["tags"]) for q in result.questions]
    assert kinds == [
        ("single", ["alframl"]),
        ("numeric", ["alframl"]),
        ("true_false", ["alframl"]),
        ("short_text", ["alframl"]),
        ("multiple", ["alslama"]),
        ("matching", ["alslama"]),
    ]
    battery = result.questions[1]
    assert (battery["answer"], battery["tolerance"]) == (12.6, 0.2)
    assert battery["feedback"]["ar"].startswith("البطارية السليمة")
    assert result.questions[3]["accept"] == {"ar": ["الميكرومتر", "ميكرومتر"]}
    assert all(
        set(q) >= {"id", "type", "prompt"} and list(q["prompt"]) == ["ar"] for q in result.questions
    )


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.gift")))
def test_sample_files_round_trip(name):
    lang = "ar" if ".ar." in name else "fr"
    first = parse((DATA / name).read_text(encoding="utf-8"), lang=lang).questions
    text, skipped = dump(first, lang=lang)
    again = parse(text, lang=lang)
    assert skipped == [] and again.errors == [] and again.questions == first


# --------------------------------------------------------------------------- export


def bilingual() -> list[dict]:
    """Questions as Question.spec stores them: every text per language."""
    return [
        {
            "id": "q1",
            "type": "single",
            "points": 2.0,
            "competencies": ["C1"],
            "tags": ["connecteur"],
            "prompt": {"fr": "Combien de broches {OBD} ?", "ar": "كم عدد الأطراف؟"},
            "choices": [
                {"id": "a", "text": {"fr": "12", "ar": "١٢"}, "correct": False},
                {
                    "id": "b",
                    "text": {"fr": "16", "ar": "١٦"},
                    "correct": True,
                    "feedback": {"fr": "Oui : 16", "ar": "نعم"},
                },
            ],
            "feedback": {"fr": "Norme J1962", "ar": "المعيار J1962"},
        },
        {
            "id": "q2",
            "type": "ordering",
            "prompt": {"fr": "Dans l'ordre", "ar": "رتّب"},
            "items": [{"id": "a", "text": {"fr": "1"}}, {"id": "b", "text": {"fr": "2"}}],
        },
        {
            "id": "q3",
            "type": "short_text",
            "tags": [],
            "prompt": {"fr": "Le fil ~ de masse ?"},  # no Arabic: French stands in
            "accept": {"fr": ["masse", "la masse"], "ar": ["الأرضي"]},
        },
    ]


def test_dump_writes_moodle_gift_and_skips_ordering():
    text, skipped = dump(bilingual(), lang="fr")
    assert skipped == ["q2"]
    assert text.splitlines() == [
        "$CATEGORY: $course$/top/connecteur",
        "",
        "// [id:q1] [points:2]",
        "::q1::[markdown]Combien de broches \\{OBD\\} ? {",
        "\t~12",
        "\t=16#Oui \\: 16",
        "\t####Norme J1962",
        "}",
        "",
        "$CATEGORY: $course$/top",
        "",
        "// [id:q3]",
        "::q3::[markdown]Le fil \\~ de masse ? {",
        "\t=masse",
        "\t=la masse",
        "}",
    ]


def test_dump_in_arabic_falls_back_per_text():
    text, _skipped = dump(bilingual(), lang="ar")
    questions = parse(text, lang="ar").questions
    assert questions[0]["prompt"] == {"ar": "كم عدد الأطراف؟"}
    assert questions[0]["choices"][1]["feedback"] == {"ar": "نعم"}
    assert questions[0]["points"] == 2 and questions[0]["tags"] == ["connecteur"]
    assert questions[1]["prompt"] == {"ar": "Le fil ~ de masse ?"}
    assert questions[1]["accept"] == {"ar": ["الأرضي"]}


def test_dump_with_a_category_of_its_own():
    text, _ = dump(bilingual(), lang="fr", category_of=lambda q: "Quiz OBD/Module 1")
    assert text.count("$CATEGORY: Quiz OBD/Module 1") == 1
    questions = parse(text, lang="fr").questions
    assert [q["tags"] for q in questions] == [["module-1", "connecteur"], ["module-1"]]


def test_dump_puts_the_answers_where_the_blank_is():
    spec = one("Le connecteur {=OBD =EOBD} est sous le volant.")
    text, _ = dump([spec], lang="fr")
    assert "::q1::[markdown]Le connecteur {=OBD =EOBD} est sous le volant." in text


def test_dump_keeps_texts_that_look_like_gift_syntax():
    spec = {
        "id": "odd",
        "type": "single",
        "prompt": {"fr": "[html] n'est pas un format ici :: ni // un commentaire"},
        "choices": [
            {"id": "a", "text": {"fr": "%50% de remise"}, "correct": True},
            {"id": "b", "text": {"fr": "%10%"}, "correct": False, "feedback": {"fr": "[plain]"}},
        ],
    }
    back = one(dump([spec], lang="fr")[0])
    assert back["prompt"] == spec["prompt"]
    assert texts(back["choices"]) == [("%50% de remise", True), ("%10%", False)]
    assert back["choices"][1]["feedback"] == {"fr": "[plain]"}


# --------------------------------------------------------------------------- properties

#: Latin and Arabic letters, digits, and every character GIFT gives a meaning to.
ALPHABET = "abcXYZéà ابتثجحخ ١٢ 0123456789~=#{}:\\%[]/_->*\n"
TEXT = st.text(alphabet=ALPHABET, min_size=1, max_size=30).map(str.strip).filter(bool)
SLUG = st.from_regex(r"\A[a-z0-9]{1,8}(-[a-z0-9]{1,8})?\Z")
NUMBER = st.one_of(
    st.integers(-(10**14), 10**14),
    st.floats(-1e14, 1e14, allow_nan=False, allow_infinity=False),
)


def _texts(draw, lang):
    return {lang: draw(TEXT)}


@st.composite
def questions(draw, lang):
    kinds = draw(st.lists(st.sampled_from(gift_types()), min_size=1, max_size=6))
    ids = draw(st.lists(SLUG, min_size=len(kinds), max_size=len(kinds), unique=True))
    out = []
    for qid, kind in zip(ids, kinds, strict=True):
        spec = {
            "id": qid,
            "type": kind,
            "prompt": {lang: draw(st.one_of(st.just(""), TEXT))},
            "points": draw(st.sampled_from([1, 2, 0.5, 10])),
            "tags": draw(st.lists(SLUG, max_size=3, unique=True)),
        }
        if draw(st.booleans()):
            spec["feedback"] = _texts(draw, lang)
        if kind in ("single", "multiple"):
            count = draw(st.integers(2, 6))
            if kind == "single":
                right = draw(st.integers(0, count - 1))
                flags = [i == right for i in range(count)]
            else:
                flags = draw(st.lists(st.booleans(), min_size=count, max_size=count))
                flags[draw(st.integers(0, count - 1))] = True
            spec["choices"] = []
            for index, flag in enumerate(flags):
                choice = {"id": gift._choice_id(index), "text": _texts(draw, lang), "correct": flag}
                if draw(st.booleans()):
                    choice["feedback"] = _texts(draw, lang)
                spec["choices"].append(choice)
        elif kind == "true_false":
            spec["answer"] = draw(st.booleans())
        elif kind == "numeric":
            spec["answer"] = draw(NUMBER)
            spec["tolerance"] = abs(draw(NUMBER))
        elif kind == "short_text":
            answers = st.text(alphabet=ALPHABET.replace(">", ""), min_size=1, max_size=20)
            accepted = draw(
                st.lists(answers.map(str.strip).filter(bool), min_size=1, max_size=4, unique=True)
            )
            spec["accept"] = {lang: accepted}
        elif kind == "matching":
            count = draw(st.integers(2, 5))
            lefts = st.text(alphabet=ALPHABET.replace(">", ""), min_size=1, max_size=20)
            spec["pairs"] = [
                {
                    "id": f"p{i + 1}",
                    "left": {lang: draw(lefts.map(str.strip).filter(bool))},
                    "right": _texts(draw, lang),
                }
                for i in range(count)
            ]
        out.append(spec)
    return out


def gift_types():
    return ["single", "multiple", "true_false", "numeric", "short_text", "matching"]


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_round_trip_of_every_type(lang):
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(questions(lang))
    def check(specs):
        text, skipped = dump(specs, lang=lang)
        result = parse(text, lang=lang)
        assert skipped == [] and result.errors == []
        assert result.questions == specs

    check()


GIFTISH = st.text(
    alphabet="{}=~#:\\%->/$CATEGORY[]TFhtml \n\r\t\ufeff١٢٫0123456789.aب", max_size=300
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(GIFTISH, st.text(max_size=300)))
def test_parse_never_raises(text):
    result = parse(text, lang="fr")
    assert all(isinstance(line, int) and line >= 1 for line, _m in result.errors)
    assert all(str(m) != "this question could not be read" for _line, m in result.errors)
    for spec in result.questions:
        assert gift.ID.match(spec["id"]) and spec["type"] in gift_types()


def test_parse_never_raises_on_shuffled_samples():
    """Real files cut and shuffled: what a copy-paste gone wrong gives."""
    rng = random.Random(16)
    source = "".join(p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.gift")))
    for _ in range(300):
        cut = list(source)
        for _swap in range(rng.randint(1, 40)):
            i, j = rng.randrange(len(cut)), rng.randrange(len(cut))
            cut[i], cut[j] = cut[j], cut[i]
        start = rng.randrange(len(cut))
        result = parse("".join(cut[start : start + rng.randint(0, 3000)]), lang="ar")
        assert all(str(m) != "this question could not be read" for _line, m in result.errors)


# --------------------------------------------------------------------------- as quiz.yml

COURSE = Path(__file__).resolve().parent.parent / "courses" / "auto-obd-diagnostics"
#: The types quiz.yml validates today; matching joins them with the quiz editor's work.
PACKAGE_TYPES = {"single", "multiple", "true_false", "short_text", "numeric"}


def test_imported_questions_validate_as_a_packages_quiz(tmp_path):
    """What the GIFT reader gives is what quiz.yml holds: the package validator accepts it
    (an Arabic translation missing is a warning, not an error)."""
    folder = tmp_path / "course"
    shutil.copytree(COURSE, folder)
    questions = []
    for name in ("atelier-freinage.fr.gift", "moodle-export-obd.fr.gift"):
        found = parse(
            (DATA / name).read_text(encoding="utf-8"), lang="fr", taken={q["id"] for q in questions}
        )
        questions += [q for q in found.questions if q["type"] in PACKAGE_TYPES]
    for spec in questions:
        spec.pop("tags")  # quiz.yml learns tags with the question banks
    quiz = {"title": {"fr": "Quiz GIFT", "ar": "اختبار"}, "pass_mark": 70, "questions": questions}
    (folder / "01-fundamentals" / "quiz.yml").write_text(
        yaml.safe_dump(quiz, allow_unicode=True), encoding="utf-8"
    )
    report = validate_package(read_package(folder), networks=["DMK"])
    assert [str(issue.message) for issue in report.errors] == []
    assert len(questions) == 12
