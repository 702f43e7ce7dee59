import { Text } from "ink";
import { memo } from "react";
import type { Notice } from "./control.ts";
import { hintsFor, type HintView, type KeyMode } from "./keymap.ts";
import type { PaneId } from "./panes.ts";
import { noticeProps } from "./theme.ts";

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
        {lead ? <Text {...noticeProps(notice!.tone)}>{lead}</Text> : null}
        <Text color="cyan">/{filter}</Text>
        <Text inverse> </Text>
        <Text dimColor>{`  ${hintsFor("filter", view(pane, detail, filter)).join(" · ")}`}</Text>
      </Text>
    );
  }
  const shown = filter ? `/${filter}  ` : "";
  const room = width - lead.length - shown.length;
  return (
    <Text wrap="truncate-end">
      {lead ? <Text {...noticeProps(notice!.tone)}>{lead}</Text> : null}
      {shown ? <Text color="cyan">{shown}</Text> : null}
      <Text dimColor>{fitHints(hintsFor(footerMode(pane, help, picker), view(pane, detail, filter)), room)}</Text>
    </Text>
  );
});

// Which hints show is the keymap's (keymap.ts): the same table the keys and the help are read from.
function footerMode(pane: PaneId, help: boolean, picker: boolean): KeyMode {
  if (help) return "help";
  return pane === "installs" && picker ? "picker" : "pane";
}

function view(pane: PaneId, detail: boolean, filter: string): HintView {
  return { pane, detail: (pane === "adapters" || pane === "integrations") && detail, filtered: filter !== "" };
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
