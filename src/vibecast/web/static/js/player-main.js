// The player page (/replays/{id}, /s/{token}, ?embed=1).
//
// DOM contract with the page shell (vibecast/web/pages.py): the server sends
//   <body data-page="player" data-mode="owner|public|embed" data-replay-id="…" | data-share-token="…"
//         data-read-only="true"? data-embed="true"? data-title="…">
//     <div id="app"></div>
//   <script type="module" src="/static/js/player-main.js">
// and this module builds everything inside #app. data-read-only is also set on /replays/{id} for a
// signed-in reader who does not own the replay (a teammate's public replay): the server decides,
// the page shows no control the API would refuse them. Deep links: ?t= (ms, 90s, 1m30s, 1:30),
// ?speed=, ?embed=1. For tests and benchmarks the page exposes window.vibecastPlayer.

import * as api from "./api.js";
import { Player } from "./player/player.js";
import { formatTime, parseTime } from "./player/format.js";
import { Composition } from "./ui/composition.js";
import { Controls } from "./ui/controls.js";
import { HelpOverlay } from "./ui/help.js";
import { bindKeys } from "./ui/keyboard.js";
import { AnnotationForm, ExportDialog, ShareDialog } from "./ui/dialogs.js";
import { NoteCard, popupButtons } from "./ui/notes.js";
import { kindLabel } from "./ui/timeline-bar.js";
import { ToolSounds } from "./ui/sound.js";
import { el } from "./ui/dom.js";

const FRAME_SAMPLES = 4000;
// The scene's smallest text on screen, CSS px: legible on a phone, where the whole workshop is
// ~370 px wide (the video export keeps the design sizes: it does not set this).
const MIN_SCENE_TEXT_PX = 10;

// Toasts ("Link copied", "Note saved", errors): at the top of the scene, where no control is;
// the newest on top pushing the older down (three at most, the same message never twice), each
// for a few seconds (an error longer), held while pointed at or focused, and dismissible. One
// polite live region announces them.
const TOAST_MS = 4000;
const TOAST_ERROR_MS = 8000;
const TOASTS_SHOWN = 3;
let toastRegion = null;

function toastHost() {
  toastRegion = toastRegion || el("div.toasts", { role: "status", "aria-live": "polite" });
  const stage = document.querySelector(".composition .stage");
  const host = stage || document.body; // no scene (a load error): the top of the window
  if (toastRegion.parentNode !== host) host.append(toastRegion);
  toastRegion.classList.toggle("floating", !stage);
  return toastRegion;
}

function toast(text, error = false) {
  const region = toastHost();
  for (const old of region.querySelectorAll(".toast")) {
    if (old.querySelector(".toast-text").textContent === text) old.remove();
  }
  const close = el("button.toast-close", { type: "button", "aria-label": "Dismiss", title: "Dismiss", text: "×" });
  const node = el(`div.toast${error ? ".error" : ""}`, {}, el("span.toast-text", { text }), close);
  let timer = null;
  const dismiss = () => {
    clearTimeout(timer);
    node.remove();
  };
  const wait = () => {
    clearTimeout(timer);
    timer = setTimeout(dismiss, error ? TOAST_ERROR_MS : TOAST_MS);
  };
  const hold = () => clearTimeout(timer);
  close.addEventListener("click", dismiss);
  node.addEventListener("pointerenter", hold);
  node.addEventListener("pointerleave", wait);
  node.addEventListener("focusin", hold);
  node.addEventListener("focusout", wait);
  region.prepend(node);
  while (region.children.length > TOASTS_SHOWN) region.lastElementChild.remove();
  wait();
}

function percentile(values, p) {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}


async function main() {
  const body = document.body;
  const app = document.getElementById("app");
  const params = new URLSearchParams(location.search);
  const embed = body.dataset.mode === "embed" || body.dataset.embed === "true" || params.get("embed") === "1";
  let source;
  try {
    source = api.sourceFromBody(body);
  } catch (err) {
    app.replaceChildren(el("div.load-error", {}, el("h1", { text: "No replay" }), el("p", { text: err.message })));
    return;
  }
  const readOnly = source.readOnly || embed || body.dataset.readOnly === "true";
  // A signed-in reader's player (/replays/{id}, not embedded): the owner, or a teammate on a
  // public replay (read-only). It lists the annotations they may read, opens them in the note
  // card (Edit / Delete for their author only, never when read-only) and offers Save, which the
  // API allows whoever may read the replay.
  const signedIn = source.kind === "owner" && !embed;
  const speedParam = Number(params.get("speed"));
  const player = new Player(source, { speed: Number.isFinite(speedParam) && speedParam > 0 ? speedParam : 1 });
  const sounds = new ToolSounds();
  const help = new HelpOverlay();
  let annotations = [];
  let viewerId = null; // the signed-in user (GET /api/me): the author of the notes they may change

  // Notes and bookmarks: their author edits and deletes them; everyone else reads them.
  const canEdit = (a) => !readOnly && viewerId !== null && a.user_id === viewerId;
  const noteCard = !signedIn
    ? null
    : new NoteCard({
        canEdit,
        onSeek: (t) => player.seek(t),
        onSave: async (a, text) => {
          const saved = await source.editAnnotation(a.id, { text });
          setAnnotations(annotations.map((x) => (x.id === saved.id ? saved : x)));
          toast(`${kindLabel(a)} saved`);
          return saved;
        },
        onDelete: async (a) => {
          await source.deleteAnnotation(a.id);
          setAnnotations(annotations.filter((x) => x.id !== a.id));
          toast(`${kindLabel(a)} deleted`);
        },
      });

  const composition = new Composition({
    timeline: player.timeline,
    compact: embed,
    attachmentUrl: (sha) => source.attachmentUrl(sha),
    minTextPx: MIN_SCENE_TEXT_PX,
    popupActions: noteCard ? (a) => (canEdit(a) ? popupButtons(a, noteCard) : null) : null,
    barHandlers: {
      onSeek: (t) => player.seek(t),
      onScrub: (t) => {
        player.clock.seek(t, player.duration);
      },
      onAnnotation: noteCard
        ? (a) => {
            closeDialogs();
            player.pause();
            noteCard.show(a);
          }
        : null,
    },
  });

  const setAnnotations = (list) => {
    annotations = [...list].sort((a, b) => a.timestamp_ms - b.timestamp_ms);
    composition.setAnnotations(annotations);
    if (noteCard) noteCard.update(annotations);
  };

  // the owner's (its Note button's): not built for a read-only reader, like Share and Export
  const noteForm = readOnly
    ? null
    : new AnnotationForm({
        onSave: async ({ timestamp_ms, text, position }) => {
          const saved = await source.addAnnotation({ timestamp_ms, text, position: position ? { x: Math.round(position.x * 10) / 10, y: Math.round(position.y * 10) / 10 } : undefined });
          setAnnotations([...annotations, saved]);
          toast("Note saved");
        },
      });
  const pickMode = () => noteForm !== null && noteForm.open;
  composition.bar.onPick = null;
  const barDown = composition.bar.canvas;
  barDown.addEventListener(
    "pointerdown",
    (ev) => {
      if (!pickMode()) return;
      ev.stopImmediatePropagation();
      const rect = barDown.getBoundingClientRect();
      const t = composition.bar.tOf(ev.clientX - rect.left);
      noteForm.pick(t);
      player.seek(t);
    },
    true,
  );

  let shareDialog = null;
  const exportDialog = readOnly ? null : new ExportDialog(source);
  const dialogs = () => [noteForm, noteCard, shareDialog, exportDialog].filter(Boolean);
  const closeDialogs = () => dialogs().forEach((d) => d.close());

  const jumpAnnotation = (direction) => {
    const t = player.position;
    const list = direction > 0 ? annotations.filter((a) => a.timestamp_ms > t + 1) : annotations.filter((a) => a.timestamp_ms < t - 1);
    const target = direction > 0 ? list[0] : list[list.length - 1];
    if (target) player.seek(target.timestamp_ms);
  };
  const toggleMute = () => sounds.setMuted(!sounds.muted);

  const controls = new Controls(player, {
    readOnly,
    download: signedIn,
    actions: {
      toggleMute,
      help: () => help.toggle(),
      note: () => {
        closeDialogs();
        player.pause();
        noteForm.show(player.position);
      },
      bookmark: async () => {
        try {
          const saved = await source.addBookmark(player.position, "");
          setAnnotations([...annotations, saved]);
          // saved at once (one click); a label is offered, never required
          closeDialogs();
          noteCard.show(saved, "edit", { hint: `Bookmarked ${formatTime(saved.timestamp_ms)}. Give it a label, or close: it stays as it is.` });
        } catch (err) {
          toast(err.message, true);
        }
      },
      save: () => {
        const link = el("a", { href: source.fileUrl(), download: "" });
        document.body.append(link);
        link.click();
        link.remove();
      },
      share: () => {
        const open = shareDialog.open;
        closeDialogs();
        if (!open) shareDialog.toggle();
      },
      export: () => {
        const open = exportDialog.open;
        closeDialogs();
        if (!open) exportDialog.toggle();
      },
    },
  });

  app.replaceChildren(composition.root, controls.root, help.root, ...dialogs().map((d) => d.root));
  if (embed) controls.root.classList.add("compact");

  // the scene: drag to pan, wheel to zoom, double-click to follow the recording again
  const canvas = composition.canvas;
  let drag = null;
  canvas.addEventListener("pointerdown", (ev) => {
    if (pickMode()) {
      const rect = canvas.getBoundingClientRect();
      noteForm.pick(player.position, composition.scene.toWorld(ev.clientX - rect.left, ev.clientY - rect.top));
      return;
    }
    drag = { x: ev.clientX, y: ev.clientY, cam: { ...(composition.camera || { zoom: 1, panX: 0, panY: 0 }) } };
    canvas.setPointerCapture(ev.pointerId);
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    composition.camera = { ...drag.cam, panX: drag.cam.panX + ev.clientX - drag.x, panY: drag.cam.panY + ev.clientY - drag.y };
  });
  canvas.addEventListener("pointerup", () => {
    drag = null;
  });
  canvas.addEventListener(
    "wheel",
    (ev) => {
      ev.preventDefault();
      const cam = composition.camera || { zoom: 1, panX: 0, panY: 0 };
      const zoom = Math.max(0.4, Math.min(4, cam.zoom * (ev.deltaY < 0 ? 1.1 : 1 / 1.1)));
      composition.camera = { ...cam, zoom };
    },
    { passive: false },
  );
  canvas.addEventListener("dblclick", () => {
    composition.camera = null;
  });

  const layout = () => composition.layout();
  new ResizeObserver(layout).observe(composition.stage);
  window.addEventListener("resize", layout);
  layout();
  // The chrome and the empty workshop at once; the replay fills in when its first window lands.
  composition.setTitle(body.dataset.title || "");
  composition.renderAt(0);
  const skeletonAt = performance.now();

  bindKeys(document, { player, help, jumpAnnotation, toggleMute, closeDialogs });

  let status = "Loading…";
  let statusError = false;
  player.addEventListener("error", (ev) => {
    status = ev.detail && ev.detail.message ? ev.detail.message : "Loading failed";
    statusError = true;
  });

  const frames = { deltas: [], work: [], count: 0 };
  const hooks = { player, composition, frames, ready: false, skeletonAt, firstFrameAt: null, openedAt: performance.now() };
  window.vibecastPlayer = hooks;

  try {
    await player.open();
  } catch (err) {
    const gone = err.status === 404;
    const shared = source.kind === "public";
    const title = gone ? (shared ? "Share link not found" : "Replay not found") : "Could not load the replay";
    const why = shared ? "This share link does not exist, has expired, or was revoked." : "This replay does not exist or was deleted.";
    app.replaceChildren(
      el(
        "div.load-error",
        {},
        el("h1", { text: title }),
        el("p", { text: gone ? why : err.message }),
        embed ? null : el("p", {}, el("a.home-link", { href: "/", text: "Go to My Replays" })),
      ),
    );
    hooks.error = err.message;
    return;
  }
  const replay = player.replay;
  composition.setTitle(replay.title || (replay.metadata && replay.metadata.session_name) || body.dataset.title || "");
  document.title = `${composition.title.textContent} — vibecast replay`;
  status = "";
  if (!readOnly) {
    shareDialog = new ShareDialog(source, replay, toast);
    app.append(shareDialog.root);
    api.features().then((offered) => {
      if (controls.exportButton) controls.exportButton.hidden = !offered.has("export");
    });
  }
  if (signedIn) {
    source
      .annotations()
      .then((answer) => setAnnotations(answer.annotations || []))
      .catch((err) => toast(`Annotations: ${err.message}`, true));
    api
      .me()
      .then((answer) => {
        viewerId = answer && answer.user ? answer.user.id : null;
        composition.refreshPopups(); // the viewer's own notes' pop-ups gain Edit / Delete
      })
      .catch(() => {}); // unknown viewer: notes stay read-only
  }
  if (source.kind === "public" && !embed) {
    // the owner's notes, when they show them on the link: read-only pop-ups and timeline flags
    source
      .notes()
      .then((answer) => setAnnotations((answer.notes || []).map((n) => ({ ...n, kind: "note" }))))
      .catch(() => {}); // none to show: the replay plays as it is
  }
  if (player.live) player.startLive();
  player.addEventListener("live-end", () => toast("Recording finished"));

  const start = parseTime(params.get("t"));
  if (start !== null) await player.seek(start);

  // report one playback (metrics), with the p95 frame rate seen so far
  let reported = false;
  const report = () => {
    if (reported || frames.count < 30) return;
    reported = true;
    const p95 = percentile(frames.deltas.slice(-600), 95);
    source.played(p95 > 0 ? Math.min(240, 1000 / p95) : undefined).catch(() => {});
  };
  player.addEventListener("ended", report);
  player.addEventListener("state", () => {
    if (!player.playing && frames.count > 600) report();
  });

  let last = null;
  let lastIndex = player.timeline.indexAt(player.position);
  const frame = (now) => {
    const begin = performance.now();
    const dt = last === null ? 0 : Math.min(250, now - last);
    last = now;
    const wasPlaying = player.playing;
    const position = player.tick(dt);
    const index = player.timeline.indexAt(position);
    if (wasPlaying && index > lastIndex && !sounds.muted) {
      for (let i = Math.max(lastIndex + 1, index - 4); i <= index; i++) sounds.play(player.timeline.events[i]);
    }
    lastIndex = index;
    hooks.signature = composition.renderAt(position, { live: player.live });
    const loading = player.clock.stalled ? "Loading…" : "";
    controls.update({ muted: sounds.muted, live: player.live, status: statusError ? status : loading, statusError });
    if (wasPlaying) {
      frames.count++;
      frames.deltas.push(dt);
      frames.work.push(performance.now() - begin);
      if (frames.deltas.length > FRAME_SAMPLES) {
        frames.deltas.splice(0, frames.deltas.length - FRAME_SAMPLES);
        frames.work.splice(0, frames.work.length - FRAME_SAMPLES);
      }
    }
    if (hooks.firstFrameAt === null) {
      hooks.firstFrameAt = performance.now();
      hooks.ready = true;
      body.dataset.playerReady = "true";
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  window.addEventListener("pagehide", () => {
    report();
    player.close();
  });
}

main();
