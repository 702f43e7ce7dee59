/**
 * The dashboard's keys, once. What a key does (keys.ts), the footer's hints (Footer.tsx) and the
 * rows of the `?` help (HelpOverlay.tsx) are all read from KEYMAP, so what the footer offers,
 * what the help lists and what a key does cannot disagree. Pure; no Ink.
 */
import { PANES, type PaneId } from "./panes.ts";
import { sortKeys } from "./sort.ts";
import { PANE_ROWS } from "./view.ts";
import type { KeyInfo, UiAction } from "./state.ts";

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
  /** The pane shown, for letters that mean one thing per pane (x, s). */
  pane?: PaneId;
}

export type KeyCommand = UiAction | { kind: "quit" };

/**
 * Which keys apply: a pane, the help over it, the `/` prompt, the catalogue picker, or a y/n
 * question (asked over a pane, whose other keys still work).
 */
export type KeyMode = "pane" | "help" | "filter" | "picker" | "ask";

/** What the footer's hints depend on besides the mode. */
export interface HintView {
  pane: PaneId;
  /** An adapter's detail view is open. */
  detail: boolean;
  /** The pane has a `/` filter. */
  filtered: boolean;
}

export interface Hint {
  /** The footer mode it is shown in. */
  mode: KeyMode;
  text: string;
  /** Shown only when this holds. */
  when?: (v: HintView) => boolean;
  /**
   * Place in the footer, lowest first. A narrow terminal drops hints from the right but keeps
   * the last two (how to get help or back out, and how to quit), so those rank highest.
   */
  rank: number;
}

export interface Binding {
  /** Modes it answers in. */
  modes: readonly KeyMode[];
  /** The help's key column and line; a binding without them is not listed. */
  keys?: string;
  help?: string;
  /** A line under it in the help (key column empty). */
  also?: () => string;
  /** It acts on the gateway, so a read-only view does not offer it. */
  control?: boolean;
  hints?: readonly Hint[];
  /** The command for this press, or null when the binding does not take it. */
  press(input: string, key: KeyInfo, ctx: KeyContext): KeyCommand | null;
}

const PAGE = 10;
const DIGITS = `1-${PANES.length}`;

const isEnter = (input: string, key: KeyInfo) => key.return === true || input === "\r" || input === "\n";
const typing = (ctx: KeyContext) => ctx.picker === true || ctx.filtering === true;
// Panes whose rows can be moved through and filtered: those with a PANE_ROWS entry.
const listed = (v: HintView) => PANE_ROWS[v.pane] !== undefined && !v.detail;
const sorted = (v: HintView) => (v.pane === "adapters" || v.pane === "installs") && !v.detail;
const on = (pane: PaneId) => (v: HintView) => v.pane === pane;
/** Control characters never belong in a filter. */
const printable = (input: string) => input.replace(/[\u0000-\u001F\u007F]/g, "");

function sortLetters(pane: "adapters" | "installs"): string {
  return sortKeys(pane)
    .split(" · ")
    .map((k) => k.split(" ")[0])
    .join(" ");
}

/**
 * Every key, in the order the help lists them (and, within a mode, the order they are tried).
 * A y/n question comes first: while it waits, y, n and esc answer it.
 */
export const KEYMAP: Binding[] = [
  {
    modes: ["ask"],
    press: (input, key) => {
      if (input === "y" || input === "Y") return { kind: "answer", yes: true };
      if (input === "n" || input === "N" || key.escape) return { kind: "answer", yes: false };
      return null;
    },
  },
  {
    modes: ["pane", "help"],
    keys: "tab / shift+tab",
    help: "next / previous pane (also ←/→ or h/l)",
    press: (input, key) => {
      if (key.tab) return { kind: "cycle", delta: key.shift ? -1 : 1 };
      if (key.rightArrow || input === "l") return { kind: "cycle", delta: 1 };
      if (key.leftArrow || input === "h") return { kind: "cycle", delta: -1 };
      return null;
    },
  },
  {
    modes: ["pane", "help"],
    keys: DIGITS,
    help: "jump to a pane",
    hints: [{ mode: "pane", text: `tab/${DIGITS} pane`, when: (v) => !v.detail, rank: 90 }],
    press: (input) => {
      const pane = /^[1-9]$/.test(input) ? PANES[Number(input) - 1] : undefined;
      return pane ? { kind: "pane", pane } : null;
    },
  },
  {
    modes: ["pane", "help"],
    keys: "j/k or ↓/↑",
    help: "move; in Logs, details and this help: scroll",
    hints: [
      { mode: "pane", text: "j/k move", when: listed, rank: 10 },
      { mode: "pane", text: "j/k scroll", when: (v) => v.detail, rank: 10 },
      { mode: "help", text: "j/k scroll", rank: 10 },
    ],
    press: (input, key, ctx) => {
      const delta = key.downArrow || input === "j" ? 1 : key.upArrow || input === "k" ? -1 : 0;
      if (delta === 0) return null;
      return ctx.help ? { kind: "help", scroll: delta } : { kind: "move", delta };
    },
  },
  {
    modes: ["pane", "help"],
    keys: "pgdn / pgup",
    help: "move by ten rows",
    press: (input, key, ctx) => {
      const delta = key.pageDown || (ctx.help && input === " ") ? PAGE : key.pageUp ? -PAGE : 0;
      if (delta === 0) return null;
      return ctx.help ? { kind: "help", scroll: delta } : { kind: "move", delta };
    },
  },
  {
    modes: ["pane"],
    keys: "enter",
    // esc closes them: its own row says so.
    help: "Adapters: details; Sessions: transcript; Integrations: tools",
    hints: [
      { mode: "pane", text: "enter details", when: (v) => v.pane === "adapters" && !v.detail, rank: 20 },
      { mode: "pane", text: "enter transcript", when: (v) => v.pane === "sessions" && !v.detail, rank: 20 },
      { mode: "pane", text: "enter tools", when: (v) => v.pane === "integrations" && !v.detail, rank: 20 },
    ],
    press: (input, key, ctx) => (isEnter(input, key) ? { kind: "detail", open: !ctx.detail } : null),
  },
  {
    modes: ["pane"],
    // Listed in the help on the r row. A read (the cache dropped and listed again), not an
    // action, so a read-only view has it too.
    hints: [{ mode: "pane", text: "r refresh", when: on("integrations"), rank: 30 }],
    press: (input, _key, ctx) => (input === "r" && ctx.pane === "integrations" ? { kind: "refresh" } : null),
  },
  {
    modes: ["pane"],
    keys: "r",
    help: "Adapters: restart the adapter; Integrations: refresh",
    control: true,
    hints: [{ mode: "pane", text: "r restart", when: on("adapters"), rank: 30 }],
    press: (input) => (input === "r" ? { kind: "control", op: "restart" } : null),
  },
  {
    modes: ["pane"],
    keys: "s",
    help: "stop / start the selected adapter or session",
    control: true,
    hints: [{ mode: "pane", text: "s stop/start", when: on("adapters"), rank: 40 }],
    // On the Sessions pane s is the session's (below).
    press: (input, _key, ctx) => (input === "s" && ctx.pane !== "sessions" ? { kind: "control", op: "toggle" } : null),
  },
  {
    modes: ["pane"],
    keys: "i",
    help: "Installs: pick from the catalogue and install",
    control: true,
    hints: [{ mode: "pane", text: "i install", when: on("installs"), rank: 50 }],
    press: (input) => (input === "i" ? { kind: "pick" } : null),
  },
  {
    modes: ["pane"],
    keys: "x / u",
    help: "Installs: cancel / uninstall (press u twice); Sessions: x resets",
    control: true,
    hints: [
      { mode: "pane", text: "x cancel", when: on("installs"), rank: 55 },
      { mode: "pane", text: "u uninstall", when: on("installs"), rank: 60 },
    ],
    press: (input, _key, ctx) => (input === "x" && ctx.pane !== "sessions" ? { kind: "cancelInstall" } : input === "u" ? { kind: "uninstall" } : null),
  },
  {
    modes: ["pane"],
    // Listed in the help on the s and x rows: the help's first screen keeps its rows.
    control: true,
    hints: [
      { mode: "pane", text: "x reset", when: on("sessions"), rank: 30 },
      { mode: "pane", text: "s stop/start", when: on("sessions"), rank: 40 },
    ],
    press: (input, _key, ctx) => (ctx.pane !== "sessions" ? null : input === "x" ? { kind: "session", op: "reset" } : input === "s" ? { kind: "session", op: "toggle" } : null),
  },
  {
    modes: ["pane"],
    keys: "/",
    help: "filter the pane as you type; enter keeps it, esc clears it",
    hints: [{ mode: "pane", text: "/ filter", when: (v) => listed(v) && !v.filtered, rank: 70 }],
    press: (input) => (input === "/" ? { kind: "filter", op: "open" } : null),
  },
  {
    modes: ["pane"],
    keys: "o",
    help: "sort by the next column (the header shows it with ↑/↓)",
    hints: [{ mode: "pane", text: "o sort", when: sorted, rank: 80 }],
    press: (input) => (input === "o" ? { kind: "sort" } : null),
  },
  {
    modes: ["pane"],
    keys: "shift+letter",
    help: "sort by that column; again reverses the order",
    also: () => `Adapters ${sortLetters("adapters")} · Installs ${sortLetters("installs")}`,
    // k9s style.
    press: (input, key) => (/^[A-Z]$/.test(input) && !key.meta ? { kind: "sort", letter: input } : null),
  },
  {
    modes: ["pane", "help"],
    keys: "esc",
    help: "close the help or the details; clear the filter",
    hints: [
      { mode: "pane", text: "esc back", when: (v) => v.detail, rank: 5 },
      { mode: "pane", text: "esc clear filter", when: (v) => listed(v) && v.filtered, rank: 70 },
    ],
    // One thing at a time: the help, the details, then the filter.
    press: (_input, key, ctx) => {
      if (!key.escape) return null;
      return ctx.help ? { kind: "help", open: false } : ctx.detail ? { kind: "detail", open: false } : { kind: "filter", op: "clear" };
    },
  },
  {
    modes: ["pane", "help"],
    keys: "?",
    help: "toggle this help",
    hints: [
      { mode: "pane", text: "? help", rank: 100 },
      { mode: "help", text: "? or esc close", rank: 100 },
    ],
    press: (input) => (input === "?" ? { kind: "help" } : null),
  },
  {
    modes: ["pane", "help", "filter", "picker"],
    keys: "q or ctrl+c",
    help: "quit the dashboard",
    hints: [
      { mode: "pane", text: "q quit", rank: 110 },
      { mode: "help", text: "q quit", rank: 110 },
      { mode: "filter", text: "ctrl+c quit", rank: 110 },
      { mode: "picker", text: "ctrl+c quit", rank: 110 },
    ],
    press: (input, key, ctx) => (isQuitKey(input, key, typing(ctx)) ? { kind: "quit" } : null),
  },

  // The `/` prompt: letters type, enter keeps the filter, esc clears it, arrows still move.
  {
    modes: ["filter"],
    hints: [{ mode: "filter", text: "enter keep", rank: 10 }],
    press: (input, key) => (isEnter(input, key) ? { kind: "filter", op: "close" } : null),
  },
  {
    modes: ["filter"],
    hints: [{ mode: "filter", text: "esc clear", rank: 20 }],
    press: (_input, key) => (key.escape ? { kind: "filter", op: "clear" } : null),
  },
  {
    modes: ["filter"],
    press: (input, key) => {
      if (key.backspace || key.delete) return { kind: "filter", op: "erase" };
      if (key.ctrl && input === "u") return { kind: "filter", op: "clearText" };
      if (key.downArrow) return { kind: "move", delta: 1 };
      if (key.upArrow) return { kind: "move", delta: -1 };
      if (key.pageDown) return { kind: "move", delta: PAGE };
      if (key.pageUp) return { kind: "move", delta: -PAGE };
      if (key.ctrl || key.meta || key.tab) return null;
      const text = printable(input);
      return text ? { kind: "filter", op: "type", text } : null;
    },
  },

  // The catalogue picker. Letters (j and k too) type into its filter, so moving is on the
  // arrows and ctrl+n / ctrl+p, as in a shell's history search.
  {
    modes: ["picker"],
    hints: [{ mode: "picker", text: "enter install", rank: 20 }],
    press: (input, key) => (isEnter(input, key) ? { kind: "picker", op: "choose" } : null),
  },
  {
    modes: ["picker"],
    hints: [{ mode: "picker", text: "esc close", rank: 100 }],
    press: (_input, key) => (key.escape ? { kind: "picker", op: "close" } : null),
  },
  {
    modes: ["picker"],
    hints: [{ mode: "picker", text: "type to filter", rank: 10 }],
    press: (input, key) => {
      if (key.backspace || key.delete) return { kind: "picker", op: "erase" };
      if (key.upArrow || (key.ctrl && input === "p")) return { kind: "picker", op: "move", delta: -1 };
      if (key.downArrow || (key.ctrl && input === "n")) return { kind: "picker", op: "move", delta: 1 };
      if (key.pageUp) return { kind: "picker", op: "move", delta: -PAGE };
      if (key.pageDown) return { kind: "picker", op: "move", delta: PAGE };
      if (key.ctrl && input === "u") return { kind: "picker", op: "clear" };
      if (key.ctrl || key.meta || key.tab) return null;
      const text = printable(input);
      return text ? { kind: "picker", op: "type", text } : null;
    },
  },
];

/**
 * `q` and ctrl+c quit; Ink's own ctrl+c exit is off so quitting always goes through here.
 * While something is being typed (`typing`), `q` is a letter and only ctrl+c quits.
 */
export function isQuitKey(input: string, key: KeyInfo, typing = false): boolean {
  return (input === "q" && !key.ctrl && !typing) || (key.ctrl === true && input === "c");
}

/** The modes a press is tried in, in order. */
export function activeModes(ctx: KeyContext): KeyMode[] {
  if (ctx.picker) return ["picker"];
  if (ctx.filtering) return ["filter"];
  if (ctx.help) return ["help"];
  return ctx.asking ? ["ask", "pane"] : ["pane"];
}

/** The footer's hints for `mode`, in footer order. */
export function hintsFor(mode: KeyMode, view: HintView): string[] {
  const shown: Hint[] = [];
  for (const b of KEYMAP) for (const h of b.hints ?? []) if (h.mode === mode && (h.when?.(view) ?? true)) shown.push(h);
  return shown.sort((a, b) => a.rank - b.rank).map((h) => h.text);
}

/** The help's rows: key and what it does (a continuation line has an empty key). */
export function helpRows(): Array<readonly [string, string]> {
  const rows: Array<readonly [string, string]> = [];
  for (const b of KEYMAP) {
    if (b.keys === undefined || b.help === undefined) continue;
    rows.push([b.keys, b.help]);
    if (b.also) rows.push(["", b.also()]);
  }
  return rows;
}

/** The keys a read-only view cannot use, as the help names them: "r, s, i, x and u". */
export function controlKeysText(): string {
  // A letter used on two panes (x, s) is named once.
  const keys = [...new Set(KEYMAP.filter((b) => b.control && b.keys).flatMap((b) => b.keys!.split(" / ")))];
  return keys.length <= 1 ? (keys[0] ?? "") : `${keys.slice(0, -1).join(", ")} and ${keys.at(-1)}`;
}
