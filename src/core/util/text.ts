/**
 * Text from outside (chat messages, ids, names, errors that quote them) on its way to a
 * terminal or a log line. A terminal obeys control characters: ESC starts sequences that
 * retitle the window, clear the screen or move the cursor; CR overwrites the start of a line;
 * direction overrides reorder what is read. Shown as visible escapes instead, they cannot act.
 */

// C0, DEL and C1 controls; line and paragraph separators; bidi embeddings, overrides, isolates and marks.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every control and direction character written as `\uXXXX`, except those in
 * `keep` (a view that lays out lines itself may keep "\n", one that can show tabs "\t").
 */
export function escapeControls(text: string, keep = ""): string {
  return text.replace(CONTROLS, (ch) => (keep.includes(ch) ? ch : `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`));
}
