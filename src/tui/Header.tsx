import { Box, Text } from "ink";
import { memo } from "react";
import { voiceEnabled, type GatewayStatus, type Status, type VoiceStatus } from "../core/status.ts";
import { formatClock, formatDuration } from "../core/format.ts";
import { oneLine } from "./format.ts";
import type { DashboardSource } from "./source.ts";
import { gatewayTone } from "../core/present.ts";
import { toneProps } from "./theme.ts";

interface HeaderProps {
  gateway: GatewayStatus;
  /** The dashboard's own version; shown too when an attached gateway runs another one. */
  version: string;
  mode: DashboardSource["mode"];
  connected: boolean;
  synced: boolean;
  /** When the gateway went away (dashboard clock), if it did after a snapshot. */
  goneAt: number | null;
  /** The dashboard clock: how long ago the gateway went keeps counting while every other clock stops. */
  now: number;
  /** Replies waiting for delivery and given up on; shown when there are any. */
  outbox?: Status["outbox"];
  /** Local voice: `voice` shows when a voice message would be transcribed (sidecar built, Whisper model installed). */
  voice?: VoiceStatus;
}

/** Rows the header occupies, so the body can be sized to fit the terminal. */
export function headerHeight(gateway: GatewayStatus): number {
  if (!gateway.configError) return 2;
  return gateway.configError.hint ? 4 : 3;
}

/** Gateway state, version, uptime, provider, config path and any config error. */
export const Header = memo(function Header({ gateway: g, version, mode, connected, synced, goneAt, now, outbox, voice }: HeaderProps) {
  // Before the first snapshot everything but our own version would be a placeholder.
  if (!synced) {
    return (
      <Box flexDirection="column">
        <Text wrap="truncate-end">
          <Text bold>bosun</Text> <Text>{version}</Text>
          {"  "}
          <Text {...toneProps("warn")}>● connecting…</Text>
        </Text>
        <Text> </Text>
      </Box>
    );
  }
  const gwVersion = g.version || version;
  const err = g.configError;
  const gone = !connected;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>bosun</Text> <Text>{gwVersion}</Text>
        {mode === "attached" && gwVersion !== version ? <Text dimColor> (dashboard {version})</Text> : null}
        {"  "}
        {gone ? (
          <Text {...toneProps("bad")}>{goneAt === null ? "● gateway gone" : `● gateway gone since ${formatClock(new Date(goneAt).toISOString())} (${formatDuration(now - goneAt)} ago)`}</Text>
        ) : (
          <Text {...toneProps(gatewayTone(g.state))}>● {g.state}</Text>
        )}
        {gone ? <Text dimColor> · reconnecting… · last known state</Text> : null}
        {g.state === "running" ? <Text dimColor={gone}>{`  up ${formatDuration(g.uptimeMs)}`}</Text> : null}
        {voiceEnabled(voice) ? <Text color={gone ? undefined : "green"} dimColor={gone}>{"  voice"}</Text> : null}
        {/* Before the rest, so a narrow terminal truncates the provider, not what needs a look. */}
        {outbox && outbox.pending > 0 ? <Text color={gone ? undefined : "yellow"}>{`  ${outbox.pending} replies waiting`}</Text> : null}
        {outbox && outbox.dead > 0 ? <Text color={gone ? undefined : "red"}>{`  ${outbox.dead} dead`}</Text> : null}
        <Text dimColor>{"  provider "}</Text>
        <Text dimColor={gone}>{g.provider}</Text>
        {g.pid !== null ? <Text dimColor>{`  pid ${g.pid}`}</Text> : null}
        <Text dimColor>{`  ${mode}`}</Text>
      </Text>
      <Text wrap="truncate-start">
        <Text dimColor>config </Text>
        {g.configPath ?? <Text dimColor>embedded default</Text>}
      </Text>
      {err ? (
        <Text color="red" wrap="truncate-end">
          config error {`${err.file}:${err.line}:${err.column} ${oneLine(err.message)}`}
          <Text dimColor> (still running on the last good config)</Text>
        </Text>
      ) : null}
      {err?.hint ? (
        <Text dimColor wrap="truncate-end">
          {"  hint: "}
          {oneLine(err.hint)}
        </Text>
      ) : null}
    </Box>
  );
});
