import { Box, Text } from "ink";
import { memo } from "react";
import type { Status } from "../core/status.ts";

/** Conversation counts (the per-session list is not built yet; one session reads over the control API). */
export const SessionsPane = memo(function SessionsPane({ sessions }: { sessions: Status["sessions"] }) {
  return (
    <Box flexDirection="column">
      <Text>
        <Text dimColor>total </Text>
        <Text bold>{sessions.total}</Text>
        <Text dimColor>{"   active "}</Text>
        <Text bold color={sessions.active > 0 ? "green" : undefined}>
          {sessions.active}
        </Text>
        <Text dimColor>{"   errored "}</Text>
        <Text bold color={sessions.errored > 0 ? "red" : undefined}>
          {sessions.errored}
        </Text>
      </Text>
      <Text dimColor>One session with its transcript: GET /v1/sessions/ID on the control socket.</Text>
    </Box>
  );
});
