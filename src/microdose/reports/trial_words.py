"""The trial's results in words: verdicts, the prior, the guess described, the blinding.

Every sentence here follows two rules. The verdict comes from the randomised comparison
only and is worded from its primary interval, so the words can never contradict the
numbers. The guess is described, never credited: it is recorded after the capsule and can
follow what was felt, so no sentence says or implies that the guess or the expectation
caused (or "explains") a difference.
"""

from __future__ import annotations

import math
import re
from typing import Any

from microdose.analysis.blinding_index import BangIndex
from microdose.analysis.cgrc import CgrcResult
from microdose.analysis.n_of_1 import OutcomeResult
from microdose.analysis.study import Coefficient, Stratum, StudyResult
from microdose.analysis.trial import Posterior
from microdose.domain.expectancy import SETS_MIDPOINT

__all__ = [
    "CREDITING",
    "EXPECTANCY_CAVEAT",
    "GUESS_CAVEAT",
    "PRIMARY_WHY",
    "blinding_sentence",
    "credits_the_guess",
    "expectancy_sentence",
    "guess_sentence",
    "outcome_sentence",
    "percent",
    "posterior_sentence",
    "probability_sentence",
    "study_conclusion",
    "verdict_words",
]

PRIMARY_WHY = (
    "The randomisation interval is the primary one: it rests only on the random order of "
    "the envelopes within each block, with no assumption about how ratings vary from day "
    "to day; the paired t interval beside it also assumes roughly normal block differences."
)
GUESS_CAVEAT = (
    "These guess figures describe how your ratings and your guesses went together; they "
    "cannot show what caused what, because each guess was made after the capsule and can "
    "itself follow how the day felt."
)
STUDY_GUESS_CAVEAT = (
    "The guess figures describe how ratings and guesses went together; they cannot show what "
    "caused what, because each guess was made after the capsule and can itself follow how "
    "the day felt."
)
#: Wording that says or implies that the guess (or the expectation) caused a difference.
#: No trial output may match; tests and ``bench/bench_calibration.py`` check every output.
CREDITING = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"not the capsule",
        r"\bexplain(s|ed|ing)?\b",
        r"expectation (is|was) doing",
        r"(guess|expectation|expectanc|belief|believing)\w* [^.;]*\b(drove|drives|caused|"
        r"causes|accounts? for|is responsible|moved|adds)\b",
        r"\b(due to|because of|driven by|caused by|down to) (the |your |their )?"
        r"(guess|expectation|expectanc|belief)",
        r"followed (your|the|their) guess",
    )
)
EXPECTANCY_CAVEAT = (
    "Expectancy, high or low, does not change what the randomised comparison shows; it "
    "helps you read how you guessed."
)
EXPECTANCY_NOT_ASKED = (
    "Expectancy before the trial was not recorded: the SETS questions were not answered "
    "when the trial was designed."
)
_VERDICT = {
    "benefit": "a benefit: the whole randomisation interval lies on the better side of 0",
    "harm": "worse on active days: the whole randomisation interval lies on the worse side of 0",
    "no_reliable_difference": "no reliable difference: the randomisation interval includes 0",
    "too_little_data": "too little data to tell",
}


def credits_the_guess(text: str) -> list[str]:
    """The passages of ``text`` that credit the guess or the expectation (none, we hope).

    Examples
    --------
    >>> credits_the_guess("The guess, not the capsule, explains the difference.")
    ['not the capsule', 'explains']
    >>> credits_the_guess(GUESS_CAVEAT)
    []
    """
    return [m.group(0) for pattern in CREDITING for m in pattern.finditer(text)]


def _fmt(x: float) -> str:
    return f"{x:+.2f}"


def _points(x: float) -> str:
    return f"{x:g} point" + ("" if x == 1 else "s")


def percent(p: float) -> str:
    """A probability as a percentage, never a flat 0% or 100%."""
    if p < 0.01:
        return "<1%"
    if p > 0.99:
        return ">99%"
    return f"{p:.0%}"


def interval_text(ci: tuple[float, float]) -> str:
    """``-0.91 to +1.91``, or ``unbounded`` when an end is infinite."""
    if not (math.isfinite(ci[0]) and math.isfinite(ci[1])):
        return "unbounded"
    return f"{_fmt(ci[0])} to {_fmt(ci[1])}"


def verdict_words(o: OutcomeResult) -> str:
    """The verdict in words, with the reason taken from the primary interval."""
    text = _VERDICT[o.verdict]
    if o.verdict == "too_little_data" and o.note:
        text += f" ({o.note.split('; guess model')[0]})"
    return text


def prior_words(prior: str, mid: float) -> str:
    """The prior, described in the words of the sentence that uses it."""
    if prior == "neutral":
        return "with a neutral (flat) prior that treats every size of effect as equally likely"
    return f"with a sceptical prior that gives a benefit of at least {_points(mid)} a 5% chance"


def posterior_sentence(o: OutcomeResult) -> str:
    """The posterior probability of a meaningful benefit, its prior in the same sentence."""
    return "" if o.posterior is None else probability_sentence(o.posterior, "trial")


def probability_sentence(post: Posterior, before: str) -> str:
    """``With a sceptical prior that … before the trial, the probability of … is 23%.``"""
    return (
        f"{prior_words(post.prior, post.mid).capitalize()} before the {before}, the "
        f"probability of a benefit of at least {_points(post.mid)} is "
        f"{percent(post.prob_benefit)}."
    )


def outcome_sentence(o: OutcomeResult, *, primary: bool = False) -> str:
    """One outcome: the design-matched effect, both intervals, the verdict, the posterior."""
    label = f"{o.name} (primary)" if primary else o.name
    if o.effect is None or o.randomisation is None:
        return f"{label}: {verdict_words(o)}."
    e, r = o.effect, o.randomisation
    head = (
        f"{label}: active − placebo {_fmt(e.estimate)}, mean of {e.blocks} block differences "
        f"(randomisation 95% interval {interval_text(r.ci95)}, p = {r.p:.3g}; paired t 95% CI "
        f"{interval_text(e.ci95)}, {e.df} df) — {verdict_words(o)}{_t_disagrees(o)}."
    )
    return f"{head} {posterior_sentence(o)}"


def _t_disagrees(o: OutcomeResult) -> str:
    """A clause when the paired t interval excludes 0 but the verdict found no difference."""
    if o.verdict != "no_reliable_difference" or o.effect is None:
        return ""
    low, high = o.effect.ci95
    if low <= 0 <= high:
        return ""
    return (
        " (the paired t interval, an approximation, excludes 0; the randomisation interval "
        "decides)"
    )


def after_dose_sentence(o: OutcomeResult) -> str | None:
    """The secondary days-after comparison, when estimated."""
    if o.after_dose is None:
        return None
    a, e = o.after_dose, o.after_dose.effect
    return (
        f"{o.name} on the days after dose days (secondary; compared within {e.blocks} "
        f"blocks): after active − after placebo {_fmt(e.estimate)} (95% CI "
        f"{interval_text(e.ci95)}, {e.df} df; {a.n_active_days} and {a.n_placebo_days} days)."
    )


def _higher(c: Coefficient) -> str:
    """``1.40 points higher than`` / ``0.20 points lower than`` / ``about the same as``."""
    size = abs(c.estimate)
    direction = "higher" if c.estimate > 0 else "lower"
    return f"{size:.2f} points {direction} than" if size >= 0.005 else "about the same as"


def guess_sentence(name: str, with_guess: dict[str, Coefficient] | None) -> str | None:
    """The guess-adjusted model as a description of two comparisons."""
    if with_guess is None:
        return None
    g, c = with_guess["guess"], with_guess["condition"]
    return (
        f"{name}, described by your guesses: on placebo days, days you believed were active "
        f"were rated {_higher(g)} days you believed were placebo (95% CI "
        f"{interval_text(g.ci95)}); on days you believed were placebo, active days were "
        f"rated {_higher(c)} placebo days (95% CI {interval_text(c.ci95)})."
    )


def strata_words(cells: dict[str, Stratum]) -> str:
    """``took active, guessed active: mean 6.50 (n = 3); …``."""
    parts = []
    for key, s in cells.items():
        took, guessed = key.split("/")
        mean = f"mean {s.mean:.2f}" if s.n else "no days"
        parts.append(f"took {took}, guessed {guessed}: {mean} (n = {s.n})")
    return "; ".join(parts)


def _arm_words(arm: str, b: BangIndex) -> str:
    if not b.estimable:
        return f"{arm} days: no guesses — Bang index not estimable"
    reading = (
        "consistent with an intact blind"
        if b.ci95[0] >= -0.2 and b.ci95[1] <= 0.2
        else "more right than wrong guesses"
        if b.ci95[0] > 0
        else "more wrong than right guesses"
        if b.ci95[1] < 0
        else "too few guesses to tell"
    )
    return (
        f"{arm} days: {b.correct} right, {b.incorrect} wrong, {b.dont_know} unsure — Bang "
        f"index {b.estimate:+.2f} (95% CI {b.ci95[0]:+.2f} to {b.ci95[1]:+.2f}), {reading}"
    )


def blinding_sentence(index: dict[str, BangIndex]) -> str:
    """Bang's index per arm, described (Bang et al. read −0.2…0.2 as blinding kept)."""
    return "Blinding: " + "; ".join(_arm_words(arm, b) for arm, b in index.items()) + "."


def _ci_words(c: Coefficient) -> str:
    return f"{_fmt(c.estimate)} (95% CI {interval_text(c.ci95)}, p = {c.p:.3g})"


def _arm_sentences(result: StudyResult) -> str:
    """Each further arm vs placebo, and the secondary change score, in words."""
    active = next(iter(result.arms), "active")
    text = "".join(
        f" {label} − placebo, in the same model: {_ci_words(c)}."
        for label, c in result.arms.items()
        if label != active
    )
    if result.change is not None:
        text += (
            f" Secondary, change from baseline: active − placebo "
            f"{_ci_words(result.change.effect)}."
        )
    return text


MODERATOR_CAVEAT = (
    "The covariates were measured at baseline but not assigned at random, so an "
    "interaction describes for whom the difference between arms was larger, not why."
)


def moderator_sentence(name: str, label: str, c: Coefficient) -> str:
    """A condition × covariate interaction, described (the covariate was not randomised)."""
    return (
        f"Per point of {name}, the {label} − placebo difference changed by "
        f"{_fmt(c.estimate)} (95% CI {interval_text(c.ci95)}, p = {c.p:.3g})."
    )


def study_conclusion(result: StudyResult) -> str:
    """One paragraph on a blinded study's outcome: the effect, every further arm, the
    change score and the moderators, then the guess described."""
    e = result.effect
    lead = "Active − placebo"
    if result.adjustment:
        lead += " adjusted for " + ", ".join(result.adjustment)
    text = f"{lead}: {_ci_words(e)}. "
    text += (
        "The 95% CI excludes 0: a reliable difference between capsules."
        if e.ci95[0] > 0 or e.ci95[1] < 0
        else "No reliable difference between capsules: the 95% CI includes 0."
    )
    text += _arm_sentences(result)
    for name, terms in result.moderators.items():
        text += "".join(f" {moderator_sentence(name, label, c)}" for label, c in terms.items())
    if result.moderators:
        text += f" {MODERATOR_CAVEAT}"
    if result.with_guess is not None:
        g, c = result.with_guess["guess"], result.with_guess["condition"]
        text += (
            f" Described by the guesses: among placebo rows, those guessed active were "
            f"{_higher(g)} those guessed placebo (95% CI {interval_text(g.ci95)}); "
            f"among rows guessed placebo, active rows were {_higher(c)} placebo rows "
            f"(95% CI {interval_text(c.ci95)}). {STUDY_GUESS_CAVEAT}"
        )
    return text


def cgrc_sentence(curve: CgrcResult) -> str:
    """The correct guess rate curve at chance and at the observed rate, its assumption."""
    chance = curve.at_chance
    observed = min(curve.curve, key=lambda p: abs(p.cgr - curve.observed_cgr))
    return (
        f"Correct guess rate curve ({curve.pseudo_trials} pseudo-trials per rate, seed "
        f"{curve.seed}): with guessing at chance (a correct-guess rate of 0.5) active − "
        f"placebo {_fmt(chance.estimate)} (95% of pseudo-trials {interval_text(chance.ci95)}); "
        f"at the observed rate {curve.observed_cgr:.2f} the curve is near "
        f"{_fmt(observed.estimate)} (observed {_fmt(curve.observed_effect)}). "
        f"{curve.assumption}"
    )


def _leaning(positive: float) -> str:
    """What the positive subscale says, read against the scale's midpoint (4, neither agree
    nor disagree): SETS has no published cut-offs, so nothing finer is said."""
    if positive > SETS_MIDPOINT:
        return "you expected benefit"
    if positive < SETS_MIDPOINT:
        return "you did not expect benefit"
    return "you were undecided about benefit"


def expectancy_sentence(expectancy: dict[str, Any] | None) -> str:
    """The SETS asked at design, described beside the result (never credited).

    Examples
    --------
    >>> words = expectancy_sentence({"positive": 17 / 3, "negative": 5 / 3})
    >>> words.split(" (SETS")[0]
    'Before the trial you expected benefit: positive expectancy 5.7 of 7, negative 1.7 of 7'
    >>> credits_the_guess(words)
    []
    """
    if expectancy is None:
        return EXPECTANCY_NOT_ASKED
    positive, negative = float(expectancy["positive"]), float(expectancy["negative"])
    return (
        f"Before the trial {_leaning(positive)}: positive expectancy {positive:.1f} of 7, "
        f"negative {negative:.1f} of 7 (SETS; 1 strongly disagree to 7 strongly agree, no "
        f"published cut-offs). {EXPECTANCY_CAVEAT}"
    )
