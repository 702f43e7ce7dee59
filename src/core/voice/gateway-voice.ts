/**
 * The gateway's voice, as the control API offers it (`POST /v1/voice/transcribe`, `/v1/voice/speak`):
 * the very Transcriber voice messages use (so API transcriptions wait for the same
 * `[voice] max_concurrent` slots) and the gateway's Synthesizer.
 */
import type { VoiceConfig } from "../config/voice-schema.ts";
import type { ModelTranscriber, TranscribeOptions } from "./transcriber.ts";
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

/** Speech to a file: OGG/Opus (what channels send) or WAV. */
export type SpeechEncoder = (speech: Speech, format: SpeakFormat, signal: AbortSignal) => Promise<Uint8Array>;

export interface GatewayVoice {
  /** `[voice] max_bytes` now: the biggest audio a transcribe request may send. */
  maxBytes(): number;
  transcribe(audio: AudioInput, signal: AbortSignal, opts?: TranscribeOptions): Promise<Transcription>;
  speak(text: string, signal: AbortSignal, opts: { voice?: string; format: SpeakFormat }): Promise<SpokenAudio>;
}

export function gatewayVoice(o: {
  config: () => VoiceConfig;
  transcriber: Transcriber | ModelTranscriber;
  /** Absent while this build has no text to speech. */
  speech?: { synthesizer: Synthesizer; encode: SpeechEncoder } | undefined;
}): GatewayVoice {
  return {
    maxBytes: () => o.config().max_bytes,
    // A Transcriber that cannot pick a model (a test's own) is asked without one.
    transcribe: (audio, signal, opts) => (o.transcriber as ModelTranscriber).transcribe(audio, signal, opts),
    async speak(text, signal, opts) {
      if (!o.speech) throw new VoiceError("voice_unavailable", "this gateway has no text to speech");
      const speech = await o.speech.synthesizer.synthesize(text, signal, opts.voice === undefined ? {} : { voice: opts.voice });
      const bytes = await o.speech.encode(speech, opts.format, signal);
      return { bytes, mime: opts.format === "wav" ? "audio/wav" : "audio/ogg", durationMs: Math.round((speech.samples.length / speech.sampleRate) * 1000), voice: speech.voice };
    },
  };
}
