"""The docs page "Beyond RNNs" runs as written, and its tables are the committed data."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "beyond_rnns.md"


def test_the_page_example_runs():
    code = "\n".join(re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S))
    namespace: dict = {}
    exec(compile(code, str(PAGE), "exec"), namespace)
    assert namespace["dim"].dimension == 49


def test_the_rank_table_is_the_figure_data():
    """Every row of the page's table is figure 9's committed data (beyond_rnns.json)."""
    rows = json.loads((ROOT / "figures" / "beyond_rnns.json").read_text())
    names = {"RAC": "rac", "CP-2RNN": "cp2rnn", "linear attention": "attention",
             "gated SSM": "ssm", "TT-RNN": "ttrnn"}  # fmt: skip
    table = re.findall(r"^\| (RAC|CP-2RNN|linear attention|gated SSM|TT-RNN), L = (\d)[^|]*\| "
                       r"(\d+) \|((?: \d+ \|)+)$", PAGE.read_text(), re.M)  # fmt: skip
    assert len(table) == 10
    for name, depth, params, ranks in table:
        series = sorted(
            (r for r in rows if r["family"] == names[name] and r["depth"] == int(depth)),
            key=lambda r: r["T"],
        )
        assert [r["separation_rank"] for r in series] == [int(v) for v in ranks.split("|")[:-1]]
        assert series[0]["parameters"] == int(params)
