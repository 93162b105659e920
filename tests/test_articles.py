import io
import json

import pytest

from newstag.errors import InputError
from newstag.text.articles import read_articles

from .conftest import ROOT


def test_txt_title_is_first_non_empty_line_and_id_is_file_stem(tmp_path):
    (tmp_path / "a-1.txt").write_text("\n\n  Hospital hit  \n\nThe hospital was hit.\n")
    [article] = read_articles([tmp_path / "a-1.txt"])
    assert (article.id, article.title) == ("a-1", "Hospital hit")
    assert "The hospital was hit." in article.text


def test_folder_reads_every_article_in_a_stable_order():
    articles = list(read_articles([ROOT / "seeds"]))
    assert [a.id for a in articles] == sorted(a.id for a in articles)
    assert len(articles) == 5


def test_jsonl_uses_given_ids_and_falls_back_to_line_numbers(tmp_path):
    lines = [
        {"id": "x", "title": "T", "text": "Body.", "date": "2016-10-01", "url": "http://e"},
        {"text": "Only."},
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    first, second = read_articles([path])
    assert (first.id, first.title, first.date, first.text) == ("x", "T", "2016-10-01", "T\n\nBody.")
    assert (second.id, second.title) == ("feed-2", "Only.")


def test_html_extracts_the_article_without_menus_and_scripts(tmp_path):
    page = tmp_path / "page.html"
    paragraphs = "".join(
        f"<p>Warplanes bombed the hospital in the east of the city on day {i}, doctors said.</p>"
        for i in range(6)
    )
    page.write_text(
        "<html><head><title>Hospital bombed</title><script>var menu = 'SCRIPT';</script></head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World menu</a></nav>"
        f"<article><h1>Hospital bombed</h1>{paragraphs}</article>"
        "<footer>Copyright footer</footer></body></html>"
    )
    [article] = read_articles([page])
    assert article.title == "Hospital bombed"
    assert "Warplanes bombed the hospital" in article.text
    assert "SCRIPT" not in article.text and "World menu" not in article.text


def test_stdin_is_read_with_dash(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"Title\n\nJets struck.\n")))
    [article] = read_articles(["-"])
    assert (article.id, article.title) == ("stdin", "Title")


def test_encodings_bom_crlf_and_cp1252_are_read(tmp_path):
    (tmp_path / "bom.txt").write_bytes("\ufeffTitle\r\n\r\nIt’s hit.\r\n".encode())
    (tmp_path / "win.txt").write_bytes("Title\n\nIt\x92s hit.\n".encode("latin-1"))
    bom, win = read_articles([tmp_path / "bom.txt", tmp_path / "win.txt"])
    assert bom.text == "Title\n\nIt’s hit.\n"
    assert win.text == "Title\n\nIt’s hit.\n"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "is empty"),
        ("blank.txt", b"  \n\t\n", "is empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
        ("undecodable.txt", b"Title \x81\x8d\x90 text\n", "neither UTF-8 nor Windows-1252"),
        ("bad.jsonl", b'{"text": "ok"}\n{not json\n', "line 2 is not valid JSON"),
        ("notext.jsonl", b'{"title": "x"}\n', 'needs an object with a "text"'),
        ("scan.pdf", b"%PDF-1.4", "cannot read .pdf"),
    ],
)
def test_bad_input_is_a_one_line_error(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError, match=message) as error:
        list(read_articles([tmp_path / name]))
    assert "\n" not in str(error.value)


def test_missing_path_and_duplicate_ids_are_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        list(read_articles([tmp_path / "nope.txt"]))
    (tmp_path / "a.txt").write_text("A\n")
    with pytest.raises(InputError, match="appears twice"):
        list(read_articles([tmp_path / "a.txt", tmp_path / "a.txt"]))
