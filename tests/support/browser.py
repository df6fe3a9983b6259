"""A real browser for the residents' pages: Debian's Chromium (``make browser`` installs it)
driven by Playwright, at a cheap phone's size; each page looked at is photographed, weighed
and checked by axe-core (WCAG 2.1 A/AA rules; the axe-playwright-python package ships
axe.min.js), and the findings are written to a gitignored artifacts directory."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, Response, async_playwright
from playwright.async_api import Error as PlaywrightError

__all__ = ["ARTIFACTS", "PHONE", "Inspection", "Inspector", "chromium"]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "residents-web"
PHONE = {"width": 360, "height": 740}  # a cheap Android phone's viewport
_WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _chromium_binary() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise RuntimeError("no chromium on this machine: `make browser` installs Debian's")
    return found


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless (Playwright's own browser build is never downloaded)."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=_chromium_binary(), headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@dataclass(frozen=True)
class Inspection:
    """One page as a resident's phone got it."""

    name: str
    status: int | None
    kilobytes: float  # the document and its style sheet, as sent
    violations: list[dict[str, Any]]  # axe's, every impact

    @property
    def serious(self) -> list[str]:
        return [
            f"{v['id']} ({v['impact']})"
            for v in self.violations
            if v.get("impact") in {"serious", "critical"}
        ]


@dataclass
class Inspector:
    """Photographs, weighs and axe-checks pages; ``summary()`` is written beside the photos."""

    directory: Path = ARTIFACTS
    seen: list[Inspection] = field(default_factory=list)
    _bytes: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    async def context(self, browser: Browser, client: str, **options: Any) -> BrowserContext:
        """A phone-sized browser, coming from ``client`` (the address the page's proxy
        header names: each test resident is a client of their own)."""
        context = await browser.new_context(
            viewport=PHONE, extra_http_headers={"X-Forwarded-For": client}, **options
        )
        context.on("response", self._weigh)
        return context

    async def _weigh(self, response: Response) -> None:
        try:
            body = await response.body()
        except PlaywrightError:  # a redirect or an aborted response has no body
            return
        self._bytes[response.url.split("?")[0]] = len(body)

    async def phone(self, browser: Browser, client: str) -> Page:
        """A fresh phone (its own cookies) of resident ``client``."""
        return await (await self.context(browser, client)).new_page()

    async def look(self, page: Page, name: str) -> Inspection:
        """Inspect, and hold the page to the bar: under 100 KB, no serious or critical
        axe violation."""
        seen = await self.inspect(page, name)
        assert seen.serious == [], f"{name}: {seen.serious}"
        assert seen.kilobytes < 100, f"{name}: {seen.kilobytes} KB"
        return seen

    async def inspect(self, page: Page, name: str, status: int | None = None) -> Inspection:
        await page.screenshot(path=self.directory / f"{name}.png", full_page=True)
        results = await Axe().run(page, options=_WCAG)
        url = page.url.split("?")[0]
        css = next((n for u, n in self._bytes.items() if u.endswith("/static/style.css")), 0)
        kilobytes = (self._bytes.get(url, len((await page.content()).encode())) + css) / 1024
        seen = Inspection(name, status, round(kilobytes, 1), results.response["violations"])
        self.seen.append(seen)
        return seen

    def summary(self) -> Path:
        path = self.directory / "summary.json"
        rows = [
            {
                "page": s.name,
                "kilobytes": s.kilobytes,
                "axe_violations": [f"{v['id']} ({v['impact']})" for v in s.violations],
            }
            for s in self.seen
        ]
        path.write_text(json.dumps(rows, indent=2, ensure_ascii=False))
        return path
