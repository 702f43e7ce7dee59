import { Text } from "ink";
import { memo } from "react";
import type { Notice, NoticeTone } from "./control.ts";
import type { PaneId } from "./store.ts";

interface FooterProps {
  interactive: boolean;
  pane: PaneId;
  help: boolean;
  /** An adapter's detail view is open. */
  detail: boolean;
  /** The catalogue picker is open. */
  picker: boolean;
  notice: Notice | null;
  /** The current pane's `/` filter, and whether its prompt is open. */
  filter: string;
  filtering: boolean;
  /** Terminal columns: hints that do not fit are left out, `? help · q quit` never. */
  width: number;
}

const TONE: Record<NoticeTone, string> = { pending: "cyan", ok: "green", warn: "yellow", error: "red", info: "yellow" };

/**
 * The status of an action on the gateway, if one is running or just ended, the filter, then key
 * hints for what is on screen; without a terminal on stdin the dashboard is read-only and says so.
 */
export const Footer = memo(function Footer({ interactive, pane, help, detail, picker, notice, filter, filtering, width }: FooterProps) {
  if (!interactive) return <Text dimColor>read-only: stdin is not a terminal, keys are ignored</Text>;
  const lead = notice ? `${notice.text}  ` : "";
  if (filtering) {
    return (
      <Text wrap="truncate-end">
        {lead ? <Text color={TONE[notice!.tone]}>{lead}</Text> : null}
        <Text color="cyan">/{filter}</Text>
        <Text inverse> </Text>
        <Text dimColor>{"  enter keep · esc clear · ctrl+c quit"}</Text>
      </Text>
    );
  }
  const shown = filter ? `/${filter}  ` : "";
  const room = width - lead.length - shown.length;
  return (
    <Text wrap="truncate-end">
      {lead ? <Text color={TONE[notice!.tone]}>{lead}</Text> : null}
      {shown ? <Text color="cyan">{shown}</Text> : null}
      <Text dimColor>{fitHints(hints(pane, help, detail, picker, filter !== ""), room)}</Text>
    </Text>
  );
});

// Always kept, at the end: how to learn the rest and how to leave.
const TAIL = ["? help", "q quit"];

function hints(pane: PaneId, help: boolean, detail: boolean, picker: boolean, filtered: boolean): string[] {
  if (help) return ["j/k scroll", "? or esc close", "q quit"];
  // Letters type into the filter, so q does not quit here.
  if (pane === "installs" && picker) return ["type to filter", "enter install", "esc close", "ctrl+c quit"];
  const filterHint = filtered ? "esc clear filter" : "/ filter";
  if (pane === "adapters" && detail) return ["esc back", "j/k scroll", "r restart", "s stop/start", ...TAIL];
  if (pane === "adapters") return ["j/k move", "enter details", "r restart", "s stop/start", filterHint, "o sort", "tab/1-5 pane", ...TAIL];
  if (pane === "installs") return ["j/k move", "i install", "x cancel", "u uninstall", filterHint, "o sort", "tab/1-5 pane", ...TAIL];
  if (pane === "sessions") return ["tab/1-5 pane", ...TAIL];
  return ["j/k move", filterHint, "tab/1-5 pane", ...TAIL];
}

/** As many hints as fit in `room` columns, first ones first, keeping the last two (help, quit). */
export function fitHints(items: readonly string[], room: number): string {
  const tail = items.slice(-2);
  const head = items.slice(0, -2);
  const sep = " · ";
  let out = tail.join(sep);
  const kept: string[] = [];
  for (const h of head) {
    const next = [...kept, h, ...tail].join(sep);
    if (next.length > room) break;
    kept.push(h);
    out = next;
  }
  return out;
}
