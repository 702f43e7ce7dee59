/**
 * Text helpers of the dashboard's own: outside text made safe to draw. Numbers
 * (durations, ages, sizes, speeds) read the same as in the CLI through core's format.ts.
 */
import { formatCount, formatTinyAge } from "../core/format.ts";
import { escapeControls } from "../core/util/text.ts";

/** Messages through a channel and how long ago the last one was: "12 · 3m", or "—" for none. */
export function formatTraffic(count: number | undefined, lastAt: string | null, now: number): string {
  const age = formatTinyAge(lastAt, now);
  if (!count && !age) return "—";
  return age ? `${formatCount(count ?? 0)} · ${age}` : formatCount(count ?? 0);
}

/** Longest conversation id shown whole on a message line. */
export const CONVERSATION_MAX = 14;

/**
 * A conversation id short enough to leave the message its line: ids such as UUIDs or
 * platform chat ids keep a prefix (usually unique among recent traffic) and an ellipsis.
 */
export function shortConversation(id: string): string {
  const shown = oneLine(id);
  const chars = Array.from(shown);
  return chars.length <= CONVERSATION_MAX ? shown : `${chars.slice(0, 8).join("")}…`;
}

/**
 * Text from outside (chat messages, user names, ids, errors quoting them) as the dashboard may
 * draw it wrapped: line breaks kept, tabs as a space (a terminal would widen them past what Ink
 * measured), every other control character shown as an escape (core's one escaper), so that
 * an id like "\u001b]0;…" cannot retitle the terminal or clear the screen.
 */
export function shownText(text: string): string {
  return escapeControls(text.replace(/\r\n/g, "\n").replace(/\t/g, " "), "\n");
}

/** `shownText` on one row: newlines collapsed, so one message or log record stays on its line. */
export function oneLine(text: string): string {
  return escapeControls(text.replace(/\s*\r?\n\s*/g, " ⏎ ").replace(/\t/g, " "));
}
