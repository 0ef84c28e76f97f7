// DOM building for the replay browser. Everything a replay holds is data from an agent session
// (prompts, titles, file names): it only ever becomes text (textContent), never markup.

/**
 * `el("button", {class: "x", type: "button", onclick: fn, dataset: {id}}, "text", child)`.
 * Attributes are set as attributes (names are ours, values escaped by the DOM); `on*` keys add
 * listeners; strings and numbers among the children become text nodes.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(node.dataset, value);
    } else if (key === "text") {
      node.textContent = String(value);
    } else {
      node.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
}

/** Replace a node's children. */
export function replaceChildren(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

/** Only URLs of this server (or inline images) may be loaded or followed: the CSP would refuse
 * the rest, and a `javascript:` URL must never become a link. */
export function isLocalUrl(url) {
  if (typeof url !== "string" || !url) return false;
  if (url.startsWith("data:image/")) return true;
  try {
    const parsed = new URL(url, window.location.origin);
    return parsed.origin === window.location.origin && /^https?:$/.test(parsed.protocol);
  } catch {
    return false;
  }
}
