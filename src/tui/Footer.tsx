import { Text } from "ink";
import { memo } from "react";

/** Key hints; without a terminal on stdin the dashboard is read-only and says so. */
export const Footer = memo(function Footer({ interactive }: { interactive: boolean }) {
  if (!interactive) return <Text dimColor>read-only: stdin is not a terminal, keys are ignored</Text>;
  return (
    <Text dimColor wrap="truncate-end">
      tab/1-5 pane · j/k move · ? help · q quit
    </Text>
  );
});
