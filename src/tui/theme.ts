import { CANCELLED_NOTE, type Tone } from "../core/present.ts";
import type { NoticeTone } from "./control.ts";

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

// A footer notice in the same tones as the states: under way as installing, a refusal as a warning.
const NOTICE: Record<NoticeTone, Tone> = { pending: "busy", ok: "ok", warn: "warn", error: "bad", info: "warn" };

/** A footer notice's tone as Ink `<Text>` props. */
export function noticeProps(t: NoticeTone): { color?: string; dimColor?: boolean } {
  return toneProps(NOTICE[t] ?? "plain");
}

/** What the DETAIL cell of a cancelled install says. */
export const CANCELLED_TEXT = `cancelled; ${CANCELLED_NOTE}`;
