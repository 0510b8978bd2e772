"""Plain-text views of study analyses and the caseload (numbers with their 95% intervals).

JSON carries every number at full precision; these views round.
"""

from __future__ import annotations

from typing import Any

from microdose.reports.series_report import few_people_note


def _num(value: float) -> str:
    return f"{value:.2f}"


def _term(term: dict[str, Any], label: str | None = None) -> str:
    low, high = term["ci95"]
    return (f"  {label or term['name']:<24} {_num(term['estimate']):>7}  "
            f"95% CI {_num(low)} to {_num(high)}  p={term['p']:.3g}")


def analysis_text(data: dict[str, Any]) -> str:
    """The three cohort analyses as readable lines."""
    lines = [f"outcome: {data['outcome']}"]
    mixed = data["mixed_model"]
    if mixed:
        lines.append(f"mixed model ({mixed['n']} scores, {mixed['participants']} participants;"
                     f" change per week):")
        lines += [_term(t) for t in mixed["terms"]]
        lines.append(f"  method: {mixed['method']}")
        lines.append(f"  caveat: {mixed['caveat']}")
    ancova = data["ancova"]
    if ancova:
        groups = ", ".join(f"{k} {v}" for k, v in ancova["n_by_group"].items())
        lines.append(f"ANCOVA, {ancova['outcome']} vs {ancova['reference']} ({groups}):")
        lines += [_term(t, f"{t['name']} - {ancova['reference']}") for t in ancova["effects"]]
        lines.append(f"  caveat: {ancova['caveat']}")
    pooled = data["n_of_1"]
    if pooled:
        p = pooled["pooled"]
        low, high = p["ci95"]
        lines.append(f"N-of-1 meta-analysis, {pooled['outcome']} ({p['k']} participants, "
                     f"{pooled['left_out']} without an estimable effect):")
        lines.append(f"  pooled {_num(p['estimate'])}  95% CI {_num(low)} to {_num(high)}  "
                     f"tau2 {_num(p['tau2'])}  I2 {p['i2']:.0%}  ({p['method']})")
        pi = p["prediction95"]
        lines.append("  95% prediction interval for a new participant's result: "
                     + (f"{_num(pi[0])} to {_num(pi[1])}" if None not in pi else "unbounded"))
        if few := few_people_note(p["k"]):
            lines.append(f"  note: {few}")
        lines.append(f"  caveat: {pooled['caveat']}")
    lines += [f"note: {note}" for note in data["notes"]]
    return "\n".join(lines)


def caseload_text(rows: list[dict[str, Any]]) -> str:
    """One line per linked person, most in need first."""
    if not rows:
        return "nobody is linked yet: `microdose clinician invite` makes a code"
    lines = [f"{'person':<24} crisis  PHQ-9 first→latest  AE≥3  missed check-ins (7 d)"]
    for r in rows:
        phq = (f"{r['phq9_first']}→{r['phq9_latest']}" if r["phq9_first"] is not None
               else "—")
        worse = " reliably worse" if r["deteriorated"] else ""
        lines.append(f"{r['display_name'][:24]:<24} {r['open_crisis_alerts']:>6}  "
                     f"{phq:>10}{worse:<15} {r['severe_adverse_events']:>4}  "
                     f"{r['missed_checkins']:>3}")
    return "\n".join(lines)


def _coef(c: dict[str, Any]) -> str:
    return (f"{c['estimate']:+.2f} (SE {c['se']:.2f}, 95% CI {c['ci95'][0]:+.2f} to "
            f"{c['ci95'][1]:+.2f}, p = {c['p']:.3g})")


def _optional(value: float | None, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def _guess_lines(data: dict[str, Any]) -> list[str]:
    fitted = (data["with_guess"] or {}).items()
    lines = [f"  with guess · {key:<11} {_coef(c)}" for key, c in fitted]
    for key, s in (data["strata"] or {}).items():
        lines.append(f"  took/guessed {key:<16} mean {_optional(s['mean'], '.2f')} "
                     f"(SE {_optional(s['se'], '.2f')}, n = {s['n']})")
    for arm, b in (data["blinding_index"] or {}).items():
        low, high = b["ci95"]
        lines.append(f"  Bang blinding index, {arm}: {_optional(b['bang'], '+.2f')} (95% CI "
                     f"{_optional(low, '+.2f')} to {_optional(high, '+.2f')}, n = {b['n']})")
    return lines


def _cgrc_lines(cgrc: dict[str, Any] | None) -> list[str]:
    if cgrc is None:
        return []
    lines = [f"  correct guess rate curve (observed rate {cgrc['observed_cgr']:.2f}; "
             f"{cgrc['pseudo_trials']} pseudo-trials per rate, seed {cgrc['seed']}):"]
    for p in cgrc["curve"]:
        low, high = p["ci95"]
        lines.append(f"    CGR {p['cgr']:.2f}  {_optional(p['estimate'], '+.2f')}  "
                     f"({_optional(low, '+.2f')} to {_optional(high, '+.2f')})")
    return lines


def study_text(data: dict[str, Any]) -> str:
    """``trial analyze`` on study data: every arm, adjustment, change, moderators, guess."""
    lines = [
        f"{data['outcome'] or 'outcome'}: n = {data['n']} rows, {data['participants']} "
        f"participants, timepoints {', '.join(data['timepoints'])} — {data['method']}",
        f"  model {data['formula']}",
    ]
    lines += [f"  {label} − placebo {_coef(a['effect'])}" for label, a in data["arms"].items()]
    lines += [f"  adjusted for {name} {_coef(c)}" for name, c in data["adjustment"].items()]
    if data["change"]:
        lines.append(f"  secondary: {data['change']['formula']}")
        lines += [f"    {label} − placebo {_coef(a['effect'])}"
                  for label, a in data["change"]["arms"].items()]
    for name, terms in data["moderators"].items():
        lines += [f"  moderator {label} × {name} {_coef(t['interaction'])}"
                  for label, t in terms.items()]
    lines += _guess_lines(data)
    lines += _cgrc_lines(data["cgrc"])
    lines += [f"  note: {n}" for n in data["notes"]] + ["", data["conclusion"]]
    return "\n".join(lines)
