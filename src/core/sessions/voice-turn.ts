import { errorMessage } from "../errors.ts";
import type { InboundMessage, TurnResult } from "../messages.ts";
import { VoiceError, type Transcriber } from "../voice/types.ts";
import type { Channels } from "./outbox.ts";

/** The [voice] limits a voice message's turn reads; replaced as a whole on a config reload. */
export interface VoiceTurnSettings {
  maxSeconds: number;
  maxBytes: number;
  /** Start the reply with what was heard ("🎤 …"). */
  echoTranscript: boolean;
  /** Which replies are also spoken: "voice-in" (the answer to a voice note that was heard), "always", "never". */
  speakReplies: SpeakReplies;
  /** Longest the outbox waits for one reply's voice note to be made ([voice] timeout_ms); past it the reply stays text only. */
  speakTimeoutMs: number;
}

export type SpeakReplies = "voice-in" | "always" | "never";

export const DEFAULT_VOICE_SETTINGS: VoiceTurnSettings = { maxSeconds: 300, maxBytes: 20_000_000, echoTranscript: false, speakReplies: "voice-in", speakTimeoutMs: 120_000 };

/**
 * Whether a finished turn's reply is also spoken: only an answer of the model (never a failure
 * message, a cancel, a refusal or a command's reply), and for "voice-in" only when the message was
 * a voice note that was heard.
 */
export function speaks(mode: SpeakReplies, turn: { heard: boolean; failed: boolean; cancelled: boolean; byModel: boolean }): boolean {
  if (mode === "never" || turn.failed || turn.cancelled || !turn.byModel) return false;
  return mode === "always" || turn.heard;
}

/** What the step before a voice message's turn came to. */
export type Heard =
  /** The turn's text (the caption, if any, then the transcription) and the transcription alone. */
  | { kind: "heard"; text: string; transcript: string }
  /** The reply is this failure message; no turn runs. */
  | { kind: "failed"; result: TurnResult }
  /** The channel has no connection now: nothing is recorded, its reconnect answers the message. */
  | { kind: "later" }
  | { kind: "cancelled" };

/** Said when the gateway was built without a Transcriber. */
const UNAVAILABLE = new VoiceError("voice_unavailable", "this build has no speech to text yet");

/**
 * A voice message, made text before its turn: the duration is checked first (no fetch for one too
 * long), then the audio is fetched again through its channel (size-bounded) and transcribed. Every
 * failure is a reply saying why ("I couldn't understand the voice message: …"), never silence.
 */
export async function hearVoice(
  adapter: string,
  m: InboundMessage & { voice: NonNullable<InboundMessage["voice"]> },
  deps: { channels: Channels; transcriber: Transcriber | undefined; settings: VoiceTurnSettings },
  signal: AbortSignal,
): Promise<Heard> {
  const { channels, transcriber, settings } = deps;
  const v = m.voice;
  try {
    if (v.durationS !== undefined && v.durationS > settings.maxSeconds) {
      throw new VoiceError("voice_too_long", `the voice message is ${v.durationS} s long; the limit is ${settings.maxSeconds} s`, "raise [voice] max_seconds to accept longer ones");
    }
    if (!transcriber) throw UNAVAILABLE;
    if (!channels.fetchAudio) throw new VoiceError("voice_unavailable", "this channel cannot fetch voice messages");
    const audio = await channels.fetchAudio(adapter, v.ref, settings.maxBytes, signal);
    if (audio === "not_connected") return { kind: "later" };
    if (signal.aborted) return { kind: "cancelled" };
    const heard = await transcriber.transcribe({ ...audio, ...(audio.mime === undefined && v.mime !== undefined ? { mime: v.mime } : {}) }, signal);
    const transcript = heard.text.trim();
    if (transcript === "") throw new VoiceError("voice_failed", "no speech was heard in it");
    const caption = m.text.trim();
    return { kind: "heard", transcript, text: caption === "" ? transcript : `${caption}\n\n${transcript}` };
  } catch (err) {
    if (signal.aborted) return { kind: "cancelled" };
    return { kind: "failed", result: voiceFailure(err) };
  }
}

/** The reply to a voice message that could not be made text: the VoiceError's message and hint, or what failed. */
export function voiceFailure(err: unknown): TurnResult {
  const known = err instanceof VoiceError;
  const why = known ? `${err.message}${err.hint ? ` (${err.hint})` : ""}` : `it could not be fetched: ${errorMessage(err)}`;
  // A fetch that failed on the network, or a sidecar that failed, may work on a later try; the rest will not.
  const retryable = !known || err.code === "voice_failed";
  return { text: `I couldn't understand the voice message: ${why}`, error: { type: "voice", retryable } };
}
