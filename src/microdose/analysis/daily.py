"""Daily ratings: dose day vs other days, and carry-over to the next two days.

Pure NumPy/SciPy on plain arrays. One series is one rating (0–10) on consecutive calendar
days, ``NaN`` where there was no check-in, with a boolean dose indicator for every day.
Each day has one type: a **dose** day, the **day after** a dose (no dose that day), **two
days after** (no dose that day or the day before), or an **off** day (everything else:
three or more days after a dose, before the first dose, breaks).

Two regressions per series, both with a linear time trend (in weeks) and AR(1) errors
(today's noise carries part of yesterday's), fitted by two-step feasible GLS
(Cochrane & Orcutt 1949, JASA 44:32; ρ by Yule–Walker):

- model A, ``rating ~ 1 + dose + trend``: ``dose_day_effect`` is dose days minus all other
  days; ``trend_per_week`` is the drift per week;
- model B, ``rating ~ 1 + dose + day_after + two_days_after + trend``: ``day_after_effect``
  and ``two_days_after_effect`` compare those days with off days. When a protocol leaves
  too few off days (Fadiman doses every third day, so every off day is within two days of a
  dose) the two-days-after days join the comparison days and ``two_days_after_effect`` is
  not estimated.

The estimates and standard errors are exactly those of statsmodels
``GLSAR(y, X, rho=1).iterative_fit(maxiter=2)``; the 95% interval uses Student's t with
its residual degrees of freedom. Days without a check-in are skipped (the AR(1) links
consecutive check-ins). An effect is estimated only with at least :data:`MIN_DAYS`
check-in days and, for each kind of day compared, :data:`MIN_CATEGORY_DAYS` days in
:data:`MIN_STRETCHES` separate stretches; otherwise the result says "not enough data".
Tests check the estimates against statsmodels and the intervals' coverage (93–97% of
1,000 simulated journals with AR(1) errors, ρ = 0.5).

:func:`fit_daily_many` fits many series at once (batched linear algebra, used by the
benchmark); :func:`daily_effects` is the one-series front end and uses the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from microdose.analysis.gls_ar1 import compact, fgls_ar1, moments

__all__ = [
    "CONFIDENCE",
    "EFFECTS",
    "METHOD",
    "MIN_CATEGORY_DAYS",
    "MIN_DAYS",
    "BatchFit",
    "DailyEffects",
    "Effect",
    "daily_effects",
    "day_types",
    "fit_daily_many",
]

#: Fewest check-in days before any effect is estimated.
MIN_DAYS = 28
#: Fewest check-in days of each kind compared (dose days, other days, day-after days...).
MIN_CATEGORY_DAYS = 6
#: Fewest separate stretches (runs of consecutive days) of each kind compared: days of one
#: kind bunched into two or three stretches carry far less information than their count
#: suggests, and the intervals would be too narrow.
MIN_STRETCHES = 6
#: Coverage of the intervals.
CONFIDENCE = 0.95
#: Effects estimated for each series, in the column order of :class:`BatchFit`.
EFFECTS: tuple[str, ...] = (
    "dose_day_effect",
    "day_after_effect",
    "two_days_after_effect",
    "trend_per_week",
)
METHOD = (
    "regression with a linear time trend and AR(1) errors: two-step feasible GLS "
    "(Cochrane-Orcutt, Yule-Walker rho); t-based 95% CI"
)
_CHUNK = 4096

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


def day_types(dose: ArrayLike) -> tuple[BoolArray, BoolArray, BoolArray, BoolArray]:
    """Split days into dose, day-after, two-days-after and off days (last axis = days).

    Examples
    --------
    >>> d, a1, a2, off = day_types([True, False, False, False, True, False])
    >>> a1.tolist(), a2.tolist(), off.tolist()
    ([False, True, False, False, False, True], [False, False, True, False, False, False], \
[False, False, False, True, False, False])
    """
    d = np.asarray(dose, dtype=bool)
    yesterday = np.zeros_like(d)
    yesterday[..., 1:] = d[..., :-1]
    before = np.zeros_like(d)
    before[..., 2:] = d[..., :-2]
    after1 = yesterday & ~d
    after2 = before & ~d & ~yesterday
    return d, after1, after2, ~(d | after1 | after2)


@dataclass(frozen=True)
class Effect:
    """One estimated difference in rating points, with its 95% interval.

    Attributes
    ----------
    estimate : float
        Difference in rating points (per week for a trend).
    ci95 : tuple of float
        95% confidence interval.
    se : float
        Standard error (feasible GLS, AR(1) errors).
    n_days : int
        Check-in days of this kind (all check-in days for a trend).
    compared_with : str
        What the difference is taken against.
    """

    estimate: float
    ci95: tuple[float, float]
    se: float
    n_days: int
    compared_with: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "estimate": self.estimate,
            "ci95": list(self.ci95),
            "se": self.se,
            "n_days": self.n_days,
            "compared_with": self.compared_with,
        }


@dataclass(frozen=True)
class DailyEffects:
    """Dose-day and carry-over effects on one rating.

    Attributes
    ----------
    rating : str
        The rating's name.
    n_days : int
        Check-in days used.
    n_dose_days : int
        Of which dose days.
    dose_day_effect, day_after_effect, two_days_after_effect, trend_per_week : Effect or None
        None when not estimable (see ``note``).
    method : str
        How the numbers were made.
    note : str or None
        Why an effect is missing, e.g. ``"not enough data: ..."``.
    """

    rating: str
    n_days: int
    n_dose_days: int
    dose_day_effect: Effect | None
    day_after_effect: Effect | None
    two_days_after_effect: Effect | None
    trend_per_week: Effect | None
    method: str
    note: str | None

    @property
    def status(self) -> str:
        """``"ok"`` or ``"not enough data"``."""
        return "ok" if self.dose_day_effect is not None else "not enough data"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out: dict[str, Any] = {"status": self.status}
        for name in EFFECTS:
            effect: Effect | None = getattr(self, name)
            out[name] = effect.to_dict() if effect else None
        out.update(
            n_days=self.n_days, n_dose_days=self.n_dose_days, method=self.method, note=self.note
        )
        return out


@dataclass(frozen=True)
class BatchFit:
    """Estimates for many series; column ``j`` of the 2-D arrays is ``EFFECTS[j]``.

    Attributes
    ----------
    estimate, se, lower, upper : ndarray, shape (P, 4)
        NaN where ``ok`` is False.
    ok : ndarray of bool, shape (P, 4)
        Whether each effect was estimable.
    n_days : ndarray of int, shape (P,)
        Check-in days.
    counts : ndarray of int, shape (P, 4)
        Check-in days that are dose, day-after, two-days-after and off days.
    full_reference : ndarray of bool, shape (P,)
        True when model B compared with off days (three or more days after a dose);
        False when two-days-after days joined them.
    rho : ndarray, shape (P, 2)
        Estimated AR(1) coefficient of the errors in models A and B.
    df_a, df_b : ndarray of int, shape (P,)
        Residual degrees of freedom of models A and B (``n - 1 - k``).
    """

    estimate: FloatArray
    se: FloatArray
    lower: FloatArray
    upper: FloatArray
    ok: BoolArray
    n_days: IntArray
    counts: IntArray
    full_reference: BoolArray
    rho: FloatArray
    df_a: IntArray
    df_b: IntArray


def _counts(present: BoolArray, types: tuple[BoolArray, ...]) -> IntArray:
    return np.stack([(kind & present).sum(axis=1) for kind in types], axis=1).astype(np.int64)


def _stretches(days: BoolArray) -> IntArray:
    """Runs of consecutive ``True`` days in each row."""
    previous = np.zeros_like(days)
    previous[:, 1:] = days[:, :-1]
    runs: IntArray = (days & ~previous).sum(axis=1).astype(np.int64)
    return runs


def _enough(days: BoolArray) -> BoolArray:
    """At least ``MIN_CATEGORY_DAYS`` days in at least ``MIN_STRETCHES`` stretches."""
    enough: BoolArray = (days.sum(axis=1) >= MIN_CATEGORY_DAYS) & (
        _stretches(days) >= MIN_STRETCHES
    )
    return enough


def _fit_chunk(values: FloatArray, dose: BoolArray, weeks: FloatArray) -> BatchFit:
    present = ~np.isnan(values)
    types = day_types(dose)
    counts = _counts(present, types)
    n = present.sum(axis=1).astype(np.int64)
    dose_d, a1_d, a2_d, off_d = (kind & present for kind in types)
    ok_a = (n >= MIN_DAYS) & _enough(dose_d) & _enough(present & ~dose_d)
    full = _enough(off_d) & _enough(a2_d)
    reference = np.where(full[:, None], off_d, off_d | a2_d)
    ok_b = ok_a & _enough(a1_d) & _enough(reference)
    time = np.broadcast_to(weeks, values.shape)
    cols = [c.astype(float) for c in (types[0], types[1], types[2])]
    mask, y, d, a1, a2, t = compact(values, *cols, np.asarray(time, dtype=float))
    x = np.stack([mask, d, a1, a2, t], axis=2)
    products = moments(x, y, mask)
    on_a, on_b = ok_a.astype(float), ok_b.astype(float)
    zero = np.zeros_like(on_a)
    gate_a = np.stack([np.ones_like(on_a), on_a, zero, zero, on_a], axis=1)
    gate_b = np.stack([np.ones_like(on_b), on_b, on_b, on_b * full, on_b], axis=1)
    k_a, k_b = np.full_like(n, 3), np.where(full, 5, 4)
    beta_a, se_a, rho_a = fgls_ar1(x, y, mask, products, gate_a)
    beta_b, se_b, rho_b = fgls_ar1(x, y, mask, products, gate_b)
    beta_a, se_a = beta_a[:, [0, 1, 4]], se_a[:, [0, 1, 4]]
    estimate = np.stack([beta_a[:, 1], beta_b[:, 2], beta_b[:, 3], beta_a[:, 2]], axis=1)
    se = np.stack([se_a[:, 1], se_b[:, 2], se_b[:, 3], se_a[:, 2]], axis=1)
    ok = np.stack([ok_a, ok_b, ok_b & full, ok_a], axis=1)
    df_a, df_b = np.maximum(n - 1 - k_a, 0), np.maximum(n - 1 - k_b, 0)
    df = np.stack([df_a, df_b, df_b, df_a], axis=1)
    quantile = special.stdtrit(np.maximum(df, 1), 0.5 + CONFIDENCE / 2)
    estimate, se = np.where(ok, estimate, np.nan), np.where(ok, se, np.nan)
    return BatchFit(
        estimate, se, estimate - quantile * se, estimate + quantile * se, ok, n, counts,
        full, np.stack([rho_a, rho_b], axis=1), df_a, df_b,
    )  # fmt: skip


def fit_daily_many(
    values: ArrayLike, dose: ArrayLike, day_index: ArrayLike | None = None
) -> BatchFit:
    """Fit models A and B to many series at once.

    Parameters
    ----------
    values : array_like, shape (P, T)
        Ratings on consecutive days; NaN where there was no check-in.
    dose : array_like of bool, shape (P, T)
        Whether a dose was taken that day.
    day_index : array_like, shape (T,) or (P, T), optional
        Day numbers for the trend; ``0, 1, ..., T-1`` by default.

    Returns
    -------
    BatchFit
        Identical, series by series, to fitting each one alone.
    """
    y = np.atleast_2d(np.asarray(values, dtype=float))
    d = np.atleast_2d(np.asarray(dose, dtype=bool))
    if y.shape != d.shape:
        raise ValueError(f"values {y.shape} and dose {d.shape} differ in shape")
    days = np.arange(y.shape[1], dtype=float) if day_index is None else np.asarray(day_index)
    weeks = np.broadcast_to(np.asarray(days, dtype=float) / 7.0, y.shape)
    parts = [
        _fit_chunk(y[i : i + _CHUNK], d[i : i + _CHUNK], weeks[i : i + _CHUNK])
        for i in range(0, y.shape[0], _CHUNK)
    ] or [_fit_chunk(y, d, weeks)]
    fields = BatchFit.__dataclass_fields__
    return BatchFit(**{name: np.concatenate([getattr(p, name) for p in parts]) for name in fields})


_COMPARED = {
    "dose_day_effect": "all other days",
    "day_after_effect": "off days",
    "two_days_after_effect": "off days 3 or more days after a dose",
    "trend_per_week": "per week over the period",
}


def _effects(fit: BatchFit) -> list[Effect | None]:
    counts = fit.counts[0]
    ref_days = "off days 3 or more days after a dose"
    if not fit.full_reference[0]:
        ref_days = "off days 2 or more days after a dose"
    compared = {**_COMPARED, "day_after_effect": ref_days}
    sizes = [int(counts[0]), int(counts[1]), int(counts[2]), int(fit.n_days[0])]
    out: list[Effect | None] = []
    for j, name in enumerate(EFFECTS):
        if not fit.ok[0, j]:
            out.append(None)
            continue
        interval = (float(fit.lower[0, j]), float(fit.upper[0, j]))
        est, se = float(fit.estimate[0, j]), float(fit.se[0, j])
        out.append(Effect(est, interval, se, sizes[j], compared[name]))
    return out


def _note(fit: BatchFit, effects: list[Effect | None]) -> str | None:
    n, (n_dose, n_a1, _n_a2, _n_off) = int(fit.n_days[0]), fit.counts[0].tolist()
    if effects[0] is None:
        return (
            f"not enough data: {n} check-in days ({n_dose} dose days, {n - n_dose} other "
            f"days); needs at least {MIN_DAYS} days, with {MIN_CATEGORY_DAYS} of each kind "
            f"in {MIN_STRETCHES} separate stretches"
        )
    if effects[1] is None:
        return (
            f"carry-over not estimated: {n_a1} day-after days; needs {MIN_CATEGORY_DAYS} "
            f"of them and {MIN_CATEGORY_DAYS} off days to compare with, each in "
            f"{MIN_STRETCHES} separate stretches (every-other-day plans have no off days)"
        )
    if effects[2] is None:
        return (
            "two-days-after effect not estimated: too few off days 3 or more days after a "
            "dose (e.g. Fadiman doses every third day)"
        )
    return None


def daily_effects(
    values: Sequence[float | None] | ArrayLike,
    dose_days: Sequence[bool] | ArrayLike,
    *,
    rating: str = "rating",
    day_index: ArrayLike | None = None,
) -> DailyEffects:
    """Dose-day and carry-over effects on one rating series.

    Parameters
    ----------
    values : sequence of (float or None)
        The rating on consecutive calendar days; None or NaN where missing.
    dose_days : sequence of bool
        Whether a dose was taken each day (same length).
    rating : str
        Name of the rating, for the result.
    day_index : array_like, optional
        Day numbers for the trend; ``0 .. T-1`` by default.

    Returns
    -------
    DailyEffects
        With ``status == "not enough data"`` below :data:`MIN_DAYS` check-in days or
        :data:`MIN_CATEGORY_DAYS` days of a kind.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> dose = np.arange(84) % 3 == 0
    >>> mood = 5 + 1.0 * dose + rng.normal(0, 1, 84)
    >>> result = daily_effects(mood, dose, rating="mood")
    >>> low, high = result.dose_day_effect.ci95
    >>> result.status, result.dose_day_effect.n_days, bool(low < 1.0 < high)
    ('ok', 28, True)
    >>> daily_effects(mood[:10], dose[:10]).status
    'not enough data'
    """
    fit = _fit_one(values, dose_days, day_index)
    return _daily_result(rating, fit)


def _fit_one(
    values: Sequence[float | None] | ArrayLike,
    dose_days: Sequence[bool] | ArrayLike,
    day_index: ArrayLike | None,
) -> BatchFit:
    """Fit one series as a batch of one, None ratings read as missing."""
    y = np.array([np.nan if v is None else v for v in np.asarray(values, dtype=object)], float)
    d = np.asarray(dose_days, dtype=bool)
    if y.shape != d.shape:
        raise ValueError(f"{len(y)} values but {len(d)} dose flags")
    return fit_daily_many(y[None, :], d[None, :], day_index)


def _daily_result(rating: str, fit: BatchFit) -> DailyEffects:
    """The one series' effects, counts and note."""
    effects = _effects(fit)
    dose_day, day_after, two_days_after, trend = effects
    return DailyEffects(
        rating=rating,
        n_days=int(fit.n_days[0]),
        n_dose_days=int(fit.counts[0, 0]),
        dose_day_effect=dose_day,
        day_after_effect=day_after,
        two_days_after_effect=two_days_after,
        trend_per_week=trend,
        method=METHOD,
        note=_note(fit, effects),
    )
