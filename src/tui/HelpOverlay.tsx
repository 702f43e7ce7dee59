import { Box, Text } from "ink";
import { memo } from "react";
import type { DashboardSource } from "./source.ts";

const KEYS: ReadonlyArray<readonly [string, string]> = [
  ["tab / shift+tab", "next / previous pane (also ←/→ or h/l)"],
  ["1-5", "jump to a pane"],
  ["j/k or ↓/↑", "move the selection; in Logs and adapter details, scroll"],
  ["pgdn / pgup", "move by ten rows"],
  ["enter", "Adapters: full status and recent events of the selected one (esc closes)"],
  ["r", "Adapters: restart the selected adapter"],
  ["s", "Adapters: stop the selected adapter, or start it when stopped"],
  ["i", "Installs: pick from the catalogue (type to filter, ↑/↓ move, enter installs)"],
  ["x / u", "Installs: cancel the selected install / uninstall it (press u twice)"],
  ["?", "toggle this help (esc closes it)"],
  ["q or ctrl+c", "quit the dashboard"],
];

/** Key reference, drawn in place of the pane body. */
export const HelpOverlay = memo(function HelpOverlay({ mode, controls }: { mode: DashboardSource["mode"]; controls: boolean }) {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>Keys</Text>
      {KEYS.map(([k, what]) => (
        <Box key={k}>
          <Box width={18} flexShrink={0}>
            <Text color="cyan">{k}</Text>
          </Box>
          <Text>{what}</Text>
        </Box>
      ))}
      <Text> </Text>
      {controls ? null : <Text color="yellow">Read-only view: r, s, i, x and u are not available here.</Text>}
      <Text dimColor>
        {mode === "attached"
          ? "Attached to a running gateway: quitting leaves it running (`bosun down` stops it)."
          : "The gateway runs inside this process: quitting stops it."}
      </Text>
      <Text dimColor>Every view here also exists as a command with --json, e.g. `bosun status --json`.</Text>
    </Box>
  );
});
