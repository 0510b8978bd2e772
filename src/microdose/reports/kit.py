"""The preparation kit PDF: instructions and two sheets of QR labels (segno + WeasyPrint).

Each label is a QR code of one envelope code (e.g. ``K7QX-3FRA``) with its block's name
and no readable code, so that the person cannot remember which code went on which pile.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from microdose.domain.blinding import Condition
from microdose.services.trials import KitLabels

TEMPLATES = Path(__file__).parent / "templates"


def qr_svg(code: str) -> str:
    """An inline SVG QR code (error correction M, the standard 4-module quiet zone)."""
    import segno

    qr = segno.make_qr(code, error="m")
    svg: str = qr.svg_inline(scale=4, border=4, omitsize=True)
    return svg


def _sheets(kit: KitLabels) -> list[dict[str, Any]]:
    sheets = []
    for letter, condition in (("A", Condition.ACTIVE), ("P", Condition.PLACEBO)):
        blocks = [
            {
                "label": block.label,
                "labels": [
                    {"svg": qr_svg(code)} for code in kit.codes.get((block.index, condition), [])
                ],
            }
            for block in kit.blocks
        ]
        count = sum(len(b["labels"]) for b in blocks)
        sheets.append(
            {"letter": letter, "content": condition.value, "blocks": blocks, "count": count}
        )
    return sheets


def kit_html(kit: KitLabels) -> str:
    """The kit as HTML (the PDF's source)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    trial = kit.trial
    weeks = trial.block_design == "weeks"
    per_condition = sum(b.per_condition for b in kit.blocks)
    design_text = (
        "pairs of weeks: one week of each pair active, the other placebo"
        if weeks
        else "pairs of dose days: in each pair one active and one placebo envelope"
    )
    return env.get_template("kit.html").render(
        protocol=trial.protocol,
        start=trial.start_date.isoformat(),
        end=trial.end_date.isoformat(),
        doses=trial.doses,
        design_text=design_text,
        envelopes=2 * per_condition,
        per_condition=per_condition,
        bags=2 * len(kit.blocks) if weeks else len(kit.blocks),
        commitment=trial.commitment,
        weeks=weeks,
        sheets=_sheets(kit),
    )


def write_kit_pdf(kit: KitLabels, path: Path) -> Path:
    """Render the kit to a PDF file."""
    from weasyprint import HTML

    HTML(string=kit_html(kit), base_url=str(TEMPLATES)).write_pdf(str(path))
    return path
