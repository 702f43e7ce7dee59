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
  backspace?: boolean;
  /** What most terminals send for Backspace (0x7f); Ink calls it delete. */
  delete?: boolean;
  meta?: boolean;
}

/** What is open over the pane, since some keys mean something else there. */
export interface KeyContext {
  help?: boolean;
  /** An adapter's detail view is open. */
  detail?: boolean;
  /** The catalogue picker is open: printable keys type into its filter. */
  picker?: boolean;
  /** The `/` prompt is open: printable keys type into the pane's filter. */
  filtering?: boolean;
  /** A y/n question waits in the footer. */
  asking?: boolean;
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
  if (isQuitKey(input, key, ctx.picker || ctx.filtering)) return { kind: "quit" };
  if (ctx.picker) return pickerKey(input, key);
  if (ctx.filtering) return filterKey(input, key);
  if (key.ctrl) return null;
  if (ctx.asking && !ctx.help) {
    if (input === "y" || input === "Y") return { kind: "answer", yes: true };
    if (input === "n" || input === "N" || key.escape) return { kind: "answer", yes: false };
  }
  if (input === "?") return { kind: "help" };
  // esc backs out of one thing at a time: the help, the details, then the filter.
  if (key.escape) return ctx.help ? { kind: "help", open: false } : ctx.detail ? { kind: "detail", open: false } : { kind: "filter", op: "clear" };
  if (ctx.help) return helpKey(input, key);
  if (input === "/") return { kind: "filter", op: "open" };
  if (input === "o") return { kind: "sort" };
  // shift+letter sorts by the column with that letter (k9s style).
  if (/^[A-Z]$/.test(input) && !key.meta) return { kind: "sort", letter: input };
  if (isEnter(input, key)) return { kind: "detail", open: !ctx.detail };
  if (input === "r") return { kind: "control", op: "restart" };
  if (input === "s") return { kind: "control", op: "toggle" };
  if (input === "i") return { kind: "pick" };
  if (input === "x") return { kind: "cancelInstall" };
  if (input === "u") return { kind: "uninstall" };
  const nav = paneKey(input, key);
  if (nav) return nav;
  if (key.downArrow || input === "j") return { kind: "move", delta: 1 };
  if (key.upArrow || input === "k") return { kind: "move", delta: -1 };
  if (key.pageDown) return { kind: "move", delta: PAGE };
  if (key.pageUp) return { kind: "move", delta: -PAGE };
  return null;
}

/** tab, ←/→, h/l and the digits: to another pane. */
function paneKey(input: string, key: KeyInfo): KeyCommand | null {
  if (key.tab) return { kind: "cycle", delta: key.shift ? -1 : 1 };
  if (key.rightArrow || input === "l") return { kind: "cycle", delta: 1 };
  if (key.leftArrow || input === "h") return { kind: "cycle", delta: -1 };
  const pane = BY_DIGIT[input];
  return pane ? { kind: "pane", pane } : null;
}

/**
 * Under the help, only keys that close it or go to a pane mean anything, and j/k scroll it.
 * Acting on a row the user cannot see (the help covers the pane) would be a surprise.
 */
function helpKey(input: string, key: KeyInfo): KeyCommand | null {
  const nav = paneKey(input, key);
  if (nav) return nav;
  if (key.downArrow || input === "j") return { kind: "help", scroll: 1 };
  if (key.upArrow || input === "k") return { kind: "help", scroll: -1 };
  if (key.pageDown || input === " ") return { kind: "help", scroll: PAGE };
  if (key.pageUp) return { kind: "help", scroll: -PAGE };
  return null;
}

/** While the `/` prompt is open: letters type, enter keeps the filter, esc clears it, arrows still move. */
function filterKey(input: string, key: KeyInfo): KeyCommand | null {
  if (key.escape) return { kind: "filter", op: "clear" };
  if (isEnter(input, key)) return { kind: "filter", op: "close" };
  if (key.backspace || key.delete) return { kind: "filter", op: "erase" };
  if (key.ctrl && input === "u") return { kind: "filter", op: "clearText" };
  if (key.downArrow) return { kind: "move", delta: 1 };
  if (key.upArrow) return { kind: "move", delta: -1 };
  if (key.pageDown) return { kind: "move", delta: PAGE };
  if (key.pageUp) return { kind: "move", delta: -PAGE };
  if (key.ctrl || key.meta || key.tab) return null;
  const text = input.replace(/[\u0000-\u001F\u007F]/g, "");
  return text ? { kind: "filter", op: "type", text } : null;
}

/**
 * The picker's keys. Letters (j and k too) type into the filter, so moving is on the arrows
 * and ctrl+n / ctrl+p, as in a shell's history search.
 */
function pickerKey(input: string, key: KeyInfo): KeyCommand | null {
  if (key.escape) return { kind: "picker", op: "close" };
  if (isEnter(input, key)) return { kind: "picker", op: "choose" };
  if (key.backspace || key.delete) return { kind: "picker", op: "erase" };
  if (key.upArrow || (key.ctrl && input === "p")) return { kind: "picker", op: "move", delta: -1 };
  if (key.downArrow || (key.ctrl && input === "n")) return { kind: "picker", op: "move", delta: 1 };
  if (key.pageUp) return { kind: "picker", op: "move", delta: -PAGE };
  if (key.pageDown) return { kind: "picker", op: "move", delta: PAGE };
  if (key.ctrl && input === "u") return { kind: "picker", op: "clear" };
  if (key.ctrl || key.meta || key.tab) return null;
  // Control characters never belong in a filter.
  const text = input.replace(/[\u0000-\u001F\u007F]/g, "");
  return text ? { kind: "picker", op: "type", text } : null;
}

/**
 * `q` and ctrl+c quit; Ink's own ctrl+c exit is off so quitting always goes through here.
 * While something is being typed (`typing`), `q` is a letter and only ctrl+c quits.
 */
export function isQuitKey(input: string, key: KeyInfo, typing = false): boolean {
  return (input === "q" && !key.ctrl && !typing) || (key.ctrl === true && input === "c");
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
    if (ch === "\u007F") return { input: "", key: { delete: true } };
    if (ch === "\b") return { input: "", key: { backspace: true } };
    const code = ch.charCodeAt(0);
    // ctrl+letter (ctrl+c, ctrl+n, ...) arrives as the letter's code minus 96.
    if (code >= 1 && code <= 26 && ch !== "\n") return { input: String.fromCharCode(code + 96), key: { ctrl: true } };
    return { input: ch, key: {} };
  });
}
