"""Charts: valid Vega-Lite specs (Altair's schema), rendered by vl-convert without a browser."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tests.insight_support import sqlite_insight

from microdose.reports.charts import chart_specs, effects_chart, to_png, to_svg
from microdose.services.insight import Insight


@pytest.fixture(scope="module")
def insight(tmp_path_factory: pytest.TempPathFactory) -> Insight:
    return sqlite_insight(tmp_path_factory.mktemp("charts"))


def test_every_chart_of_a_full_journal_is_made(insight: Insight) -> None:
    specs = chart_specs(insight)
    assert set(specs) == {"mood", "scores", "effects", "side_effects"}
    for spec in specs.values():
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v")
        assert spec["config"]["font"] == "DejaVu Sans"


def test_every_spec_is_valid_vega_lite(insight: Insight) -> None:
    """Specs are made without Altair's per-call validation (it is most of a page's time),
    so each is validated here against the Vega-Lite JSON schema Altair ships."""
    from altair.vegalite.v6.schema import load_schema
    from jsonschema import Draft7Validator

    validator = Draft7Validator(load_schema())
    for name, spec in chart_specs(insight).items():
        errors = [e.message for e in validator.iter_errors(spec)]
        assert errors == [], name
    broken = {**chart_specs(insight)["mood"], "mark": "sparkle"}  # the check can fail
    assert list(validator.iter_errors(broken))


def test_specs_carry_their_data_and_uncertainty(insight: Insight) -> None:
    specs = chart_specs(insight)
    text = str(specs["effects"])
    assert "'low'" in text and "'high'" in text  # interval ends drawn as rules
    named = {layer["data"]["name"] for layer in specs["mood"]["layer"]}
    assert named == set(specs["mood"]["datasets"])  # each layer's rows travel with the spec
    mood_days = [row for rows in specs["mood"]["datasets"].values() for row in rows]
    assert len(mood_days) > 0
    assert "measurement error alone allows" in str(specs["scores"]["title"])
    assert "SEM" not in str(specs["scores"]["title"])  # plain words in the chart itself


def test_png_has_the_size_and_ink_of_a_chart(insight: Insight) -> None:
    png = to_png(chart_specs(insight)["scores"], scale=1.0)
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    height, width = pixels.shape
    assert width > 400 and height > 300
    assert (pixels < 128).mean() > 0.01


def test_svg_is_vector_text(insight: Insight, tmp_path: Path) -> None:
    svg = to_svg(chart_specs(insight)["side_effects"])
    assert svg.lstrip().startswith("<svg") and "headache" in svg


def test_no_chart_without_data(tmp_path: Path) -> None:
    assert effects_chart({}) is None
