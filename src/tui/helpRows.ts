/** How the help scrolls; pure, so the reducer can clamp the scroll to what is drawn. Its rows are the keymap's. */
import { helpRows } from "./keymap.ts";

/** Width of the key column. */
export const HELP_KEY_WIDTH = 16;

/** Lines under the key rows: a blank one, the read-only note (when it applies) and two notes. */
export function helpNoteCount(controls: boolean): number {
  return 1 + (controls ? 0 : 1) + 2;
}

/** Rows of the help below its title. */
export function helpLineCount(controls: boolean): number {
  return helpRows().length + helpNoteCount(controls);
}

/** Rows of a `bodyRows`-tall pane body left for the help's lines: minus the border and the title. */
function innerRows(bodyRows: number): number {
  return Math.max(1, bodyRows - 3);
}

export interface HelpWindow {
  start: number;
  count: number;
  /** Lines below the window; a "more" line takes the last row while there are any. */
  below: number;
}

/** Which of `total` lines show in a body of `bodyRows` when scrolled down `scroll` rows. */
export function helpWindow(total: number, bodyRows: number, scroll: number): HelpWindow {
  const inner = innerRows(bodyRows);
  if (total <= inner) return { start: 0, count: total, below: 0 };
  const max = helpMaxScroll(total, bodyRows);
  const start = Math.min(Math.max(0, scroll), max);
  // At the end the last row is free again for a line instead of the "more" marker.
  const count = start === max ? inner : inner - 1;
  return { start, count: Math.min(count, total - start), below: Math.max(0, total - start - count) };
}

/** How far the help can scroll before its last line is on screen. */
export function helpMaxScroll(total: number, bodyRows: number): number {
  const inner = innerRows(bodyRows);
  return total <= inner ? 0 : total - inner;
}
