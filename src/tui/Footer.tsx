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
}

const TONE: Record<NoticeTone, string> = { pending: "cyan", ok: "green", warn: "yellow", error: "red", info: "yellow" };

/**
 * The status of an action on the gateway, if one is running or just ended, then key hints for what
 * is on screen; without a terminal on stdin the dashboard is read-only and says so.
 */
export const Footer = memo(function Footer({ interactive, pane, help, detail, picker, notice }: FooterProps) {
  if (!interactive) return <Text dimColor>read-only: stdin is not a terminal, keys are ignored</Text>;
  return (
    <Text wrap="truncate-end">
      {notice ? <Text color={TONE[notice.tone]}>{`${notice.text}  `}</Text> : null}
      <Text dimColor>{hints(pane, help, detail, picker)}</Text>
    </Text>
  );
});

function hints(pane: PaneId, help: boolean, detail: boolean, picker: boolean): string {
  if (help) return "? or esc close help · q quit";
  // Letters type into the filter, so q does not quit here.
  if (pane === "installs" && picker) return "type to filter · enter install · esc close · ctrl+c quit";
  if (pane === "installs") return "tab/1-5 pane · j/k move · i install · x cancel · u uninstall · ? help · q quit";
  if (pane === "adapters" && detail) return "esc/enter back · j/k scroll · r restart · s stop/start · ? help · q quit";
  if (pane === "adapters") return "tab/1-5 pane · j/k move · enter details · r restart · s stop/start · ? help · q quit";
  return "tab/1-5 pane · j/k move · ? help · q quit";
}
