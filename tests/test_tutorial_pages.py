"""The tutorials are pages of the documentation site: run at build time, outputs included."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from _helpers import load_script

REPO = Path(__file__).resolve().parents[1]
pytest.importorskip("mkdocs", reason='mkdocs is not installed (pip install "rac_tn[docs]")')
nbformat = pytest.importorskip("nbformat")


def _hook():
    return load_script(REPO / "docs" / "_tutorial_pages.py", "tutorial_pages")


def test_a_run_notebook_becomes_a_page_with_its_outputs():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
    v4 = nbformat.v4
    notebook = v4.new_notebook(
        cells=[
            v4.new_markdown_cell("# 09 — A title\n\nSome words."),
            v4.new_code_cell("print('hi')", outputs=[v4.new_output("stream", text="hi\n")]),
            v4.new_code_cell(
                "fig",
                outputs=[
                    v4.new_output(
                        "execute_result",
                        data={"image/png": base64.b64encode(png).decode(), "text/plain": "<F>"},
                        execution_count=1,
                    )
                ],
            ),
            v4.new_code_cell(
                "report",
                outputs=[v4.new_output("display_data", data={"text/html": "<table></table>"})],
            ),
            v4.new_code_cell("x = 1", outputs=[]),
            v4.new_code_cell("   ", outputs=[]),
        ]
    )
    markdown, images = _hook().notebook_markdown(notebook, "09_title")
    assert images == {"09_title_1.png": png}
    assert markdown.split("\n\n") == [
        "# 09 — A title",
        "Some words.",
        "*This page is the notebook `tutorials/09_title.ipynb`, run when the site was built. "
        "Run it yourself with `jupyter lab tutorials/09_title.ipynb`.*",
        "```python\nprint('hi')\n```",
        "```text\nhi\n```",
        "```python\nfig\n```",
        "![output 1 of 09_title](09_title_1.png)",
        "```python\nreport\n```",
        "<table></table>",
        "```python\nx = 1\n```\n",
    ]
    failing = v4.new_notebook(
        cells=[
            v4.new_code_cell(
                "1/0",
                outputs=[
                    v4.new_output(
                        "error", ename="ZeroDivisionError", evalue="division by zero", traceback=[]
                    )
                ],
            )
        ]
    )
    with pytest.raises(RuntimeError, match="tutorial bad failed: ZeroDivisionError"):
        _hook().notebook_markdown(failing, "bad")


def test_the_site_lists_every_tutorial():
    import yaml

    nav = yaml.safe_load((REPO / "mkdocs.yml").read_text().split("\nvalidation:")[0])["nav"]
    section = next(
        item["Tutorials"] for item in nav if isinstance(item, dict) and "Tutorials" in item
    )
    pages = sorted(next(iter(entry.values())) for entry in section)
    notebooks = sorted(f"tutorials/{p.stem}.md" for p in (REPO / "tutorials").glob("[0-9]*.ipynb"))
    assert pages == notebooks and len(notebooks) == 4
    hooks = (REPO / "mkdocs.yml").read_text()
    assert "docs/_tutorial_pages.py" in hooks


def test_tables_of_pictures_fit_the_page():
    # the theme keeps cells on one line and scrolls wide tables: the gallery's right-hand
    # figures and captions were off-screen
    config = (REPO / "mkdocs.yml").read_text()
    assert "extra_css:\n  - css/extra.css" in config
    css = (REPO / "docs" / "css" / "extra.css").read_text()
    assert "table:has(img) {\n  table-layout: fixed;\n  width: 100%;" in css
    assert "white-space: normal;" in css and "max-width: 100%;" in css
