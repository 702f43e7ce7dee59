/**
 * The gateway's voice, as the control API offers it (`POST /v1/voice/transcribe`, `/v1/voice/speak`):
 * the very Transcriber voice messages use (so API transcriptions wait for the same
 * `[voice] max_concurrent` slots) and the gateway's Synthesizer.
 */
import type { VoiceConfig } from "../config/voice-schema.ts";
import { encodeOggOpus } from "./ogg-opus-encode.ts";
import type { ModelTranscriber, TranscribeOptions } from "./transcriber.ts";
import { encodeWav } from "./wav.ts";
import { VoiceError, type AudioInput, type Speech, type Synthesizer, type Transcriber, type Transcription } from "./types.ts";

/** Audio a speak request made, as the API answers it. */
export interface SpokenAudio {
  bytes: Uint8Array;
  mime: "audio/ogg" | "audio/wav";
  durationMs: number;
  /** The install target of the voice that spoke. */
  voice: string;
}

export type SpeakFormat = "ogg" | "wav";

/** Speech as a file: OGG/Opus (what channels send) or 16-bit WAV. */
async function encode(speech: Speech, format: SpeakFormat, signal: AbortSignal): Promise<{ bytes: Uint8Array; durationMs: number }> {
  if (format === "ogg") return encodeOggOpus(speech.samples, speech.sampleRate, signal);
  return { bytes: encodeWav(speech.samples, speech.sampleRate), durationMs: Math.round((speech.samples.length / speech.sampleRate) * 1000) };
}

/** Synthesize, then encode as a file: what a speak request answers, with or without a gateway. */
export async function speakWith(synthesizer: Synthesizer, text: string, signal: AbortSignal, opts: { voice?: string; format: SpeakFormat }): Promise<SpokenAudio> {
  const speech = await synthesizer.synthesize(text, signal, opts.voice === undefined ? {} : { voice: opts.voice });
  const { bytes, durationMs } = await encode(speech, opts.format, signal);
  return { bytes, mime: opts.format === "wav" ? "audio/wav" : "audio/ogg", durationMs, voice: speech.voice };
}

export interface GatewayVoice {
  /** `[voice] max_bytes` now: the biggest audio a transcribe request may send. */
  maxBytes(): number;
  transcribe(audio: AudioInput, signal: AbortSignal, opts?: TranscribeOptions): Promise<Transcription>;
  speak(text: string, signal: AbortSignal, opts: { voice?: string; format: SpeakFormat }): Promise<SpokenAudio>;
}

export function gatewayVoice(o: {
  config: () => VoiceConfig;
  transcriber: Transcriber | ModelTranscriber;
  /** The gateway's text to speech (made on first use); absent: none. */
  synthesizer?: () => Synthesizer;
}): GatewayVoice {
  return {
    maxBytes: () => o.config().max_bytes,
    // A Transcriber that cannot pick a model (a test's own) is asked without one.
    transcribe: (audio, signal, opts) => (o.transcriber as ModelTranscriber).transcribe(audio, signal, opts),
    async speak(text, signal, opts) {
      if (!o.synthesizer) throw new VoiceError("voice_unavailable", "this gateway has no text to speech");
      return speakWith(o.synthesizer(), text, signal, opts);
    },
  };
}
