import { Box, Text } from "ink";
import { memo, type ReactNode } from "react";
import { HELP_KEY_WIDTH, helpWindow } from "./helpRows.ts";
import { controlKeysText, helpRows } from "./keymap.ts";
import type { DashboardSource } from "./source.ts";

interface HelpOverlayProps {
  mode: DashboardSource["mode"];
  controls: boolean;
  /** Rows of the pane body it is drawn in. */
  height: number;
  /** Rows scrolled down. */
  scroll: number;
}

/**
 * Key reference, drawn in place of the pane body. Every line fits 80 columns; when the body is
 * shorter than the help (a 24-row terminal) it scrolls with j/k and says there is more.
 */
export const HelpOverlay = memo(function HelpOverlay({ mode, controls, height, scroll }: HelpOverlayProps) {
  const lines: ReactNode[] = [];
  // First, where it is seen without scrolling: which keys do nothing here.
  if (!controls) {
    lines.push(
      <Text key="ro" color="yellow" wrap="truncate-end">
        {`Read-only view: ${controlKeysText()} are not available here.`}
      </Text>,
    );
  }
  for (const [k, what] of helpRows()) {
    lines.push(
      <Box key={`k:${k}:${what}`}>
        <Box width={HELP_KEY_WIDTH} flexShrink={0}>
          <Text color="cyan">{k}</Text>
        </Box>
        <Text wrap="truncate-end">{what}</Text>
      </Box>,
    );
  }
  lines.push(
    <Text key="gap"> </Text>,
    <Text key="mode" dimColor wrap="truncate-end">
      {mode === "attached" ? "Attached: quitting leaves the gateway running; `bosun down` stops it." : "The gateway runs inside this process: quitting stops it."}
    </Text>,
    <Text key="json" dimColor wrap="truncate-end">
      Every view is also a command with --json, e.g. `bosun status --json`.
    </Text>,
  );
  const w = helpWindow(lines.length, height, scroll);
  const scrollable = w.count < lines.length;
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} height={height} overflow="hidden">
      <Text wrap="truncate-end">
        <Text bold>Keys</Text>
        {scrollable ? <Text dimColor>{`  ${w.start + 1}-${w.start + w.count} of ${lines.length} · j/k scroll · esc closes`}</Text> : null}
      </Text>
      {lines.slice(w.start, w.start + w.count)}
      {w.below > 0 ? <Text color="yellow">{`↓ ${w.below} more below (j)`}</Text> : null}
    </Box>
  );
});
