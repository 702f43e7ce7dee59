import { CANCELLED_NOTE, type Tone } from "../core/present.ts";
import type { NoticeKind } from "./control.ts";

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

// The one mapping from a footer notice's kind to a tone, in the same tones as the states: under way
// (here or elsewhere: "already being installed") as installing, a question or "nothing to do" as a warning.
const NOTICE: Record<NoticeKind, Tone> = { pending: "busy", busy: "busy", ok: "ok", info: "warn", prompt: "warn", failure: "bad" };

/** The tone a footer notice of this kind is drawn in. */
export function noticeTone(k: NoticeKind): Tone {
  return NOTICE[k] ?? "plain";
}

/** A footer notice as Ink `<Text>` props. */
export function noticeProps(k: NoticeKind): { color?: string; dimColor?: boolean } {
  return toneProps(noticeTone(k));
}

/** What the DETAIL cell of a cancelled install says. */
export const CANCELLED_TEXT = `cancelled; ${CANCELLED_NOTE}`;
