"""Bayesian reading and guess descriptions of one person's self-blinded N-of-1 trial.

The trial's effect and randomisation test, matched to its design, are in
:mod:`microdose.analysis.paired`; :mod:`microdose.analysis.n_of_1` puts everything
together for one outcome.

- **Posterior probability** that the benefit is at least a meaningful difference (MID),
  with the prior named: *sceptical* N(0, (MID/1.645)²) — a 5% prior probability of a
  benefit of at least the MID (Spiegelhalter, Freedman & Parmar 1994, J R Stat Soc A
  157:357) — or *neutral* (flat). The likelihood is the paired t of the block
  differences (B − 1 df), so few blocks mean heavy tails.
- **Guess model** ``value ~ condition × guess`` (OLS) and the four condition × guess
  strata. The guess is recorded after the capsule and can follow what was felt, so these
  are descriptions, not estimates of what caused what.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from microdose.analysis.study import Coefficient, Stratum, ols, strata
from microdose.domain.errors import InvalidInput

__all__ = [
    "PRIORS",
    "SCEPTICAL_PRIOR_Z",
    "Posterior",
    "guess_model",
    "posterior_benefit",
]

Array = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
#: A sceptical prior puts 5% probability beyond the MID: SD = MID / 1.645.
SCEPTICAL_PRIOR_Z = float(stats.norm.ppf(0.95))
Z95 = float(stats.norm.ppf(0.975))
_GRID_POINTS = 40_001


#: The priors offered for the posterior probability of a meaningful benefit.
PRIORS = ("sceptical", "neutral")


@dataclass(frozen=True)
class Posterior:
    """Posterior of the effect and the probability of a meaningful benefit, with its prior."""

    mean: float
    sd: float
    ci95: tuple[float, float]
    prob_benefit: float
    prob_harm: float
    mid: float
    prior: str
    prior_sd: float
    higher_is_better: bool
    method: str


def _likelihood_text(df: int | None) -> str:
    return "normal likelihood" if df is None else f"paired t likelihood ({df} df)"


def posterior_benefit(
    estimate: float,
    se: float,
    mid: float,
    *,
    higher_is_better: bool = True,
    prior: str = "sceptical",
    df: int | None = None,
) -> Posterior:
    """Posterior probability that the effect is a benefit of at least ``mid``.

    Priors: ``sceptical`` N(0, (MID/1.645)²), a 5% prior probability of a benefit of at
    least the MID (Spiegelhalter, Freedman & Parmar 1994); ``neutral`` flat, every effect
    size equally likely before the trial. Likelihood: N(estimate, se²), or with ``df`` the
    scaled t of the paired t-test, the posterior then computed on a fine grid.
    ``prob_benefit`` = P(effect ≥ mid) when higher is better, P(effect ≤ −mid) otherwise.

    Examples
    --------
    >>> post = posterior_benefit(0.0, 1.0, 1.0)
    >>> round(post.prob_benefit, 4) == round(post.prob_harm, 4), post.prior
    (True, 'sceptical')
    """
    if mid <= 0:
        raise InvalidInput("mid", f"{mid} is not a positive difference", "a number > 0")
    if prior not in PRIORS:
        raise InvalidInput("prior", f"{prior!r} is not a prior offered", ", ".join(PRIORS))
    tau = mid / SCEPTICAL_PRIOR_Z if prior == "sceptical" else float("inf")
    method = f"{_likelihood_text(df)}, {prior} prior"
    if se <= 0 or df is None:
        mean, sd = _conjugate(estimate, se, tau)
        upper = float(stats.norm.sf(mid, mean, sd)) if sd > 0 else float(mean >= mid)
        lower = float(stats.norm.cdf(-mid, mean, sd)) if sd > 0 else float(mean <= -mid)
        ci = (float(mean - Z95 * sd), float(mean + Z95 * sd))
    else:
        mean, sd, ci, upper, lower = _t_posterior(estimate, se, df, tau, mid)
    benefit, harm = (upper, lower) if higher_is_better else (lower, upper)
    return Posterior(mean, sd, ci, benefit, harm, mid, prior, tau, higher_is_better, method)


def _conjugate(estimate: float, se: float, tau: float) -> tuple[float, float]:
    """Normal prior N(0, tau²) (flat when tau is infinite) × normal likelihood."""
    if se <= 0:
        return float(estimate), 0.0
    precision = 1 / tau**2 + 1 / se**2
    return float((estimate / se**2) / precision), float(np.sqrt(1 / precision))


def _t_posterior(
    estimate: float, se: float, df: int, tau: float, mid: float
) -> tuple[float, float, tuple[float, float], float, float]:
    """Mean, SD, 95% credible interval, P(≥ mid) and P(≤ −mid) on a grid."""
    reach = 80 * se if not np.isfinite(tau) else min(80 * se, 12 * tau + abs(estimate))
    x = np.linspace(estimate - reach - mid, estimate + reach + mid, _GRID_POINTS)
    log_density = stats.t.logpdf((estimate - x) / se, df)
    if np.isfinite(tau):
        log_density = log_density + stats.norm.logpdf(x, 0.0, tau)
    density = np.exp(log_density - log_density.max())
    cdf = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2 * np.diff(x))])
    cdf /= cdf[-1]
    mean = float(np.trapezoid(x * density, x) / np.trapezoid(density, x))
    sd = float(np.sqrt(np.trapezoid((x - mean) ** 2 * density, x) / np.trapezoid(density, x)))
    ci = (float(np.interp(0.025, cdf, x)), float(np.interp(0.975, cdf, x)))
    upper = 1.0 - float(np.interp(mid, x, cdf))
    lower = float(np.interp(-mid, x, cdf))
    return mean, sd, ci, upper, lower


def guess_model(
    values: Array, active: BoolArray, guess: Array
) -> tuple[dict[str, Coefficient] | None, dict[str, Stratum], str | None]:
    """``value ~ condition × guess`` (OLS) and the four strata; guesses NaN are left out.

    Returns the coefficients ``condition`` (active vs placebo among days guessed
    placebo), ``guess`` (guessed active vs placebo among placebo days) and
    ``interaction``, or None with the reason when they cannot be estimated.
    """
    values, active, guess = np.asarray(values, float), np.asarray(active, bool), np.asarray(guess)
    cells = strata(values, active, guess)
    known = ~np.isnan(guess)
    v, a, g = values[known], active[known].astype(float), guess[known]
    X = np.column_stack([np.ones(v.size), a, g, a * g]) if v.size else np.empty((0, 4))
    try:
        fitted = ols(v, X, ["intercept", "condition", "guess", "interaction"]).coefficients
    except InvalidInput as exc:
        return None, cells, exc.message
    return {k: fitted[k] for k in ("condition", "guess", "interaction")}, cells, None
