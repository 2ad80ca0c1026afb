"""mkdocs hook: the tutorial notebooks, run when the site is built, as pages with their outputs.

The notebooks in ``tutorials/`` are stored without outputs (``tutorials/_build.py`` writes them;
the tests run them). Here each is executed (nbclient, a fresh kernel, in a temporary folder) and
turned into a page: markdown cells as they are, code cells as Python blocks, printed text as
text blocks, figures as PNG images beside the page, HTML (a ``Report``) as it is. A cell that
raises fails the build.

Executing all four takes about a minute, so a page is kept in a cache folder keyed by the
notebook's bytes and every source file of ``rac_tn``: a change to either runs it again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "tutorials"


def on_files(files: Files, config: Any, **kwargs: Any) -> Files:
    """Add ``tutorials/NN_name.md`` (and its images) for each tutorial notebook."""
    for path in sorted(TUTORIALS.glob("[0-9]*.ipynb")):
        markdown, images = _cached_page(path)
        files.append(File.generated(config, f"tutorials/{path.stem}.md", content=markdown))
        for name, data in images.items():
            files.append(File.generated(config, f"tutorials/{name}", content=data))
    return files


def _cached_page(path: Path) -> tuple[str, dict[str, bytes]]:
    """The page of ``path``, from the cache when neither it nor ``rac_tn`` changed."""
    import rac_tn  # the package the kernel imports: its sources are part of the key

    digest = hashlib.sha256(path.read_bytes())
    for source in sorted(Path(rac_tn.__file__).parent.rglob("*.py")):
        digest.update(source.read_bytes())
    base = Path(os.environ.get("XDG_CACHE_HOME") or tempfile.gettempdir())
    cache = base / "rac_tn_docs" / f"{path.stem}-{digest.hexdigest()[:20]}.json"
    if cache.exists():
        stored = json.loads(cache.read_text())
        return stored["markdown"], {k: base64.b64decode(v) for k, v in stored["images"].items()}
    markdown, images = notebook_markdown(_executed(path), path.stem)
    cache.parent.mkdir(parents=True, exist_ok=True)
    encoded = {k: base64.b64encode(v).decode() for k, v in images.items()}
    partial = cache.with_suffix(".tmp")
    partial.write_text(json.dumps({"markdown": markdown, "images": encoded}))
    partial.replace(cache)  # whole or absent: an interrupted build leaves no half page
    return markdown, images


def _executed(path: Path) -> Any:
    """The notebook at ``path`` run in a fresh kernel (in a temporary working folder)."""
    import nbclient
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as folder:
        client = nbclient.NotebookClient(
            notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": folder}}
        )
        client.execute()
    return notebook


def notebook_markdown(notebook: Any, stem: str) -> tuple[str, dict[str, bytes]]:
    """A run notebook as a markdown page and its images (``{stem}_{k}.png``)."""
    parts: list[str] = []
    images: dict[str, bytes] = {}
    for index, cell in enumerate(notebook["cells"]):
        source = _text(cell["source"])
        if cell["cell_type"] == "markdown":
            parts.append(source)
            if index == 0:
                parts.append(
                    f"*This page is the notebook `tutorials/{stem}.ipynb`, run when the site "
                    "was built. Run it yourself with "
                    f"`jupyter lab tutorials/{stem}.ipynb`.*"
                )
            continue
        if cell["cell_type"] != "code" or not source.strip():
            continue
        parts.append(f"```python\n{source}\n```")
        for output in cell.get("outputs", []):
            kind = output["output_type"]
            if kind == "stream":
                text = _text(output["text"])
                parts.append(f"```text\n{text.rstrip()}\n```")
            elif kind in ("execute_result", "display_data"):
                data = output.get("data", {})
                if "image/png" in data:
                    name = f"{stem}_{len(images) + 1}.png"
                    images[name] = base64.b64decode(data["image/png"])
                    parts.append(f"![output {len(images)} of {stem}]({name})")
                elif "text/html" in data:
                    parts.append(_text(data["text/html"]))
                elif "text/plain" in data:
                    text = _text(data["text/plain"])
                    parts.append(f"```text\n{text.rstrip()}\n```")
            elif kind == "error":
                raise RuntimeError(f"tutorial {stem} failed: {output['ename']}: {output['evalue']}")
    return "\n\n".join(parts) + "\n", images


def _text(value: str | list[str]) -> str:
    """A notebook's text field, stored as one string or as a list of lines."""
    return value if isinstance(value, str) else "".join(value)
