"""Writing the generated descriptors, or finding the stale ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .catalogue import ROOT
from .member_role import render_member_role
from .ros import render_template
from .syaml import render_s_yaml

OUTPUTS: dict[str, Callable[[], str]] = {"s.yaml": render_s_yaml, "template.yml": render_template,
                                         "member-role.yml": render_member_role}


def render(root: Path = ROOT, check: bool = False) -> list[str]:
    """Write the deployment files (or, with check, list the stale ones without writing)."""
    stale = []
    for name, fn in OUTPUTS.items():
        path = root / name
        text = fn()
        if (path.read_text() if path.exists() else "") != text:
            stale.append(name)
            if not check:
                path.write_text(text)
    return stale

