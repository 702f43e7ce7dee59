/** What a key press means, read from the one keymap (keymap.ts) that the footer and the help draw too. */
import { activeModes, isQuitKey, KEYMAP, type KeyCommand, type KeyContext } from "./keymap.ts";
import type { KeyInfo } from "./state.ts";

export { isQuitKey, type KeyCommand, type KeyContext } from "./keymap.ts";
export type { KeyInfo } from "./state.ts";

/** What a key press means; null for keys the dashboard ignores. */
export function keyToAction(input: string, key: KeyInfo, ctx: KeyContext = {}): KeyCommand | null {
  const modes = activeModes(ctx);
  const typing = ctx.picker === true || ctx.filtering === true;
  // Quitting wins over whatever else a press carries; over a pane or the help a ctrl+letter means nothing else.
  if (isQuitKey(input, key, typing)) return { kind: "quit" };
  if (key.ctrl && !typing) return null;
  for (const b of KEYMAP) {
    if (!b.modes.some((m) => modes.includes(m))) continue;
    const command = b.press(input, key, ctx);
    if (command) return command;
  }
  return null;
}

/**
 * Ink hands over a run of plain characters that arrived in one read as a single input
 * (a held-down `j` under load arrives as "jjj"). Split such runs into one key each so no
 * press is lost; escape sequences (arrows, shift+tab) already arrive on their own.
 */
export function splitKeys(input: string, key: KeyInfo): Array<{ input: string; key: KeyInfo }> {
  if (input.length <= 1 || input.includes("\u001B")) return [{ input, key }];
  return Array.from(input, (ch) => {
    if (ch === "\t") return { input: "", key: { tab: true } };
    if (ch === "\r") return { input: "", key: { return: true } };
    if (ch === "\u007F") return { input: "", key: { delete: true } };
    if (ch === "\b") return { input: "", key: { backspace: true } };
    const code = ch.charCodeAt(0);
    // ctrl+letter (ctrl+c, ctrl+n, ...) arrives as the letter's code minus 96.
    if (code >= 1 && code <= 26 && ch !== "\n") return { input: String.fromCharCode(code + 96), key: { ctrl: true } };
    return { input: ch, key: {} };
  });
}
