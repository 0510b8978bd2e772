"""Change on a questionnaire from baseline: reliable, clinically significant, meaningful.

Pure: plain numbers in, a frozen :class:`Change` out. The rules and their sources:

- Reliable change of a person's score: the NHS Talking Therapies Manual's thresholds, a
  change of at least 6 PHQ-9 points or 4 GAD-7 points
  (:data:`~microdose.domain.instrument_cutoffs.PHQ9_RELIABLE_IMPROVEMENT`,
  :data:`~microdose.domain.instrument_cutoffs.GAD7_RELIABLE_IMPROVEMENT`; CLINICAL.md).
- Reliable change index for study data (Jacobson & Truax 1991, JCCP 59:12):
  ``RC = (x2 - x1) / S_diff`` with ``S_diff = SD * sqrt(2) * sqrt(1 - r)``; ``|RC| > 1.96``
  is reliable (:func:`reliable_change_index`, :func:`s_diff`; SD from the study's own
  baseline, r from :data:`microdose.domain.instrument_cutoffs.NORMS`).
- Clinically significant change: reliable **and** crossing the cut-off ``c``. No
  functional / dysfunctional population means are in our clinical reference, so the
  default cut-off is the NHS Talking Therapies caseness threshold (PHQ-9 > 9, GAD-7 > 7);
  :func:`jacobson_truax_cutoff` computes ``c`` (or criterion a / b) when norms are known.
- Minimal clinically important difference: PHQ-9 5 points (Löwe et al. 2004), GAD-7 4
  points (Toussaint et al. 2020), WHO-5 10 percentage points (Topp et al. 2015).
- PHQ-9 response (a fall of at least ``RESPONSE_FRACTION`` of the baseline) and remission
  (a total below ``REMISSION_BELOW``): common trial conventions, named parameters.

A threshold of reliable change is not a confidence interval, and nothing here is called
``ci95``: ``reliable_change_threshold`` is the size of change that counts as reliable.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from microdose.domain import instrument_cutoffs as inst
from microdose.domain.errors import InvalidInput

__all__ = [
    "RELIABLE_Z",
    "SCALES",
    "Change",
    "Scale",
    "change_from_baseline",
    "jacobson_truax_cutoff",
    "reliable_change_index",
    "s_diff",
]

#: |RC| above this is a reliable change (two-sided 5%, Jacobson & Truax 1991).
RELIABLE_Z = 1.96


@dataclass(frozen=True)
class Scale:
    """How one score is read for change: direction, cut-off, MCID and norm.

    Attributes
    ----------
    name : str
        Name as printed, e.g. ``"PHQ-9"``.
    unit : str
        ``"points"`` or ``"percentage points"``.
    lower_is_better : bool
        True for symptom scales (PHQ-9, GAD-7, DASS-21), False for WHO-5.
    cutoff : float or None
        Clinical cut-off: "well" is at or below it (symptom scales) or above it (WHO-5).
    cutoff_source : str
        Where the cut-off comes from.
    mcid : float or None
        Minimal clinically important (or meaningful) change.
    reliable : float or None
        Size of change that counts as reliable (NHS Talking Therapies), in ``unit``.
    reliable_source : str
        Where that threshold comes from.
    """

    name: str
    unit: str
    lower_is_better: bool
    cutoff: float | None
    cutoff_source: str
    mcid: float | None
    reliable: float | None
    reliable_source: str = ""


_NHS_TT = "NHS Talking Therapies Manual reliable change"

#: Scales analysed for change; WHO-5 on its percentage scale (raw x 4).
SCALES: Mapping[str, Scale] = MappingProxyType(
    {
        "phq9": Scale(
            "PHQ-9",
            "points",
            True,
            inst.PHQ9_CASENESS,
            "NHS Talking Therapies caseness (> 9)",
            inst.PHQ9_MCID,
            inst.PHQ9_RELIABLE_IMPROVEMENT,
            f"{_NHS_TT} (PHQ-9: at least {inst.PHQ9_RELIABLE_IMPROVEMENT} points)",
        ),
        "gad7": Scale(
            "GAD-7",
            "points",
            True,
            inst.GAD7_CASENESS,
            "NHS Talking Therapies caseness (> 7)",
            inst.GAD7_MCID,
            inst.GAD7_RELIABLE_IMPROVEMENT,
            f"{_NHS_TT} (GAD-7: at least {inst.GAD7_RELIABLE_IMPROVEMENT} points)",
        ),
        "who5": Scale(
            "WHO-5",
            "percentage points",
            False,
            (inst.POOR_WELLBEING_RAW - 1) * inst.WHO5_PERCENT_PER_POINT,
            "WHO-5 poor well-being (percent <= 48; Topp et al. 2015)",
            inst.WHO5_MEANINGFUL_CHANGE_PERCENT,
            None,
        ),
        **{
            f"dass21_{sub}": Scale(
                f"DASS-21 {sub}",
                "points",
                True,
                # the top of the "normal" band on the DASS-42 scale
                inst.DASS21_BANDS[sub][1][0] - 1,
                "DASS-21 'normal' band (Lovibond & Lovibond 1995)",
                None,
                None,
            )
            for sub in inst.DASS21_SUBSCALE_ITEMS
        },
    }
)


def s_diff(norm: inst.Norm) -> float:
    """Standard error of a difference between two scores: ``SD * sqrt(2) * sqrt(1 - r)``.

    Examples
    --------
    >>> round(RELIABLE_Z * s_diff(inst.NORMS["phq9"]), 2)  # CLINICAL.md: about 4.7 points
    4.71
    >>> round(RELIABLE_Z * s_diff(inst.NORMS["gad7"]), 2)  # CLINICAL.md: about 6.4 points
    6.42
    """
    return norm.sd * math.sqrt(2.0) * math.sqrt(1.0 - norm.r)


def reliable_change_index(before: float, after: float, norm: inst.Norm) -> float:
    """Jacobson & Truax (1991) ``RC = (after - before) / S_diff``.

    Examples
    --------
    >>> round(reliable_change_index(18, 9, inst.NORMS["phq9"]), 2)
    -3.74
    """
    return (after - before) / s_diff(norm)


def jacobson_truax_cutoff(
    *,
    dysfunctional_mean: float | None = None,
    dysfunctional_sd: float | None = None,
    functional_mean: float | None = None,
    functional_sd: float | None = None,
    lower_is_better: bool = True,
) -> float:
    """Cut-off between a dysfunctional and a functional population (Jacobson & Truax 1991).

    With both norms: criterion c, ``(SD_f * M_d + SD_d * M_f) / (SD_f + SD_d)``. With only
    the dysfunctional norm: criterion a, two SDs beyond its mean towards health. With only
    the functional norm: criterion b, two SDs beyond its mean towards illness.

    Raises
    ------
    InvalidInput
        When neither norm is complete (field ``"norms"``).

    Examples
    --------
    >>> jacobson_truax_cutoff(dysfunctional_mean=17, dysfunctional_sd=5,
    ...                       functional_mean=4, functional_sd=3)
    8.875
    >>> jacobson_truax_cutoff(dysfunctional_mean=17, dysfunctional_sd=5)
    7.0
    """
    has_d = dysfunctional_mean is not None and dysfunctional_sd is not None
    has_f = functional_mean is not None and functional_sd is not None
    towards_health = -1.0 if lower_is_better else 1.0
    if has_d and has_f:
        m_d, s_d = float(dysfunctional_mean), float(dysfunctional_sd)  # type: ignore[arg-type]
        m_f, s_f = float(functional_mean), float(functional_sd)  # type: ignore[arg-type]
        return (s_f * m_d + s_d * m_f) / (s_f + s_d)
    if has_d:
        return float(dysfunctional_mean) + towards_health * 2 * float(dysfunctional_sd)  # type: ignore[arg-type]
    if has_f:
        return float(functional_mean) - towards_health * 2 * float(functional_sd)  # type: ignore[arg-type]
    raise InvalidInput("norms", "need the mean and SD of at least one population")


@dataclass(frozen=True)
class Change:
    """Change on one scale from a baseline score to a follow-up score.

    Attributes
    ----------
    instrument : str
        Scale key (``"phq9"``, ``"gad7"``, ``"who5"``, ``"dass21_depression"``...).
    baseline, follow_up : float
        The two scores (WHO-5 in percent).
    change : float
        ``follow_up - baseline``.
    reliable_change_threshold : float or None
        The size of change that counts as reliable (NHS Talking Therapies: PHQ-9 6, GAD-7
        4 points); None where no threshold is in our reference.
    noise_band : float or None
        The smallest change worth reading: that threshold, else the MCID (WHO-5), else None.
    direction : str
        ``"improved"``, ``"deteriorated"`` or ``"no reliable change"``.
    clinically_significant : bool or None
        Reliable improvement that also crosses the cut-off from unwell to well.
    cutoff : float or None
        The cut-off used.
    mcid, mcid_reached : float or None, bool or None
        Minimal clinically important difference and whether the improvement reached it.
    response, remission : bool or None
        PHQ-9 only: a fall of >= ``RESPONSE_FRACTION`` of baseline; a total < ``REMISSION_BELOW``.
    label : str
        One plain-language sentence.
    method : str
        The method and its sources.
    """

    instrument: str
    baseline: float
    follow_up: float
    change: float
    reliable_change_threshold: float | None
    noise_band: float | None
    direction: str
    clinically_significant: bool | None
    cutoff: float | None
    mcid: float | None
    mcid_reached: bool | None
    response: bool | None
    remission: bool | None
    label: str
    method: str

    @property
    def reliable(self) -> bool | None:
        """Whether the change reaches the reliable-change threshold (None without one)."""
        if self.reliable_change_threshold is None:
            return None
        return abs(self.change) >= self.reliable_change_threshold

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (full precision; rounding is the presenter's job)."""
        return {
            "instrument": self.instrument,
            "baseline": self.baseline,
            "follow_up": self.follow_up,
            "change": self.change,
            "reliable_change_threshold": self.reliable_change_threshold,
            "noise_band": self.noise_band,
            "reliable": self.reliable,
            "direction": self.direction,
            "clinically_significant": self.clinically_significant,
            "cutoff": self.cutoff,
            "mcid": self.mcid,
            "mcid_reached": self.mcid_reached,
            "response": self.response,
            "remission": self.remission,
            "label": self.label,
            "method": self.method,
        }


def _improvement(scale: Scale, change: float) -> float:
    """The change in the direction of health (positive = better)."""
    return -change if scale.lower_is_better else change


def _is_well(scale: Scale, value: float) -> bool | None:
    if scale.cutoff is None:
        return None
    return value <= scale.cutoff if scale.lower_is_better else value > scale.cutoff


def _direction(scale: Scale, change: float) -> str:
    if scale.reliable is not None:
        if abs(change) < scale.reliable:
            return "no reliable change"
    elif scale.mcid is None or abs(change) < scale.mcid:
        return "no reliable change"
    return "improved" if _improvement(scale, change) > 0 else "deteriorated"


def _phq9_response(key: str, baseline: float, follow_up: float) -> tuple[bool | None, bool | None]:
    if key != "phq9":
        return None, None
    remission = follow_up < inst.REMISSION_BELOW
    if baseline <= 0:
        return None, remission
    return (baseline - follow_up) / baseline >= inst.RESPONSE_FRACTION, remission


def _method(scale: Scale) -> str:
    if scale.reliable is not None:
        return (
            f"{scale.reliable_source}; clinically significant = reliable and crossing "
            f"{scale.cutoff_source}"
        )
    if scale.mcid is not None:
        return (
            f"no reliability norm in our reference: a change of at least {scale.mcid:g} "
            f"{scale.unit} counts as meaningful; cut-off {scale.cutoff_source}"
        )
    return f"raw change only (no reliability norm or MCID in our reference); {scale.cutoff_source}"


def change_from_baseline(key: str, baseline: float, follow_up: float) -> Change:
    """Compare a follow-up score with a baseline score on one scale, as a :class:`Change`.

    Parameters
    ----------
    key : str
        A key of :data:`SCALES`.
    baseline, follow_up : float
        The scores (WHO-5 as percent).

    Raises
    ------
    InvalidInput
        On an unknown scale (field ``"instrument"``).

    Examples
    --------
    >>> c = change_from_baseline("phq9", 16, 7)
    >>> c.direction, c.clinically_significant, c.response, c.remission
    ('improved', True, True, False)
    >>> c.reliable_change_threshold
    6
    >>> change_from_baseline("gad7", 9, 5).direction
    'improved'
    >>> change_from_baseline("gad7", 9, 6).direction
    'no reliable change'
    """
    scale = _scale(key)
    change = float(follow_up) - float(baseline)
    band = scale.reliable if scale.reliable is not None else scale.mcid
    direction = _direction(scale, change)
    significant = _clinically_significant(scale, baseline, follow_up, direction)
    mcid_reached = None if scale.mcid is None else _improvement(scale, change) >= scale.mcid
    response, remission = _phq9_response(key, baseline, follow_up)
    result = Change(
        key, float(baseline), float(follow_up), change, scale.reliable,
        None if band is None else float(band), direction, significant, scale.cutoff,
        scale.mcid, mcid_reached, response, remission,
        "", _method(scale),
    )  # fmt: skip
    return replace(result, label=_label(result, scale))


def _scale(key: str) -> Scale:
    """The change rules of scale ``key``, or InvalidInput naming the field ``instrument``."""
    scale = SCALES.get(key)
    if scale is None:
        raise InvalidInput("instrument", f"no change rules for {key!r}", ", ".join(SCALES))
    return scale


def _clinically_significant(
    scale: Scale, baseline: float, follow_up: float, direction: str
) -> bool | None:
    """Reliably improved from unwell to well; None without a cut-off or a threshold."""
    was_well, is_well = _is_well(scale, baseline), _is_well(scale, follow_up)
    if was_well is None or scale.reliable is None:
        return None
    return direction == "improved" and not was_well and bool(is_well)


def _label(c: Change, scale: Scale) -> str:
    size = f"{abs(c.change):g} {scale.unit}"
    if c.change == 0:
        text = f"{scale.name} unchanged"
    else:
        moved = "better" if _improvement(scale, c.change) > 0 else "worse"
        text = f"{scale.name} {size} {moved}"
    if scale.reliable is not None:
        rule = f"the {scale.reliable:g} {scale.unit} NHS Talking Therapies count as reliable change"
        if c.direction == "no reliable change":
            text += f": less than {rule}, so not a reliable change"
        elif c.direction == "improved":
            text += f": at least {rule} — a reliable improvement"
        else:
            text += f": at least {rule} — a reliable deterioration"
    elif scale.mcid is not None:
        reached = "at least" if c.direction != "no reliable change" else "less than"
        text += f" ({reached} the {scale.mcid:g} {scale.unit} that count as meaningful)"
    text += _label_tail(c)
    return text + "."


def _label_tail(c: Change) -> str:
    parts = []
    if c.clinically_significant:
        parts.append("clinically significant (now below the clinical cut-off)")
    if c.direction == "deteriorated" and c.reliable:
        parts.append("please discuss this with your clinician")
    if c.response:
        parts.append("a treatment response (fall of at least half)")
    if c.remission:
        parts.append(f"in remission (below {inst.REMISSION_BELOW})")
    return "; " + "; ".join(parts) if parts else ""
