/**
 * The gateway's speech to text for voice messages: the bundled whisper sidecar with the installed
 * model, config read per call (a reload applies to the next voice message, max_concurrent included).
 */
import type { VoiceConfig } from "../config/voice-schema.ts";
import { createAudioDecoder } from "./decode.ts";
import { installsOnceStarted } from "./installs-at-start.ts";
import { pickWhisperModel, type ModelSource } from "./model.ts";
import { bundledSidecar } from "./sidecar.ts";
import { WhisperTranscriber, type ModelTranscriber } from "./transcriber.ts";

export function gatewayTranscriber(o: {
  binDir: string;
  env: Record<string, string | undefined>;
  config: () => VoiceConfig;
  /** The installer; at start-up it resolves once the gateway has one (stored voice messages are answered before that). */
  installs: () => Promise<ModelSource>;
}): ModelTranscriber {
  const sidecar = bundledSidecar(o.binDir, o.config().max_concurrent);
  // At start: what a killed gateway left (its temp dirs, a whisper-cli still running) goes now.
  sidecar.sweep();
  return new WhisperTranscriber({
    sidecar,
    decode: (audio, signal) => createAudioDecoder({ maxSeconds: o.config().max_seconds, env: o.env })(audio, signal),
    model: async (wanted) => pickWhisperModel(await installsOnceStarted(o.installs), wanted ?? o.config().stt),
    config: o.config,
  });
}
