import type { PaneId, UiAction } from "./store.ts";

/** The parts of Ink's `Key` the dashboard reads; structural so the store stays free of Ink. */
export interface KeyInfo {
  tab?: boolean;
  shift?: boolean;
  ctrl?: boolean;
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  escape?: boolean;
  return?: boolean;
}

/** What is open over the pane, since some keys mean something else there. */
export interface KeyContext {
  help?: boolean;
  /** An adapter's detail view is open. */
  detail?: boolean;
}

export type KeyCommand = UiAction | { kind: "quit" };

// Kept here rather than imported from store.ts: store imports this module, and a value
// cycle between the two would hand one of them an uninitialised binding.
const BY_DIGIT: Record<string, PaneId> = {
  "1": "adapters",
  "2": "installs",
  "3": "sessions",
  "4": "integrations",
  "5": "logs",
};

const PAGE = 10;

/** What a key press means; null for keys the dashboard ignores. */
export function keyToAction(input: string, key: KeyInfo, ctx: KeyContext = {}): KeyCommand | null {
  if (isQuitKey(input, key)) return { kind: "quit" };
  if (key.ctrl) return null;
  if (input === "?") return { kind: "help" };
  if (key.escape) return ctx.help ? { kind: "help", open: false } : ctx.detail ? { kind: "detail", open: false } : null;
  // Acting on an adapter the user cannot see (the help covers the pane) would be a surprise.
  if (isEnter(input, key)) return ctx.help ? null : { kind: "detail", open: !ctx.detail };
  if (input === "r") return ctx.help ? null : { kind: "control", op: "restart" };
  if (input === "s") return ctx.help ? null : { kind: "control", op: "toggle" };
  if (key.tab) return { kind: "cycle", delta: key.shift ? -1 : 1 };
  if (key.rightArrow || input === "l") return { kind: "cycle", delta: 1 };
  if (key.leftArrow || input === "h") return { kind: "cycle", delta: -1 };
  const pane = BY_DIGIT[input];
  if (pane) return { kind: "pane", pane };
  if (key.downArrow || input === "j") return { kind: "move", delta: 1 };
  if (key.upArrow || input === "k") return { kind: "move", delta: -1 };
  if (key.pageDown) return { kind: "move", delta: PAGE };
  if (key.pageUp) return { kind: "move", delta: -PAGE };
  return null;
}

/** `q` and ctrl+c quit; Ink's own ctrl+c exit is off so quitting always goes through here. */
export function isQuitKey(input: string, key: KeyInfo): boolean {
  return (input === "q" && !key.ctrl) || (key.ctrl === true && input === "c");
}

function isEnter(input: string, key: KeyInfo): boolean {
  return key.return === true || input === "\r" || input === "\n";
}

/**
 * Ink hands over a run of plain characters that arrived in one read as a single input
 * (a held-down `j` under load arrives as "jjj"). Split such runs into one key each so no
 * press is lost; escape sequences (arrows, shift+tab) already arrive on their own.
 */
export function splitKeys(input: string, key: KeyInfo): Array<{ input: string; key: KeyInfo }> {
  if (input.length <= 1 || input.includes("\u001B")) return [{ input, key }];
  return Array.from(input, (ch) => {
    if (ch === "\t") return { input: "", key: { tab: true } };
    if (ch === "\r") return { input: "", key: { return: true } };
    if (ch === "\u0003") return { input: "c", key: { ctrl: true } };
    return { input: ch, key: {} };
  });
}
