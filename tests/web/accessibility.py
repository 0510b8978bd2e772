"""WCAG 2.2 AA checks of a page open in the browser: axe-core, plus our own contrast check.

axe-core (Deque's engine, shipped inside the ``axe-playwright-python`` wheel and injected
through the DevTools protocol, so the page's CSP is untouched) runs every rule tagged
WCAG 2.0/2.1/2.2 level A or AA. Where axe cannot decide text contrast itself — text inside
the SVG charts ("contains an image node"), cells of a table that scrolls sideways
("partially obscured") — we measure it: the text's colour (``fill`` for SVG text) against
the first opaque background behind it, with WCAG's relative-luminance formula.
"""

from __future__ import annotations

import re
from typing import Any

from axe_playwright_python.sync_playwright import Axe

WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE = Axe()

#: For each CSS selector: the text's colour, the opaque background behind it, its size.
_COLOURS_JS = """(selectors) => selectors.map((selector) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const style = getComputedStyle(el);
  const svg = el instanceof SVGElement;
  let node = svg ? el.ownerSVGElement : el;
  let background = 'rgb(255, 255, 255)';
  for (; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    const clear = /^rgba\\(.*, 0\\)$/.test(colour) || colour === 'transparent';
    if (!clear) { background = colour; break; }
  }
  return {selector, text: el.textContent.trim().slice(0, 40),
          foreground: svg ? style.fill : style.color, background,
          opacity: svg ? parseFloat(style.fillOpacity) * parseFloat(style.opacity) : 1,
          size: parseFloat(style.fontSize), weight: parseInt(style.fontWeight, 10)};
})"""


def _channels(css: str) -> tuple[float, float, float, float]:
    """``rgb(r, g, b)`` or ``rgba(r, g, b, a)`` as four numbers."""
    numbers = [float(part) for part in re.findall(r"[\d.]+", css)]
    return (numbers[0], numbers[1], numbers[2], numbers[3] if len(numbers) > 3 else 1.0)


def _luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2.2 relative luminance of an sRGB colour (0-255 channels)."""
    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str, opacity: float = 1.0) -> float:
    """WCAG contrast ratio of a CSS colour over an opaque one (alpha blended first)."""
    fr, fg, fb, alpha = _channels(foreground)
    alpha *= opacity
    br, bg, bb, _ = _channels(background)
    blended = tuple(alpha * f + (1 - alpha) * b for f, b in ((fr, br), (fg, bg), (fb, bb)))
    lighter, darker = sorted((_luminance(blended), _luminance((br, bg, bb))), reverse=True)  # type: ignore[arg-type]
    return (lighter + 0.05) / (darker + 0.05)


def required_ratio(size_px: float, weight: int) -> float:
    """AA minimum: 3:1 for large text (24 px, or 18.66 px bold), else 4.5:1 (SC 1.4.3)."""
    large = size_px >= 24 or (size_px >= 18.66 and weight >= 700)
    return 3.0 if large else 4.5


def measure(page: Any, selectors: list[str]) -> list[dict[str, Any]]:
    """Colours, background and size of the elements the selectors name, in the page."""
    found = page.evaluate(_COLOURS_JS, selectors)
    return [item for item in found if item is not None]


def run_axe(page: Any, *, passes: bool = False) -> dict[str, Any]:
    """axe-core's result for the page: violations and incomplete checks (and passes)."""
    kinds = ["violations", "incomplete", "passes"] if passes else ["violations", "incomplete"]
    options = {"runOnly": {"type": "tag", "values": WCAG_AA_TAGS}, "resultTypes": kinds}
    response: dict[str, Any] = AXE.run(page, options=options).response
    return response


def problems(page: Any) -> list[str]:
    """Every WCAG 2.2 AA failure on the page, one line each; empty when it passes."""
    result = run_axe(page)
    found = [f"{v['id']} ({v['help']}): {[n['target'] for n in v['nodes'][:5]]}"
             for v in result["violations"]]
    undecided = [node["target"][0] for check in result["incomplete"]
                 if check["id"] == "color-contrast" for node in check["nodes"]]
    for item in measure(page, undecided):
        ratio = contrast_ratio(item["foreground"], item["background"], item["opacity"])
        if ratio < required_ratio(item["size"], item["weight"]):
            found.append(f"contrast {ratio:.2f}:1 for {item['text']!r} "
                         f"({item['foreground']} on {item['background']}) at {item['selector']}")
    return [f"{page.url}: {line}" for line in found]
