/** Which Adapters table columns fit a terminal width, and how wide each is. Pure, so it is unit-tested. */

export type AdapterColumnId = "name" | "kind" | "state" | "restarts" | "uptime" | "in" | "out" | "detail";

export interface AdapterColumn {
  id: AdapterColumnId;
  title: string;
  /** Including the one-space gap after it; undefined for DETAIL, which takes the rest. */
  width: number | undefined;
}

const ALL: readonly AdapterColumn[] = [
  { id: "name", title: "NAME", width: 14 },
  { id: "kind", title: "KIND", width: 9 },
  { id: "state", title: "STATE", width: 9 },
  // Room for the sort arrow after the title.
  { id: "restarts", title: "RESTARTS", width: 10 },
  { id: "uptime", title: "UPTIME", width: 8 },
  // "1.2k · 59m": a message count and the age of the last one.
  { id: "in", title: "IN", width: 11 },
  { id: "out", title: "OUT", width: 11 },
  { id: "detail", title: "DETAIL", width: undefined },
];

// Least useful first: the kind rarely matters once you know the name, and the retry countdown
// and error (DETAIL) are why someone looks at this table at all.
const DROP_ORDER: readonly AdapterColumnId[] = ["kind", "out", "in", "uptime", "restarts"];

/** DETAIL must keep room for at least "retry in 12s". */
export const DETAIL_MIN = 14;
const MARKER = 1;
const NAME_MIN = 6;

/** The columns for `width` terminal columns: all of them from 87 up, fewer below (no KIND at 80). */
export function adapterColumns(width: number): AdapterColumn[] {
  let cols = ALL.slice();
  const fixed = () => MARKER + cols.reduce((n, c) => n + (c.width ?? 0), 0);
  for (const id of DROP_ORDER) {
    if (fixed() + DETAIL_MIN <= width) return cols;
    cols = cols.filter((c) => c.id !== id);
  }
  if (fixed() + DETAIL_MIN <= width) return cols;
  // Narrower still: names give way (truncated) down to a stub; past that the cells truncate.
  const spare = width - (fixed() + DETAIL_MIN);
  return cols.map((c) => (c.id === "name" ? { ...c, width: Math.max(NAME_MIN, (c.width ?? 0) + spare) } : c));
}
