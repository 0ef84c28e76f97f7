// Tools → workshop stations, colours and short glyphs: one table shared by the scene, the
// timeline bar and the now-showing panel, so a tool looks the same everywhere.

/** Stations of Vibecraft's workshop, in the order they stand around a zone. */
export const STATIONS = [
  { id: "bookshelf", label: "Bookshelf", color: "#c98f4a" },
  { id: "desk", label: "Desk", color: "#5aa9e6" },
  { id: "workbench", label: "Workbench", color: "#f2b33d" },
  { id: "terminal", label: "Terminal", color: "#4cc38a" },
  { id: "scanner", label: "Scanner", color: "#b57edc" },
  { id: "antenna", label: "Antenna", color: "#ef6f6c" },
  { id: "portal", label: "Portal", color: "#7b8cff" },
  { id: "taskboard", label: "Taskboard", color: "#e88ac7" },
  { id: "center", label: "Center", color: "#9aa5b1" },
];

const STATION_BY_ID = new Map(STATIONS.map((s) => [s.id, s]));

const TOOL_STATION = {
  Read: "bookshelf",
  NotebookRead: "bookshelf",
  Write: "desk",
  Edit: "workbench",
  MultiEdit: "workbench",
  NotebookEdit: "workbench",
  Bash: "terminal",
  BashOutput: "terminal",
  KillBash: "terminal",
  KillShell: "terminal",
  Grep: "scanner",
  Glob: "scanner",
  LS: "scanner",
  WebFetch: "antenna",
  WebSearch: "antenna",
  Task: "portal",
  Agent: "portal",
  TodoWrite: "taskboard",
};

const TOOL_GLYPH = {
  Read: "R",
  Write: "W",
  Edit: "E",
  MultiEdit: "E",
  Bash: "$",
  BashOutput: "$",
  KillBash: "$",
  Grep: "G",
  Glob: "G",
  WebFetch: "@",
  WebSearch: "@",
  Task: "T",
  Agent: "T",
  TodoWrite: "✓",
};

export function stationOf(tool) {
  return STATION_BY_ID.get(TOOL_STATION[tool] || "center");
}

export function stationById(id) {
  return STATION_BY_ID.get(id) || STATION_BY_ID.get("center");
}

/** The tool's colour (its station's): MCP and unknown tools share the center's grey. */
export function toolColor(tool) {
  return stationOf(tool).color;
}

export function toolGlyph(tool) {
  if (!tool) return "•";
  if (TOOL_GLYPH[tool]) return TOOL_GLYPH[tool];
  if (tool.startsWith("mcp__")) return "M";
  return tool.charAt(0).toUpperCase();
}

/** A short display name: `mcp__context7__get-library-docs` → `context7 · get-library-docs`. */
export function toolLabel(tool) {
  if (!tool) return "";
  if (tool.startsWith("mcp__")) {
    const parts = tool.split("__");
    return parts.slice(1).join(" · ");
  }
  return tool;
}

/** The file a tool call is about, if its input names one. */
export function toolFile(event) {
  const input = event && event.toolInput;
  if (!input || typeof input !== "object") return "";
  const value = input.file_path || input.notebook_path || input.path || input.url || input.pattern || "";
  return typeof value === "string" ? value : "";
}

export const ERROR_COLOR = "#ff4d4f";

/** Did this event report a failure? */
export function isError(event) {
  return (
    event.type === "post_tool_use_failure" ||
    event.type === "api_error" ||
    (event.type === "post_tool_use" && event.success === false)
  );
}

/** Is this the start of a tool call (one timeline marker per call)? */
export function isToolCall(event) {
  return event.type === "pre_tool_use" && !!event.tool;
}
