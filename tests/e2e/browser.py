"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium (installed by
scripts/setup.sh), driven by Playwright without any browser download of its own."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = Path(os.environ.get("YOUSU_CHROMIUM", "/usr/bin/chromium"))
#: a phone's screen (CSS pixels) and its pixel ratio
PHONE = {"width": 390, "height": 844}
PHONE_SCALE = 2
BASELINES = Path(__file__).resolve().parent / "baselines"
#: set to 1 to write the screenshots as the new baselines (then look at them!)
UPDATE = os.environ.get("YOUSU_UPDATE_BASELINES") == "1"


def _chromium_present() -> bool:
    return CHROMIUM.exists()


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    if not _chromium_present():
        pytest.fail(
            f"{CHROMIUM} is missing: run scripts/setup.sh as root, or apt-get install chromium "
            "chromium-driver (YOUSU_CHROMIUM names another binary)"
        )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def phone(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(
        viewport=PHONE,
        device_scale_factor=PHONE_SCALE,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    try:
        yield await context.new_page()
    finally:
        await context.close()


def differing_share(shot: bytes, baseline: bytes, threshold: int = 48) -> float:
    """The share of pixels whose colour differs by more than ``threshold`` (0-255) in any
    channel; 1.0 when the sizes differ."""
    a = Image.open(io.BytesIO(shot)).convert("RGB")
    b = Image.open(io.BytesIO(baseline)).convert("RGB")
    if a.size != b.size:
        return 1.0
    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > threshold else 0)
    histogram = diff.histogram()
    return histogram[255] / (a.size[0] * a.size[1])


def compare_with_baseline(name: str, shot: bytes, tolerance: float = 0.0005) -> float:
    """Compare ``shot`` with the stored baseline ``name`` (at most ``tolerance`` of its pixels
    may differ); with YOUSU_UPDATE_BASELINES=1 store it instead."""
    path = BASELINES / name
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"no baseline {path}: run with YOUSU_UPDATE_BASELINES=1 and look at it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(shot)
        return 0.0
    share = differing_share(shot, path.read_bytes())
    if share > tolerance:
        failed = path.with_name(path.stem + ".actual.png")
        failed.write_bytes(shot)
        pytest.fail(
            f"screenshot differs from {path.name} in {share:.2%} of its pixels (tolerance "
            f"{tolerance:.2%}); the new one is at {failed}. If the change is wanted, rerun "
            "with YOUSU_UPDATE_BASELINES=1."
        )
    return share
