from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page, name: str) -> None:
    """Save a full-page screenshot for a person to look at; on a phone-sized page also check
    that nothing sticks out sideways."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    if width <= 480:
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)
