import { CANCELLED_NOTE, type Tone } from "../core/present.ts";

// Which state reads how is core's (present.ts), shared with the CLI; here only how a tone is drawn.

/** Ink `<Text>` props per tone; dim for "nothing is happening". */
const INK: Record<Tone, { color?: string; dimColor?: boolean }> = {
  ok: { color: "green" },
  busy: { color: "cyan" },
  warn: { color: "yellow" },
  bad: { color: "red" },
  muted: { dimColor: true },
  plain: {},
};

/** A tone as Ink `<Text>` props. */
export function toneProps(t: Tone): { color?: string; dimColor?: boolean } {
  return INK[t] ?? {};
}

/** What the DETAIL cell of a cancelled install says. */
export const CANCELLED_TEXT = `cancelled; ${CANCELLED_NOTE}`;
