/**
 * The gateway's speech to text for voice messages: the bundled whisper sidecar with the installed
 * model, config read per call (a reload applies to the next voice message, except max_concurrent).
 */
import type { VoiceConfig } from "../config/voice-schema.ts";
import { createAudioDecoder } from "./decode.ts";
import { pickWhisperModel, type ModelSource } from "./model.ts";
import { bundledSidecar } from "./sidecar.ts";
import { WhisperTranscriber } from "./transcriber.ts";
import { VoiceError, type Transcriber } from "./types.ts";

export function gatewayTranscriber(o: {
  binDir: string;
  env: Record<string, string | undefined>;
  config: () => VoiceConfig;
  /** The installer, once the gateway has one (null while it starts). */
  installs: () => ModelSource | null;
}): Transcriber {
  const sidecar = bundledSidecar(o.binDir, o.config().max_concurrent);
  return new WhisperTranscriber({
    sidecar,
    decode: (audio, signal) => createAudioDecoder({ maxSeconds: o.config().max_seconds, env: o.env })(audio, signal),
    model: () => {
      const installs = o.installs();
      if (!installs) throw new VoiceError("voice_failed", "the gateway is still starting", "send it again in a moment");
      return pickWhisperModel(installs, o.config().stt);
    },
    config: o.config,
  });
}
