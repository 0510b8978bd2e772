"""Charts of an :class:`~microdose.services.insight.Insight` as Vega-Lite specs (Altair).

Each function returns a plain Vega-Lite dict with its data inline, so the same spec serves
the web page (``vegaEmbed`` from the vendored script) and files: :func:`to_png` and
:func:`to_svg` render it with vl-convert, without a browser or network.

- :func:`mood_timeline`: a daily rating over time, dose days marked;
- :func:`scores_chart`: PHQ-9, GAD-7 and WHO-5 over their severity bands, each score with
  the range measurement error allows (±1.96 SEM, Jacobson & Truax norms);
- :func:`effects_chart`: dose-day and day-after effects on every rating with 95% CIs;
- :func:`side_effects_chart`: share of dose days and other days with each side effect,
  with 95% Wilson intervals;
- :func:`cgrc_chart`: the correct guess rate curve of a trial or study, its spread over
  pseudo-trials, the observed rate and chance (0.5) marked.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt

from microdose.analysis.adherence import SideEffectRate
from microdose.analysis.change import RELIABLE_Z
from microdose.analysis.daily import DailyEffects
from microdose.domain import instrument_cutoffs as cutoffs
from microdose.services.insight import Insight, JournalData, ScaleHistory

__all__ = [
    "cgrc_chart",
    "chart_specs",
    "effects_chart",
    "mood_timeline",
    "scores_chart",
    "side_effects_chart",
    "to_png",
    "to_svg",
]

Spec = dict[str, Any]

WIDTH = 560
DOSE_COLOUR = "#d9822b"
LINE_COLOUR = "#2b6cb0"
OFF_COLOUR = "#718096"
#: band fills from best to worst: light enough for the black line and text on them, far
#: enough apart to tell apart (and each band is also named inside the chart)
BAND_COLOURS = ("#d9f0d3", "#fff2b3", "#fdd49e", "#fca982", "#f28b82")
#: WHO-5 percent bands (Topp et al. 2015): likely depression <= 28, poor <= 48, else adequate
WHO5_BANDS: tuple[tuple[float, float, str], ...] = (
    (0, cutoffs.LIKELY_DEPRESSION_PERCENT + 2, "likely depression"),
    (cutoffs.LIKELY_DEPRESSION_PERCENT + 2, 50, "poor well-being"),
    (50, 100, "adequate well-being"),
)
_CONFIG: Spec = {
    "font": "DejaVu Sans",
    "title": {"fontSize": 13, "anchor": "start"},
    "axis": {"labelFontSize": 10, "titleFontSize": 11},
    "legend": {"labelFontSize": 10, "titleFontSize": 11},
    "view": {"stroke": None},
}


#: the rows of the chart being built on this thread, by data name, until ``_finish``
_ROWS = threading.local()


def _pending() -> dict[str, list[dict[str, Any]]]:
    if not hasattr(_ROWS, "by_name"):
        _ROWS.by_name = {}
    rows: dict[str, list[dict[str, Any]]] = _ROWS.by_name
    return rows


def _inline(values: list[dict[str, Any]]) -> Any:
    """The spec carries its own rows, under top-level ``datasets`` (added by ``_finish``:
    Altair would otherwise copy every row several times while building the spec)."""
    rows = _pending()
    name = f"rows{len(rows)}"
    rows[name] = values
    return alt.NamedData(name=name)


def _finish(chart: Any) -> Spec:
    # validated against the Vega-Lite schema in the tests (tests/reports), not per request:
    # validation is most of the time a page with charts takes
    spec: Spec = chart.to_dict(validate=False)
    spec["datasets"] = dict(_pending())
    _pending().clear()
    spec["config"] = {**spec.get("config", {}), **_CONFIG}
    return spec


def mood_timeline(data: JournalData, rating: str = "mood") -> Spec:
    """One daily rating over the period, with dose days marked by orange bars."""
    points = [
        {"date": day.isoformat(), "value": value, "day": "dose day" if dosed else "other day"}
        for day, value, dosed in zip(data.days, data.ratings[rating], data.dosed, strict=True)
        if value is not None
    ]
    doses = [
        {"date": day.isoformat()} for day, dosed in zip(data.days, data.dosed, strict=True) if dosed
    ]
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%d %b", labelAngle=0))
    rules = (
        alt.Chart(_inline(doses))
        .mark_rule(color=DOSE_COLOUR, opacity=0.35, strokeWidth=3)
        .encode(x=x)
    )
    line = (
        alt.Chart(_inline(points))
        .mark_line(color=LINE_COLOUR, strokeWidth=1.5)
        .encode(x=x, y=alt.Y("value:Q", title=f"{rating} (0–10)", scale=alt.Scale(domain=[0, 10])))
    )
    dots = line.mark_point(filled=True, size=30).encode(
        color=alt.Color(
            "day:N",
            title=None,
            scale=alt.Scale(domain=["dose day", "other day"], range=[DOSE_COLOUR, LINE_COLOUR]),
            legend=alt.Legend(orient="top"),
        )
    )
    chart = (rules + line + dots).properties(
        width=WIDTH, height=170, title=f"Daily {rating} — orange bars mark dose days"
    )
    return _finish(chart)


def _bands(key: str) -> list[tuple[float, float, str]]:
    if key == "who5":
        return list(WHO5_BANDS)
    table = {"phq9": cutoffs.PHQ9_BANDS, "gad7": cutoffs.GAD7_BANDS}[key]
    top = 27 if key == "phq9" else 21
    edges = [low for low, _ in table] + [top + 1]
    return [(edges[i] - 0.5, edges[i + 1] - 0.5, name) for i, (_, name) in enumerate(table)]


def _score_error(key: str) -> float | None:
    """Half-width of the 95% range around one score: 1.96 x SEM, SEM = SD sqrt(1 - r)."""
    norm = cutoffs.NORMS.get(key)
    return None if norm is None else RELIABLE_Z * norm.sd * math.sqrt(1 - norm.r)


def _score_panel(history: ScaleHistory, x: Any) -> Any:
    bands = _bands(history.key)
    top = bands[-1][1]
    colours = BAND_COLOURS if history.key != "who5" else tuple(reversed(BAND_COLOURS[::2]))
    band_rows = [{"low": max(lo, 0), "high": hi, "band": name} for lo, hi, name in bands]
    error = _score_error(history.key) or 0.0
    rows = [
        {
            "date": p.day.isoformat(),
            "score": p.value,
            "low": max(0.0, p.value - error),
            "high": min(top, p.value + error),
            "band": p.band,
        }
        for p in history.points
    ]
    y = alt.Y("score:Q", title=history.name, scale=alt.Scale(domain=[0, top], nice=False))
    rect = (
        alt.Chart(_inline(band_rows))
        .mark_rect(opacity=0.9)
        .encode(
            y=alt.Y("low:Q", scale=alt.Scale(domain=[0, top], nice=False)),
            y2="high:Q",
            color=alt.Color(
                "band:N",
                scale=alt.Scale(domain=[b[2] for b in bands], range=list(colours[: len(bands)])),
                legend=alt.Legend(title=f"{history.name} band", orient="right"),
            ),
        )
    )
    names = (
        alt.Chart(_inline([{"band": name, "middle": (max(lo, 0) + hi) / 2}
                           for lo, hi, name in bands]))
        .mark_text(align="left", baseline="middle", dx=3, fontSize=9, color="#3b4148")
        .encode(y=alt.Y("middle:Q", scale=alt.Scale(domain=[0, top], nice=False)),
                x=alt.value(0), text="band:N")
    )  # the band named in it: colour is never the only way to tell the bands apart
    base = alt.Chart(_inline(rows)).encode(x=x)
    layers = [rect, names, base.mark_line(color="#1a202c").encode(y=y)]
    if error:
        layers.append(base.mark_rule(color="#1a202c").encode(y="low:Q", y2="high:Q"))
    layers.append(base.mark_point(filled=True, size=45, color="#1a202c").encode(y=y))
    return (
        alt.layer(*layers)
        .properties(width=WIDTH - 120, height=120)
        .resolve_scale(color="independent")
    )


def scores_chart(
    scales: Mapping[str, ScaleHistory], keys: Sequence[str] = ("phq9", "gad7", "who5")
) -> Spec | None:
    """Questionnaire scores over their severity bands (None when none was answered)."""
    present = [scales[key] for key in keys if key in scales]
    if not present:
        return None
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%d %b", labelAngle=0))
    panels = [_score_panel(history, x) for history in present]
    subtitle = "Bars: the range measurement error alone allows around one score (95%)"
    if "who5" in scales:
        subtitle += "; WHO-5 has no bars (no reliability figure in our reference)"
    chart = (
        alt.vconcat(*panels, spacing=14)
        .properties(title=alt.Title("Questionnaires over their severity bands", subtitle=subtitle))
        .resolve_scale(color="independent")
    )
    return _finish(chart)


def _effect_rows(daily: Mapping[str, DailyEffects]) -> list[dict[str, Any]]:
    rows = []
    for rating, result in daily.items():
        for name, label in (("dose_day_effect", "dose day"), ("day_after_effect", "day after")):
            effect = getattr(result, name)
            if effect is not None:
                low, high = effect.ci95
                rows.append(
                    {"rating": rating, "effect": label, "estimate": effect.estimate,
                     "low": low, "high": high}
                )  # fmt: skip
    return rows


def effects_chart(daily: Mapping[str, DailyEffects]) -> Spec | None:
    """Dose-day and day-after effects on each rating with 95% CIs (None if none estimable)."""
    rows = _effect_rows(daily)
    if not rows:
        return None
    y = alt.Y("rating:N", title=None, sort=list(daily))
    offset = alt.YOffset("effect:N", sort=["dose day", "day after"])
    colour = alt.Color(
        "effect:N",
        title=None,
        scale=alt.Scale(domain=["dose day", "day after"], range=[DOSE_COLOUR, OFF_COLOUR]),
        legend=alt.Legend(orient="top"),
    )
    base = alt.Chart(_inline(rows)).encode(y=y, yOffset=offset, color=colour)
    title = "difference in rating points (95% CI)"
    x = alt.X("estimate:Q", title=title)
    zero = (
        alt.Chart(_inline([{"zero": 0}]))
        .mark_rule(color="#4a5568", strokeDash=[4, 3])
        .encode(x="zero:Q")
    )
    chart = alt.layer(
        zero,
        base.mark_rule(strokeWidth=2).encode(x=alt.X("low:Q", title=title), x2="high:Q"),
        base.mark_point(filled=True, size=60).encode(x=x),
    ).properties(
        width=WIDTH - 80,
        height=28 * len(daily),
        title="Dose-day and day-after effects on daily ratings",
    )
    return _finish(chart)


def _side_effect_rows(rates: Sequence[SideEffectRate]) -> list[dict[str, Any]]:
    """One row per side effect and kind of day with a share, in percent with its interval."""
    rows = []
    for rate in rates:
        for label, share in (("dose days", rate.dose_days), ("other days", rate.off_days)):
            if share.estimate is None or share.ci95 is None:
                continue
            rows.append(
                {
                    "side_effect": rate.side_effect,
                    "days": label,
                    "percent": 100 * share.estimate,
                    "low": 100 * share.ci95[0],
                    "high": 100 * share.ci95[1],
                    "count": f"{share.count}/{share.n}",
                }
            )
    return rows


def side_effects_chart(rates: Sequence[SideEffectRate]) -> Spec | None:
    """Share of check-in days with each side effect, dose days vs other days (None if none)."""
    rows = _side_effect_rows(rates)
    if not rows:
        return None
    colour = alt.Color(
        "days:N",
        title=None,
        scale=alt.Scale(domain=["dose days", "other days"], range=[DOSE_COLOUR, OFF_COLOUR]),
        legend=alt.Legend(orient="top"),
    )
    base = alt.Chart(_inline(rows)).encode(
        y=alt.Y("side_effect:N", title=None, sort=[rate.side_effect for rate in rates]),
        yOffset=alt.YOffset("days:N"),
        color=colour,
    )
    bars = base.mark_bar(opacity=0.8).encode(
        x=alt.X("percent:Q", title="% of check-in days (95% CI)")
    )
    errors = base.mark_rule(strokeWidth=1.5).encode(
        x="low:Q", x2="high:Q", color=alt.value("#1a202c")
    )
    names = len({row["side_effect"] for row in rows})
    chart = (bars + errors).properties(
        width=WIDTH - 120, height=34 * names, title="Side effects on dose days and other days"
    )
    return _finish(chart)


def cgrc_chart(cgrc: Mapping[str, Any], outcome: str = "mood") -> Spec:
    """The correct guess rate curve (the JSON form, ``reports.trial_report.cgrc_dict``):
    the mean effect against the correct-guess rate, the 2.5–97.5% band of pseudo-trials,
    0 as a dashed line, the observed rate and chance (0.5) as vertical rules."""
    rows = [
        {"cgr": p["cgr"], "estimate": p["estimate"], "low": p["ci95"][0], "high": p["ci95"][1]}
        for p in cgrc["curve"]
        if p["estimate"] is not None
    ]
    x = alt.X("cgr:Q", title="correct-guess rate", scale=alt.Scale(domain=[0, 1]))
    title = f"active − placebo, {outcome}"
    base = alt.Chart(_inline(rows)).encode(x=x)
    marks = [
        {"cgr": 0.5, "what": "chance (0.5)"},
        {"cgr": cgrc["observed_cgr"], "what": f"observed ({cgrc['observed_cgr']:.2f})"},
    ]
    colour = alt.Color(
        "what:N",
        title=None,
        scale=alt.Scale(range=[OFF_COLOUR, DOSE_COLOUR]),
        legend=alt.Legend(orient="top"),
    )
    rules = alt.Chart(_inline(marks)).mark_rule(strokeDash=[4, 3]).encode(x="cgr:Q", color=colour)
    zero = alt.Chart(_inline([{"zero": 0}])).mark_rule(color="#4a5568").encode(y="zero:Q")
    chart = alt.layer(
        base.mark_area(opacity=0.25, color=LINE_COLOUR).encode(
            y=alt.Y("low:Q", title=title), y2="high:Q"
        ),
        base.mark_line(color=LINE_COLOUR).encode(y=alt.Y("estimate:Q", title=title)),
        zero,
        rules,
    ).properties(width=WIDTH - 80, height=220, title="Correct guess rate curve")
    return _finish(chart)


def chart_specs(insight: Insight) -> dict[str, Spec]:
    """Every chart of an insight that has data, by name (the web page embeds these)."""
    _pending().clear()
    specs: dict[str, Spec | None] = {
        "mood": mood_timeline(insight.data)
        if any(v is not None for v in insight.data.ratings["mood"])
        else None,
        "scores": scores_chart(insight.scales),
        "effects": effects_chart(insight.daily),
        "side_effects": side_effects_chart(insight.side_effects),
    }
    return {name: spec for name, spec in specs.items() if spec is not None}


def to_png(spec: Spec, scale: float = 2.0) -> bytes:
    """Render a spec to PNG with vl-convert (no browser, no network)."""
    import vl_convert as vlc

    png: bytes = vlc.vegalite_to_png(spec, scale=scale)
    return png


def to_svg(spec: Spec) -> str:
    """Render a spec to SVG text with vl-convert."""
    import vl_convert as vlc

    svg: str = vlc.vegalite_to_svg(spec)
    return svg
