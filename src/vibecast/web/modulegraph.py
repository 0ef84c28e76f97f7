"""The static module graph of a page's entry script, for ``<link rel=modulepreload>``.

Without it the browser discovers the graph level by level (a module's imports are known only once
it arrived), a waterfall of round trips before the first frame; with it every module is asked for
at once. The graph is read from the shipped files (static ``import ... from "./x.js"`` only), once.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from pathlib import Path

__all__ = ["module_graph"]

_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^;'"]*?\bfrom\s*["'](\.{1,2}/[^"']+)["']""", re.M)
_BARE_IMPORT = re.compile(r"""^\s*import\s*["'](\.{1,2}/[^"']+)["']""", re.M)


@lru_cache(maxsize=16)
def module_graph(static_dir: Path, entry: str) -> tuple[str, ...]:
    """Every module ``entry`` imports, directly or not (paths relative to ``static_dir``, in
    breadth-first order, ``entry`` excluded). Missing files are left out."""
    seen = {entry}
    order: list[str] = []
    queue = [entry]
    while queue:
        current = queue.pop(0)
        path = static_dir / current
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        for spec in _IMPORT.findall(text) + _BARE_IMPORT.findall(text):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(current), spec))
            if target.startswith("../") or target in seen:
                continue
            seen.add(target)
            order.append(target)
            queue.append(target)
    return tuple(order)
