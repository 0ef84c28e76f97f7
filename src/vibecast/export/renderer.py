"""Frames drawn by the web player's own code in headless Chromium (the export render contract).

The page is ``static/export.html`` from the package (the player's fixed 16:9 composition: scene,
timeline, now-showing panel, title and time, no buttons). It is served to the browser from the
package files on a private origin through Playwright's request interception — no HTTP server, no
network: every other request is refused. The page exposes ``window.vibecastExport`` with
``load({replay, events, annotations})`` and ``renderAt(ms)``, which draws exactly the player's state
at ``ms`` and answers a signature that changes iff the pixels do.

Frames are assembled from regions (:mod:`vibecast.export.compositor`): per batch of frames one
call asks the page for every region's key at every frame (``regionKeys``, nothing drawn); each
picture not seen before is read back from its canvas in the page (scene and timeline tiles,
``readCanvases``) or, for DOM regions, cut from one clipped CDP screenshot per moment (``drawAt``
then ``Page.captureScreenshot``: a screenshot makes its own compositor frame, so nothing waits
for an animation frame). The header, whose clock changes every second, is taken for the next
15-22 seconds at once (``headerAtlas``: copies of it stacked over the page, one screenshot). A
replay whose picture moves rarely costs a few small pictures per second of video, whatever its
length.
"""

from __future__ import annotations

import base64
import contextlib
import json
import mimetypes
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from vibecast.export.compositor import FrameCompositor, Picture, Rect
from vibecast.export.jpeg import decode_image
from vibecast.export.request import ExportCancelled, ExportError
from vibecast.media import raster_type

__all__ = [
    "CHROMIUM_ARGS",
    "CHROMIUM_ENV",
    "ExportCancelled",
    "FrameRenderer",
    "find_chromium",
    "static_root",
]

CHROMIUM_ENV = "VIBECAST_CHROMIUM"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-extensions",
    "--mute-audio",
    "--hide-scrollbars",
    # re-raster whole tiles: with partial raster, a region redrawn after a neighbour changed
    # could differ in antialiasing by one level from the same state drawn fresh (equal keys
    # must be equal pixels)
    "--disable-partial-raster",
]
ORIGIN = "http://vibecast-export.invalid"
PAGE = "/export.html"
_ATTACHMENTS = "attachments/"
FRAME_BATCH = 90
"""Frames whose region keys are asked in one round trip (3 s of video at 30 fps); their new
pictures are all taken before the frames are assembled, so this bounds the pictures held."""
READBACK_BATCH = 24
"""Canvas read-backs per round trip to the page."""
HEADER_LOOKAHEAD = 1800
"""Frames (60 s of video) whose header keys one header atlas may take pictures of ahead."""


def _canvas_region(name: str) -> bool:
    """Regions the page can read back from a canvas (no screenshot, no compositor frame)."""
    return name.startswith(("stage:", "bar:"))


_MISSING: Any = None
JPEG_QUALITY = 90
_TIMEOUT_MS = 60_000
_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'"

_READY_JS = """async () => {
  const deadline = Date.now() + 30000;
  while (!window.vibecastExport) {
    if (Date.now() > deadline) throw new Error('export.html did not define window.vibecastExport');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await window.vibecastExport.ready;
}"""
_LOAD_JS = """async (data) => {
  const result = await window.vibecastExport.load(JSON.parse(data));
  return result && typeof result.durationMs === 'number' ? result.durationMs : null;
}"""


def _decode_data_url(url: str) -> Picture:
    return decode_image(base64.b64decode(url.split(",", 1)[1]))


def _cut(whole: Future[Picture], x: int, y: int, w: int, h: int) -> Picture:
    return whole.result().crop(x, y, w, h)


def static_root() -> Path:
    """The web player's static files shipped in the package."""
    root = Path(str(resources.files("vibecast").joinpath("web", "static")))
    if not (root / PAGE.lstrip("/")).is_file():
        raise ExportError(
            f"the export page is missing from this vibecast install ({root}{PAGE}); "
            "reinstall vibecast"
        )
    return root


def find_chromium() -> str:
    """Chromium to drive: ``$VIBECAST_CHROMIUM``, else the system's chromium or Chrome."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        if not Path(configured).exists():
            raise ExportError(f"{CHROMIUM_ENV}={configured} does not exist")
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    raise ExportError(
        "video export needs Chromium: install it (apt-get install chromium) "
        f"or set {CHROMIUM_ENV} to a Chromium or Chrome executable"
    )


class FrameRenderer:
    """One headless Chromium page showing one replay at one size. Use as a context manager."""

    def __init__(self, width: int, height: int, *, static_dir: Path | None = None) -> None:
        self.width = width
        self.height = height
        self._static = (static_dir or static_root()).resolve()
        self._errors: list[str] = []  # uncaught page errors: the export fails
        self._console: list[str] = []  # console errors: reported with a failure, not fatal
        self._stack = contextlib.ExitStack()
        self._page: Any = None
        self._cdp: Any = None
        self._regions: tuple[list[str], FrameCompositor] | None = None
        self._images: dict[str, bytes] = {}  # what /attachments/<sha256> serves

    # -- lifecycle -----------------------------------------------------------------------------
    def __enter__(self) -> FrameRenderer:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._stack.close()

    def _start(self) -> None:
        try:
            from playwright.sync_api import Error, sync_playwright
        except ImportError as exc:
            raise ExportError(
                "video export needs Playwright to drive Chromium: pip install 'vibecast[export]' "
                "(it uses the system's Chromium; no browser download is needed)"
            ) from exc
        executable = find_chromium()
        playwright = sync_playwright().start()
        self._stack.callback(playwright.stop)
        # Chromium's crash reports (~/.config/chromium) and dconf's cache (~/.cache) go to a
        # directory of this renderer's, not the user's home.
        scratch = self._stack.enter_context(
            tempfile.TemporaryDirectory(prefix="vibecast-chromium-")
        )
        env = {
            **os.environ,
            "HOME": scratch,
            "XDG_CONFIG_HOME": os.path.join(scratch, "config"),
            "XDG_CACHE_HOME": os.path.join(scratch, "cache"),
        }
        try:
            browser = playwright.chromium.launch(
                executable_path=executable,
                args=CHROMIUM_ARGS,
                headless=True,
                timeout=_TIMEOUT_MS,
                env=env,
            )
        except Error as exc:
            raise ExportError(f"Chromium did not start: {str(exc).splitlines()[0]}") from exc
        self._stack.callback(browser.close)
        context = browser.new_context(
            viewport={"width": self.width, "height": self.height},
            device_scale_factor=1,
            reduced_motion="reduce",
        )
        context.set_default_timeout(_TIMEOUT_MS)
        context.route("**/*", self._serve)
        page = context.new_page()
        page.on("pageerror", lambda exc: self._errors.append(f"page error: {exc}"))
        page.on(
            "console",
            lambda msg: (
                self._console.append(f"console error: {msg.text}") if msg.type == "error" else None
            ),
        )
        self._page = page
        self._load_page()
        self._cdp = context.new_cdp_session(page)

    def reset(self) -> None:
        """Load the export page afresh, for another replay: nothing of the last one stays (the
        page's state, its pictures, the attachments served), and no browser is started."""

        self._images = {}
        self._regions = None
        self._errors.clear()
        self._console.clear()
        self._load_page()

    def _load_page(self) -> None:
        from playwright.sync_api import Error

        try:
            self._page.goto(ORIGIN + PAGE, wait_until="load")
            self._page.evaluate(_READY_JS)
        except Error as exc:
            raise self._failure("the export page did not load", exc) from exc

    def _serve(self, route: Any) -> None:
        """Package files on the private origin; everything else is refused (no network)."""
        url: str = route.request.url
        if not url.startswith(ORIGIN + "/"):
            route.abort("blockedbyclient")
            return
        rel = url[len(ORIGIN) + 1 :].split("?", 1)[0].split("#", 1)[0]
        if rel.startswith(_ATTACHMENTS):
            image = self._images.get(rel[len(_ATTACHMENTS) :])
            media_type = raster_type(image) if image is not None else None
            if image is None or media_type is None:
                route.fulfill(status=404, body="not found")
                return
            route.fulfill(
                status=200,
                body=image,
                headers={"Content-Type": media_type, "X-Content-Type-Options": "nosniff"},
            )
            return
        target = (self._static / rel).resolve()
        if not target.is_relative_to(self._static) or not target.is_file():
            route.fulfill(status=404, body="not found")
            return
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix in (".js", ".mjs"):
            content_type = "text/javascript"
        route.fulfill(
            status=200,
            body=target.read_bytes(),
            headers={
                "Content-Type": content_type,
                "Content-Security-Policy": _CSP,
                "Cache-Control": "no-store",
            },
        )

    def _failure(self, what: str, exc: BaseException | None = None) -> ExportError:
        notes = self._errors[-3:] + self._console[-2:]
        detail = "; ".join(notes) or (str(exc).splitlines()[0] if exc else "")
        return ExportError(f"{what}: {detail}" if detail else what)

    # -- drawing -------------------------------------------------------------------------------
    def load(
        self,
        replay: Any,
        events: list[Any],
        annotations: list[Any],
        images: Mapping[str, bytes] | None = None,
    ) -> float | None:
        """Give the page the replay (API JSON shapes) and the attached images its panel shows
        (sha256 -> raster bytes, served at ``/attachments/<sha256>``); returns the duration the
        page computed. The page has every image decoded before it answers."""
        import msgspec

        self._images = dict(images or {})
        data = msgspec.json.encode(
            {
                "replay": replay,
                "events": events,
                "annotations": annotations,
                "images": sorted(self._images),
            }
        ).decode()
        try:
            return self._page.evaluate(_LOAD_JS, data)
        except Exception as exc:
            raise self._failure("the export page could not load the replay", exc) from exc

    def render(self, replay_ms: float) -> str:
        """Draw the player's state at ``replay_ms``; its signature."""
        try:
            return str(self._page.evaluate("(t) => window.vibecastExport.renderAt(t)", replay_ms))
        except Exception as exc:
            raise self._failure(f"drawing {replay_ms:.0f} ms failed", exc) from exc

    def capture(
        self, image_format: str = "jpeg", *, scale: float = 1.0, clip: Rect | None = None
    ) -> bytes:
        """The viewport (or ``clip`` of it) as painted now: JPEG for frames, PNG for thumbnails.

        A CDP screenshot makes a fresh compositor frame, so what was drawn synchronously just
        before is in it without waiting for an animation frame.
        """
        x, y, width, height = clip or (0, 0, self.width, self.height)
        params: dict[str, Any] = {
            "format": image_format,
            "optimizeForSpeed": True,
            "captureBeyondViewport": False,
            "clip": {"x": x, "y": y, "width": width, "height": height, "scale": scale},
        }
        if image_format == "jpeg":
            params["quality"] = JPEG_QUALITY
        try:
            return base64.b64decode(self._cdp.send("Page.captureScreenshot", params)["data"])
        except Exception as exc:
            raise self._failure("taking a frame failed", exc) from exc

    def region_keys(self, times: list[float]) -> list[list[str]]:
        """Each region's key at each replay time (nothing drawn): equal keys, equal pixels."""
        found = json.loads(self._call("regionKeys", times))
        strings = found["strings"]
        return [[strings[i] for i in frame] for frame in found["frames"]]

    def draw(self, replay_ms: float) -> str:
        """Draw the state at ``replay_ms`` now, for a screenshot right after (no paint wait)."""
        return str(self._call("drawAt", replay_ms))

    def read_canvases(self, items: list[tuple[float, list[str]]]) -> list[list[str | None]]:
        """Per (replay time, region names): each region read back from its canvas as a JPEG data
        URL, or None where it is not a canvas alone (DOM over it)."""
        return json.loads(self._call("readCanvases", [[t, names] for t, names in items]))

    def regions(self) -> tuple[list[str], list[Rect]]:
        """The composition's regions (names, boxes in device pixels), in regionKeys order."""
        found = self._page.evaluate("() => window.vibecastExport.regions()")
        return list(found), [tuple(int(v) for v in box) for box in found.values()]

    def frames(
        self,
        times: Callable[[int], float],
        frame_count: int,
        *,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Iterator[tuple[int, np.ndarray]]:
        """``(index, yuv420p)`` for frame 0 and every frame whose picture differs from the last.

        May be called again for another stretch of the replay (the same page, its pictures
        still cached); frame 0 of each call is a whole screenshot.

        ``times(n)`` is the replay time of frame ``n``; ``progress(n)`` says n frames are done.
        The array is the compositor's own buffer: use it before asking for the next frame.
        Per batch of frames: one call for every region key (nothing drawn), one per few canvas
        read-backs, a screenshot per DOM region picture not seen before; the rest is pasting.
        """
        if self._regions is None:
            names, rects = self.regions()
            # kept for the page's next frames() call: the pictures already taken stay cached
            self._regions = names, FrameCompositor(self.width, self.height, rects)
        names, comp = self._regions
        index = 0
        with ThreadPoolExecutor(1, thread_name_prefix="export-decode") as decoder:
            while index < frame_count:
                if cancelled is not None and cancelled():
                    raise ExportCancelled("export cancelled")
                yield from self._batch(comp, names, decoder, times, index, frame_count)
                index = min(frame_count, index + FRAME_BATCH)
                if progress is not None:
                    progress(index)

    def _batch(
        self,
        comp: FrameCompositor,
        names: list[str],
        decoder: Executor,
        times: Callable[[int], float],
        index: int,
        frame_count: int,
    ) -> Iterator[tuple[int, np.ndarray]]:
        """The frames of one batch that differ from the frame before them."""
        batch = [times(n) for n in range(index, min(frame_count, index + FRAME_BATCH))]
        keys = self.region_keys(batch)
        if index == 0:
            self.draw(batch[0])
            comp.set_base(decode_image(self.capture()), keys[0])
        ahead = range(index, min(frame_count, index + HEADER_LOOKAHEAD))
        upcoming = lambda: [times(n) for n in ahead]  # noqa: E731
        pictures = self._pictures(comp, names, decoder, batch, keys, upcoming)
        for offset, frame_keys in enumerate(keys):
            changed = index + offset == 0
            for region, key in enumerate(frame_keys):
                if key != comp.shown[region]:
                    picture = pictures[region, key]
                    if isinstance(picture, Future):
                        picture = picture.result()
                        comp.remember(region, key, picture)
                    comp.show(region, key, picture)
                    changed = True
            if changed:
                yield index + offset, comp.frame
        if self._errors:
            raise self._failure("the export page reported an error")

    def _pictures(
        self,
        comp: FrameCompositor,
        names: list[str],
        decoder: Executor,
        batch: list[float],
        keys: list[list[str]],
        upcoming: Callable[[], list[float]],
    ) -> dict[tuple[int, str], Picture | Future[Picture]]:
        """Every region picture the batch shows, from the cache or drawn now (once per key).

        New pictures are decoded on ``decoder``'s thread while the page draws the next ones; a
        header not seen before brings the pictures of the next headers with it (``upcoming``:
        the replay times of the frames from this batch on).
        """
        pictures: dict[tuple[int, str], Picture | Future[Picture]] = {}
        wanted: dict[float, list[int]] = {}  # replay time -> regions to take there
        shown = list(comp.shown)
        for t, frame_keys in zip(batch, keys, strict=True):
            for region, key in enumerate(frame_keys):
                if key == shown[region] or (region, key) in pictures:
                    continue
                shown[region] = key
                cached = comp.cached(region, key)
                if cached is not None:
                    pictures[region, key] = cached
                else:
                    pictures[region, key] = _MISSING
                    wanted.setdefault(t, []).append(region)
        if not wanted:
            return pictures
        key_at = {t: keys[batch.index(t)] for t in wanted}
        header = names.index("header") if "header" in names else -1
        if any(header in regions for regions in wanted.values()):
            self._take_headers(comp, header, upcoming())
            for t, regions in list(wanted.items()):
                picture = comp.cached(header, key_at[t][header]) if header in regions else None
                if picture is not None:
                    pictures[header, key_at[t][header]] = picture
                    regions.remove(header)
                    if not regions:
                        del wanted[t]
        screenshots: list[tuple[float, int]] = []
        items = [
            (t, [r for r in regions if _canvas_region(names[r])]) for t, regions in wanted.items()
        ]
        items = [(t, regions) for t, regions in items if regions]
        for start in range(0, len(items), READBACK_BATCH):
            chunk = items[start : start + READBACK_BATCH]
            urls = self.read_canvases([(t, [names[r] for r in rs]) for t, rs in chunk])
            for (t, regions), answers in zip(chunk, urls, strict=True):
                for region, url in zip(regions, answers, strict=True):
                    if url is None:
                        screenshots.append((t, region))
                        continue
                    pictures[region, key_at[t][region]] = decoder.submit(_decode_data_url, url)
        for t, regions in wanted.items():
            screenshots.extend((t, r) for r in regions if not _canvas_region(names[r]))
        by_time: dict[float, list[int]] = {}
        for t, region in screenshots:
            by_time.setdefault(t, []).append(region)
        for t, regions in by_time.items():
            # one screenshot of the box around every region wanted at t, cut up afterwards
            boxes = [comp.rects[r] for r in regions]
            x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
            x1 = max(b[0] + b[2] for b in boxes)
            y1 = max(b[1] + b[3] for b in boxes)
            self.draw(t)
            whole = decoder.submit(decode_image, self.capture(clip=(x0, y0, x1 - x0, y1 - y0)))
            for region in regions:
                x, y, w, h = comp.rects[region]
                pictures[region, key_at[t][region]] = decoder.submit(
                    _cut, whole, x - x0, y - y0, w, h
                )
        return pictures

    def _take_headers(self, comp: FrameCompositor, region: int, times: list[float]) -> None:
        """Pictures of the header for the next distinct header keys at ``times``, from one
        screenshot of copies of the header stacked over the page (``headerAtlas``)."""
        found = json.loads(self._call("headerAtlas", times))
        boxes: list[Rect] = [tuple(int(v) for v in box) for box in found["boxes"]]
        x0 = min(b[0] for b in boxes)
        y0 = min(b[1] for b in boxes)
        x1 = max(b[0] + b[2] for b in boxes)
        y1 = max(b[1] + b[3] for b in boxes)
        whole = decode_image(self.capture(clip=(x0, y0, x1 - x0, y1 - y0)))
        _, _, w, h = comp.rects[region]
        for key, (x, y, _, _) in zip(found["keys"], boxes, strict=True):
            comp.remember(region, key, whole.crop(x - x0, y - y0, w, h))

    def _call(self, name: str, argument: Any) -> Any:
        """``window.vibecastExport[name](argument)`` in the page."""
        try:
            return self._page.evaluate(f"(a) => window.vibecastExport.{name}(a)", argument)
        except Exception as exc:
            raise self._failure(f"the export page's {name} failed", exc) from exc
