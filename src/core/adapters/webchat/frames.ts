import type { TranscriptEntry, TurnProgress } from "../../messages.ts";
import { MAX_VOICE_BASE64, VOICE_FRAME_PREFIX } from "./voice.ts";

/** A browser frame, checked: nothing about its shape is trusted. */
export type ChatFrame =
  | { type: "message"; id: string | undefined; text: string }
  /** A recording: `audio` is still base64, bounded in length (decodeVoiceAudio checks the rest, after the rate limit). */
  | { type: "voice"; id: string; audio: string }
  | { type: "ping" }
  | { type: "invalid"; message: string; id?: string; tooBig?: true };

const EXPECTED = 'expected {"type":"message","text":"..."}, {"type":"voice","id":"...","audio":"<base64 WAV>"} or {"type":"ping"}';
/** Longest client message id, as for the webhook. */
const MAX_ID = 200;
/** Longest frame that is not a voice frame: MAX_TEXT characters JSON-escaped, plus the envelope. */
export const MAX_TEXT_FRAME = 128 * 1024;
/** Longest voice frame: its base64 audio and the envelope. */
export const MAX_VOICE_FRAME = MAX_VOICE_BASE64 + 1024;

/** Parse one WebSocket text frame. Any JSON value (null, numbers, arrays...) yields a result, never a throw. */
export function parseFrame(raw: string, maxText: number): ChatFrame {
  // Only a voice frame may be big, and not even it is parsed past its bound.
  if (raw.length > (raw.startsWith(VOICE_FRAME_PREFIX) ? MAX_VOICE_FRAME : MAX_TEXT_FRAME)) return { type: "invalid", message: "frame too big", tooBig: true };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { type: "invalid", message: "frame is not JSON" };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return { type: "invalid", message: EXPECTED };
  const frame = value as Record<string, unknown>;
  if (frame.type === "ping") return { type: "ping" };
  if (frame.type === "voice") return voiceFrame(frame);
  if (frame.type !== "message" || typeof frame.text !== "string" || frame.text.trim() === "") return { type: "invalid", message: EXPECTED };
  if (frame.text.length > maxText) return { type: "invalid", message: `message longer than ${maxText} characters` };
  if (frame.id === undefined) return { type: "message", id: undefined, text: frame.text };
  // An id the client can't recognise in the ack would leave its message "not sent" forever: refuse it.
  if (typeof frame.id !== "string" || frame.id.length === 0 || frame.id.length > MAX_ID) {
    return { type: "invalid", message: `"id" must be a string of 1 to ${MAX_ID} characters (or left out)` };
  }
  return { type: "message", id: frame.id, text: frame.text };
}

function voiceFrame(frame: Record<string, unknown>): ChatFrame {
  // A voice message needs its id: the page keeps the recording until the ack names it.
  if (typeof frame.id !== "string" || frame.id.length === 0 || frame.id.length > MAX_ID) {
    return { type: "invalid", message: `a voice frame needs an "id" of 1 to ${MAX_ID} characters` };
  }
  if (typeof frame.audio !== "string") return { type: "invalid", id: frame.id, message: '"audio" must be a base64 WAV' };
  if (frame.audio.length > MAX_VOICE_BASE64) return { type: "invalid", id: frame.id, message: "voice message too big" };
  return { type: "voice", id: frame.id, audio: frame.audio };
}

/**
 * The live frames of a turn (semantics of TurnProgress): `typing` when it starts, `delta` for each
 * piece of streamed text, `restart` when the text so far is void (a retry or a fallback model
 * answers afresh), `typing_end` when it finished. The reply itself follows as a `message` frame
 * with the same `replyTo`.
 */
export function progressFrame(p: TurnProgress): Record<string, unknown> | null {
  switch (p.phase) {
    case "started":
      return { type: "typing", replyTo: p.replyTo };
    case "text":
      return { type: "delta", replyTo: p.replyTo, text: p.text };
    case "restarted":
      return { type: "restart", replyTo: p.replyTo };
    case "ended":
      return { type: "typing_end", replyTo: p.replyTo };
  }
  // A phase this build does not know (the runtime is newer): nothing to show.
  return null;
}

/** `{"type":"history","messages":[...]}`: the last `limit` stored messages, oldest first, in the page's shape. */
export function historyFrame(entries: readonly TranscriptEntry[], limit: number): { type: "history"; messages: unknown[] } {
  const list = Array.isArray(entries) ? entries.slice(-limit) : [];
  const messages = list
    .filter((e) => e && (e.role === "user" || e.role === "agent") && typeof e.id === "string" && typeof e.text === "string")
    .map((e) => ({
      role: e.role,
      id: e.id,
      text: e.text,
      at: typeof e.at === "string" ? e.at : "",
      ...(e.error ? { error: e.error.type } : {}),
      ...(e.voice === true && e.role === "user" ? { voice: true } : {}),
    }));
  return { type: "history", messages };
}
