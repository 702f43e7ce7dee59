/**
 * Speech to text: size check, model pick, then in one sidecar slot: decode to 16 kHz mono (the
 * decoder refuses what is longer than max_seconds) and the sidecar run.
 * Config is read per call, so a reload applies to the next voice message.
 */
import type { VoiceConfig } from "../config/voice-schema.ts";
import type { WhisperModel } from "./model.ts";
import { whisperLanguage } from "./model.ts";
import type { WhisperSidecar } from "./sidecar.ts";
import { VoiceError, type AudioDecoder, type AudioInput, type Transcriber, type Transcription } from "./types.ts";

export interface WhisperTranscriberOptions {
  sidecar: WhisperSidecar;
  decode: AudioDecoder;
  /** The model to use: pickWhisperModel with `wanted` (a --model or `?model=`), else `[voice] stt`. */
  model: (wanted?: string) => Promise<WhisperModel>;
  config: () => Pick<VoiceConfig, "language" | "timeout_ms" | "max_seconds" | "max_bytes"> & Partial<Pick<VoiceConfig, "max_concurrent">>;
}

/** What one call may choose: the model (an install target "whisper:ID"), instead of the configured one. */
export interface TranscribeOptions {
  model?: string;
}

/** A Transcriber whose caller may name the model (`bosun transcribe --model`, the control API's `?model=`). */
export interface ModelTranscriber extends Transcriber {
  transcribe(audio: AudioInput, signal: AbortSignal, opts?: TranscribeOptions): Promise<Transcription>;
}

export class WhisperTranscriber implements ModelTranscriber {
  constructor(private readonly opts: WhisperTranscriberOptions) {}

  async transcribe(audio: AudioInput, signal: AbortSignal, call: TranscribeOptions = {}): Promise<Transcription> {
    const cfg = this.opts.config();
    // A reload's max_concurrent applies from this message on (more slots also wake those already waiting).
    if (cfg.max_concurrent !== undefined) this.opts.sidecar.setMaxConcurrent(cfg.max_concurrent);
    if (audio.bytes.length > cfg.max_bytes) throw new VoiceError("voice_too_long", `the audio is ${audio.bytes.length} bytes, more than the ${cfg.max_bytes} allowed ([voice] max_bytes)`);
    // Unavailable and no-model come first: no point decoding what cannot be transcribed.
    this.opts.sidecar.checkBuilt();
    const model = await this.opts.model(call.model);
    let audioMs = 0;
    // Decoded inside the sidecar's slot: max_concurrent bounds decoding too (ten voice notes at once decode one at a time).
    // max_seconds is the decoder's to check (it stops decoding there, before the samples pile up).
    const decode = async () => {
      const pcm = await this.opts.decode(audio, signal);
      audioMs = Math.round(pcm.samples.length / 16);
      return pcm;
    };
    const r = await this.opts.sidecar.run(decode, { modelPath: model.path, language: whisperLanguage(model.target, cfg.language), timeoutMs: cfg.timeout_ms, signal });
    return { ...r, audioMs, model: model.target };
  }
}
