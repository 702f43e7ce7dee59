/**
 * The voice contract. Speech to text: channels hand over a reference to a voice message; the
 * runtime fetches its bytes through the channel, decodes them to 16 kHz mono and transcribes them
 * (installed Whisper model, whisper.cpp sidecar) before the turn. Text to speech: an installed
 * Piper voice (onnxruntime + espeak phonemes, in process) speaks a reply; it is encoded as an
 * OGG/Opus voice note and sent after the reply's text (the text always goes first: nothing is
 * lost when the audio fails).
 */
import { BosunError, ExitCode } from "../errors.ts";

/** Audio as a channel or a file gave it. */
export interface AudioInput {
  bytes: Uint8Array;
  /** "audio/ogg", "audio/wav", "audio/mpeg"...; guessed from the bytes when absent. */
  mime?: string;
  /** A file name, for messages ("voice.oga"). */
  name?: string;
}

/** 16 kHz mono samples in [-1, 1]: what whisper.cpp takes. */
export interface Pcm16k {
  samples: Float32Array;
}

export interface TranscriptSegment {
  startMs: number;
  endMs: number;
  text: string;
}

export interface Transcription {
  /** The whole text, trimmed. Empty when nothing was heard. */
  text: string;
  /** The language whisper detected or was told ("en"); null when it did not say. */
  language: string | null;
  segments: TranscriptSegment[];
  /** Length of the audio. */
  audioMs: number;
  /** The install target of the model that was used ("whisper:base.en"). */
  model: string;
}

/** Speech to text. Throws a VoiceError for every expected failure, with a message for the user. */
export interface Transcriber {
  transcribe(audio: AudioInput, signal: AbortSignal): Promise<Transcription>;
}

/** Decode any supported audio (OGG/Opus, WAV; anything else through ffmpeg when present) to 16 kHz mono. */
export type AudioDecoder = (audio: AudioInput, signal: AbortSignal) => Promise<Pcm16k>;

export type VoiceErrorCode =
  /** No sidecar in this build (no compiler at build time), or it cannot run here. */
  | "voice_unavailable"
  /** No Whisper model installed (the hint names the install command). */
  | "voice_no_model"
  /** The audio cannot be decoded (corrupt, or a format with no decoder here). */
  | "voice_decode"
  /** Longer than [voice] max_seconds, or bigger than the size limit. */
  | "voice_too_long"
  /** The sidecar failed or timed out. */
  | "voice_failed";

/** An expected voice failure: its message is what the user is told ("I couldn't understand the voice message: <message>"). */
export class VoiceError extends BosunError<VoiceErrorCode> {
  constructor(code: VoiceErrorCode, message: string, hint?: string) {
    super(code, message, { exitCode: ExitCode.failed, ...(hint ? { hint } : {}) });
    this.name = "VoiceError";
  }
}

/** A voice message a channel received: how to fetch it again (the reference survives a restart). */
export interface VoiceRef {
  /** The channel's own handle (Telegram's file_id): what the adapter's fetchAudio takes. */
  ref: string;
  mime?: string;
  durationS?: number;
  sizeBytes?: number;
}

/** Mono speech as a Piper voice produced it, in [-1, 1], at the voice's own rate (22,050 Hz for most). */
export interface Speech {
  samples: Float32Array;
  sampleRate: number;
  /** The install target of the voice that spoke ("piper:en_US-lessac-medium"). */
  voice: string;
}

/** Text to speech. Throws a VoiceError for every expected failure (voice_unavailable, voice_no_model, voice_failed). */
export interface Synthesizer {
  /** `voice`: an install target ("piper:ID"); absent = `[voice] tts`, else the first installed Piper voice. */
  synthesize(text: string, signal: AbortSignal, opts?: { voice?: string }): Promise<Speech>;
}

/** A spoken reply as channels send it: an OGG/Opus file (what Telegram's sendVoice takes and browsers play). */
export interface VoiceNote {
  bytes: Uint8Array;
  mime: "audio/ogg";
  durationMs: number;
}

/** Text to a voice note ready to send (synthesize, then encode): what the outbox calls for a spoken reply. */
export type SpeakReply = (text: string, signal: AbortSignal) => Promise<VoiceNote>;
