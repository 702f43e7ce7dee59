/** Which Sessions table columns fit a terminal width. Pure, so it is unit-tested with the pane. */

export type SessionColumnId = "adapter" | "title" | "state" | "active" | "msgs" | "tokens" | "waiting" | "problem";

export interface SessionColumn {
  id: SessionColumnId;
  title: string;
  /** Including the gap after it; undefined for the last, which takes the rest. */
  width: number | undefined;
}

const ALL: readonly SessionColumn[] = [
  { id: "adapter", title: "ADAPTER", width: 11 },
  { id: "title", title: "TITLE", width: 24 },
  { id: "state", title: "STATE", width: 9 },
  { id: "active", title: "ACTIVE", width: 9 },
  { id: "msgs", title: "MSGS", width: 6 },
  { id: "tokens", title: "TOKENS", width: 12 },
  { id: "waiting", title: "WAIT", width: 5 },
  // Undelivered replies and the last error's type: why a session needs a look.
  { id: "problem", title: "PROBLEM", width: undefined },
];

const DROP_ORDER: readonly SessionColumnId[] = ["tokens", "msgs", "adapter"];
const PROBLEM_MIN = 14;
const MARKER = 1;

/** The columns for `width` terminal columns: all from 91 up, fewer below. */
export function sessionColumns(width: number): SessionColumn[] {
  let cols = ALL.slice();
  const fixed = () => MARKER + cols.reduce((n, c) => n + (c.width ?? 0), 0);
  for (const id of DROP_ORDER) {
    if (fixed() + PROBLEM_MIN <= width) return cols;
    cols = cols.filter((c) => c.id !== id);
  }
  return cols;
}
