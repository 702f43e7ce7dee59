/** Which Installs table columns fit a terminal width, and how wide the progress bar is. Pure, so it is unit-tested. */

export type InstallColumnId = "target" | "state" | "progress" | "size" | "speed" | "eta" | "detail";

export interface InstallColumn {
  id: InstallColumnId;
  title: string;
  /** Including the one-space gap after it; undefined for DETAIL, which takes the rest. */
  width: number | undefined;
}

export interface InstallLayout {
  columns: InstallColumn[];
  /** Cells of the progress bar; the PROGRESS column is the bar, a space and "100%". */
  bar: number;
}

const STATE_WIDTH = 11; // "installing" and a gap
const PERCENT = 5; // " 100%"
const FIXED: Record<Exclude<InstallColumnId, "target" | "state" | "progress" | "detail">, number> = {
  size: 16, // "999.9/999.9 MiB"
  speed: 11, // "12.3 MiB/s"
  eta: 8, // "59m 59s"
};

// Least useful first: sizes say less than how fast and how long, and the time left is what
// someone watching a download wants most.
const DROP_ORDER: readonly InstallColumnId[] = ["size", "speed", "eta"];

export const BAR_MIN = 8;
export const BAR_MAX = 40;
/** DETAIL (stage or error) keeps at least this much; the line under the table has it whole. */
export const DETAIL_MIN = 10;
const TARGET_MIN = 12;
const TARGET_MAX = 34;
const MARKER = 1;

/** The layout for `width` terminal columns when the longest target name is `longest` characters. */
export function installColumns(width: number, longest: number): InstallLayout {
  let target = Math.min(TARGET_MAX, Math.max(TARGET_MIN, longest + 1));
  let ids: InstallColumnId[] = ["target", "state", "progress", "size", "speed", "eta", "detail"];
  const fixed = (bar: number) =>
    MARKER +
    ids.reduce((n, id) => {
      if (id === "target") return n + target;
      if (id === "state") return n + STATE_WIDTH;
      if (id === "progress") return n + bar + PERCENT + 1;
      if (id === "detail") return n;
      return n + FIXED[id];
    }, 0);
  for (const id of DROP_ORDER) {
    if (fixed(BAR_MIN) + DETAIL_MIN <= width) break;
    ids = ids.filter((c) => c !== id);
  }
  // Narrower still: target names give way (truncated) down to a stub.
  const over = fixed(BAR_MIN) + DETAIL_MIN - width;
  if (over > 0) target = Math.max(TARGET_MIN, target - over);
  // Room to spare: half of it widens the bar, the rest goes to DETAIL.
  const spare = Math.max(0, width - fixed(BAR_MIN) - DETAIL_MIN);
  const bar = Math.min(BAR_MAX, BAR_MIN + Math.floor(spare / 2));
  const columns = ids.map((id): InstallColumn => {
    switch (id) {
      case "target":
        return { id, title: "TARGET", width: target };
      case "state":
        return { id, title: "STATE", width: STATE_WIDTH };
      case "progress":
        return { id, title: "PROGRESS", width: bar + PERCENT + 1 };
      case "detail":
        return { id, title: "DETAIL", width: undefined };
      default:
        return { id, title: id.toUpperCase(), width: FIXED[id] };
    }
  });
  return { columns, bar };
}
