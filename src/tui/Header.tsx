import { Box, Text } from "ink";
import { memo } from "react";
import type { GatewayStatus } from "../core/status.ts";
import { formatDuration } from "./format.ts";
import type { DashboardSource } from "./source.ts";
import { gatewayTone, toneProps } from "./theme.ts";

interface HeaderProps {
  gateway: GatewayStatus;
  /** The dashboard's own version; shown too when an attached gateway runs another one. */
  version: string;
  mode: DashboardSource["mode"];
  connected: boolean;
  synced: boolean;
}

/** Rows the header occupies, so the body can be sized to fit the terminal. */
export function headerHeight(gateway: GatewayStatus): number {
  if (!gateway.configError) return 2;
  return gateway.configError.hint ? 4 : 3;
}

/** Gateway state, version, uptime, provider, config path and any config error. */
export const Header = memo(function Header({ gateway: g, version, mode, connected, synced }: HeaderProps) {
  const gwVersion = g.version || version;
  const err = g.configError;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>bosun</Text> <Text>{gwVersion}</Text>
        {mode === "attached" && gwVersion !== version ? <Text dimColor> (dashboard {version})</Text> : null}
        {"  "}
        {connected ? (
          <Text {...toneProps(gatewayTone(g.state))}>● {g.state}</Text>
        ) : synced ? (
          <Text color="red">● no connection to gateway (showing last known state)</Text>
        ) : (
          <Text color="yellow">● connecting…</Text>
        )}
        {g.state === "running" ? <Text>{`  up ${formatDuration(g.uptimeMs)}`}</Text> : null}
        <Text dimColor>{"  provider "}</Text>
        <Text>{g.provider}</Text>
        {g.pid !== null ? <Text dimColor>{`  pid ${g.pid}`}</Text> : null}
        <Text dimColor>{`  ${mode}`}</Text>
      </Text>
      <Text wrap="truncate-start">
        <Text dimColor>config </Text>
        {g.configPath ?? <Text dimColor>embedded default</Text>}
      </Text>
      {err ? (
        <Text color="red" wrap="truncate-end">
          config error {`${err.file}:${err.line}:${err.column} ${err.message}`}
          <Text dimColor> (still running on the last good config)</Text>
        </Text>
      ) : null}
      {err?.hint ? (
        <Text dimColor wrap="truncate-end">
          {"  hint: "}
          {err.hint}
        </Text>
      ) : null}
    </Box>
  );
});
