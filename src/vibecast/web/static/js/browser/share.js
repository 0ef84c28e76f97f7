// Share panel of one replay: create the secret link, copy it, show when it expires, show the
// owner's notes on it (saved at once), revoke it.
// The token is shown once (the server keeps only its hash): a shared replay whose link was made
// earlier can be revoked or re-shared (a new link; the old one stops working).

import { revokeShare, setShareNotes, share } from "../api.js";
import { el, replaceChildren } from "./dom.js";
import { dateTime } from "./format.js";

async function copy(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    input.focus();
    input.select();
    return false;
  }
}

/** "Show my notes on the link": the replay's choice, saved at once on its current link. */
function notesBox(replay, report) {
  const box = el("input", { type: "checkbox", class: "vb-share-notes-box", checked: !!replay.share_notes });
  box.addEventListener("change", async () => {
    box.disabled = true;
    try {
      replay.share_notes = !!(await setShareNotes(replay.id, box.checked)).share_notes;
    } catch (err) {
      report(err);
    }
    box.checked = !!replay.share_notes;
    box.disabled = false;
  });
  return el(
    "div",
    { class: "vb-share-notes" },
    el("label", {}, box, " Show my notes on the link"),
    el("span", { class: "vb-share-hint" }, "Anyone with the link sees your notes (not your bookmarks)."),
  );
}

/** The panel's node; `onChange(isPublic)` after a share or revoke. */
export function sharePanel(replay, onChange, report) {
  const panel = el("div", { class: "vb-share", role: "region", "aria-label": "Share link" });
  const showShared = (result) => {
    const input = el("input", {
      class: "vb-share-url",
      readonly: true,
      value: result.share_url,
      "aria-label": "Share link",
    });
    const status = el("span", { class: "vb-share-status", role: "status" });
    const copyButton = el(
      "button",
      {
        type: "button",
        class: "vb-button",
        onclick: async () => {
          status.textContent = (await copy(result.share_url, input))
            ? "Copied."
            : "Press Ctrl+C to copy.";
        },
      },
      "Copy",
    );
    replaceChildren(
      panel,
      el("div", { class: "vb-share-row" }, input, copyButton, revokeButton()),
      el(
        "p",
        { class: "vb-share-expiry" },
        `Anyone with this link can watch the replay until ${dateTime(new Date(result.expires_at))}.`,
      ),
      notesBox(replay, report),
      status,
    );
    copyButton.click();
  };
  const revokeButton = () =>
    el(
      "button",
      {
        type: "button",
        class: "vb-button vb-danger",
        onclick: async () => {
          try {
            await revokeShare(replay.id);
          } catch (err) {
            report(err);
            return;
          }
          replay.share_notes = false; // revoking hides them; a later link starts with them hidden
          replaceChildren(panel, el("p", { class: "vb-share-status", role: "status" }, "Link revoked: it no longer opens the replay."));
          onChange(false);
        },
      },
      "Revoke",
    );
  const create = async () => {
    try {
      const result = await share(replay.id);
      replay.share_notes = !!result.share_notes; // kept from a live link it replaces
      showShared(result);
      onChange(true);
    } catch (err) {
      report(err);
    }
  };
  if (replay.is_public) {
    replaceChildren(
      panel,
      el("p", {}, "This replay has a share link (it is shown only when created)."),
      el(
        "div",
        { class: "vb-share-row" },
        el("button", { type: "button", class: "vb-button", onclick: create }, "New link"),
        revokeButton(),
      ),
      notesBox(replay, report),
    );
  } else {
    create();
  }
  return panel;
}
