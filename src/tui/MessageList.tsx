import { Box, Text } from "ink";
import { memo } from "react";
import { formatClock } from "../core/format.ts";
import { oneLine, shortConversation } from "./format.ts";
import type { MessageLine } from "./state.ts";

interface MessageListProps {
  /** Already filtered and trimmed to what fits; oldest first. */
  messages: readonly MessageLine[];
  emptyText: string;
}

/** Recent traffic on one channel, newest at the bottom, one row per message. */
export const MessageList = memo(function MessageList({ messages, emptyText }: MessageListProps) {
  if (messages.length === 0) return <Text dimColor>{emptyText}</Text>;
  return (
    <Box flexDirection="column">
      {messages.map((m) => (
        <MessageRow key={m.id} message={m} />
      ))}
    </Box>
  );
});

/** Memoised per line: lines never change once received, so a commit only renders new ones. */
export const MessageRow = memo(function MessageRow({ message: m }: { message: MessageLine }) {
  return (
    <Text wrap="truncate-end">
      <Text dimColor>{formatClock(m.at)} </Text>
      {m.direction === "inbound" ? (
        <>
          <Text color="cyan">← </Text>
          <Text bold>{oneLine(m.user ?? "?")}</Text>
        </>
      ) : (
        <>
          <Text color="green">→ </Text>
          <Text bold>bosun</Text>
        </>
      )}
      <Text dimColor> in {shortConversation(m.conversation)}: </Text>
      {oneLine(m.text)}
    </Text>
  );
});
