"""Batched two-step feasible GLS with AR(1) errors (Cochrane & Orcutt 1949, JASA 44:32).

The numerical core of :mod:`microdose.analysis.daily`: many series at once, each a row of a
(P, n) array with its observed days moved to the front (:func:`compact`), their cross
products (:func:`moments`), and the fit (:func:`fgls_ar1`), whose estimates and standard
errors are those of statsmodels ``GLSAR(y, X, rho=1).iterative_fit(maxiter=2)`` (checked
by ``tests/analysis/test_insight_daily.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Moments", "compact", "fgls_ar1", "moments"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def compact(values: FloatArray, *columns: FloatArray) -> tuple[FloatArray, ...]:
    """Move each series' observed days to the front (order kept), zeros after them."""
    present = ~np.isnan(values)
    order = np.argsort(~present, axis=1, kind="stable")
    mask = np.take_along_axis(present, order, axis=1).astype(float)
    y = np.where(mask > 0, np.take_along_axis(values, order, axis=1), 0.0)
    moved = [np.take_along_axis(column, order, axis=1) * mask for column in columns]
    return (mask, y, *moved)


@dataclass(frozen=True)
class Moments:
    """Cross products of the compacted design ``x`` and ratings ``y`` over the rows
    ``t = 2..n`` that survive quasi-differencing: with ``x1 = x_t``, ``x0 = x_{t-1}``,
    ``a = x1'x1``, ``b = x1'x0``, ``c = x0'x0``, and ``x1'y1``, ``x1'y0``, ``x0'y1``,
    ``x0'y0``. Every fit below is a few k x k operations on these."""

    a: FloatArray
    b: FloatArray
    c: FloatArray
    x1y1: FloatArray
    x1y0: FloatArray
    x0y1: FloatArray
    x0y0: FloatArray


def moments(x: FloatArray, y: FloatArray, mask: FloatArray) -> Moments:
    keep = mask[:, 1:]
    x1, x0 = x[:, 1:] * keep[:, :, None], x[:, :-1] * keep[:, :, None]
    y1, y0 = (y[:, 1:] * keep)[:, :, None], (y[:, :-1] * keep)[:, :, None]
    x1t = np.ascontiguousarray(np.swapaxes(x1, 1, 2))  # batched matmul beats einsum here
    x0t = np.ascontiguousarray(np.swapaxes(x0, 1, 2))
    return Moments(
        x1t @ x1, x1t @ x0, x0t @ x0,
        (x1t @ y1)[:, :, 0], (x1t @ y0)[:, :, 0], (x0t @ y1)[:, :, 0], (x0t @ y0)[:, :, 0],
    )  # fmt: skip


def _inverse(matrix: FloatArray, gate: FloatArray) -> FloatArray:
    """Inverse of each k x k matrix with its gated-off (all-zero) columns made inert."""
    size = matrix.shape[1]
    inert = (gate == 0.0) | (np.diagonal(matrix, axis1=1, axis2=2) == 0.0)
    fixed = matrix + np.einsum("pk,kj->pkj", inert.astype(float), np.eye(size))
    inverse: FloatArray = np.linalg.inv(fixed)
    return inverse


def _ar1_rho(residuals: FloatArray, mask: FloatArray, n: IntArray) -> FloatArray:
    """Yule–Walker AR(1) coefficient of each residual series (statsmodels ``yule_walker``,
    ``method="adjusted"``, ``demean=True``): ``r1 / r0`` with ``r0 = sum(u^2) / n`` and
    ``r1 = sum(u_t u_{t-1}) / (n - 1)``."""
    count = np.maximum(n, 2).astype(float)
    centred = (residuals - (residuals.sum(axis=1) / count)[:, None]) * mask
    r0 = (centred**2).sum(axis=1) / count
    r1 = (centred[:, 1:] * centred[:, :-1]).sum(axis=1) / (count - 1.0)
    rho: FloatArray = np.divide(r1, r0, out=np.zeros_like(r0), where=r0 > 0)
    return rho


def fgls_ar1(
    x: FloatArray, y: FloatArray, mask: FloatArray, m: Moments, gate: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Two-step feasible GLS with AR(1) errors (Cochrane–Orcutt), batched.

    The same steps as statsmodels ``GLSAR(y, X, rho=1).iterative_fit(maxiter=2)``: OLS on
    rows 2..n, ρ by Yule–Walker from the residuals of all n rows, then OLS on the
    quasi-differenced rows ``z_t - ρ z_{t-1}`` (t = 2..n). ``gate`` (P, k) switches columns
    of ``x`` off (0) per series. Returns beta, SE and ρ.
    """
    outer = gate[:, :, None] * gate[:, None, :]
    first = np.einsum("pjk,pk->pj", _inverse(m.a * outer, gate), m.x1y1 * gate)
    n = mask.sum(axis=1)
    rho = _ar1_rho((y - (x @ first[:, :, None])[:, :, 0]) * mask, mask, n.astype(np.int64))
    r, r2 = rho[:, None, None], (rho**2)[:, None, None]
    xwx = (m.a - r * (m.b + np.swapaxes(m.b, 1, 2)) + r2 * m.c) * outer
    xwy = (m.x1y1 - rho[:, None] * (m.x1y0 + m.x0y1) + (rho**2)[:, None] * m.x0y0) * gate
    inverse = _inverse(xwx, gate)
    beta = np.einsum("pjk,pk->pj", inverse, xwy)
    errors = (y - (x @ beta[:, :, None])[:, :, 0]) * mask
    whitened = (errors[:, 1:] - rho[:, None] * errors[:, :-1]) * mask[:, 1:]
    k = gate.sum(axis=1)
    sigma2 = (whitened**2).sum(axis=1) / np.maximum(n - 1 - k, 1.0)
    variance = sigma2[:, None] * np.diagonal(inverse, axis1=1, axis2=2)
    return beta, np.sqrt(np.clip(variance, 0.0, None)), rho
