import type { LoadedConfig } from "../core/config/load.ts";
import type { SpeakRequest, SpokenAudio, TranscribeRequest } from "../core/control/api.ts";
import type { Installer } from "../core/installs/installer.ts";
import { createAudioDecoder } from "../core/voice/decode.ts";
import { pickWhisperModel } from "../core/voice/model.ts";
import { bundledSidecar } from "../core/voice/sidecar.ts";
import { WhisperTranscriber } from "../core/voice/transcriber.ts";
import type { Transcription } from "../core/voice/types.ts";
import type { CliContext } from "./context.ts";

/**
 * Speech to text with no gateway: the bundled sidecar and the installed model in this process,
 * configured as the gateway's would be (`bosun transcribe` when none runs).
 */
export function offlineTranscribe(ctx: CliContext, loaded: LoadedConfig, installer: () => Promise<Installer>, req: TranscribeRequest, signal: AbortSignal): Promise<Transcription> {
  const voice = loaded.config.voice;
  const transcriber = new WhisperTranscriber({
    sidecar: bundledSidecar(ctx.paths.bin, voice.max_concurrent),
    decode: createAudioDecoder({ maxSeconds: voice.max_seconds, env: ctx.env }),
    model: async (wanted) => pickWhisperModel(await installer(), wanted ?? voice.stt),
    config: () => voice,
  });
  return transcriber.transcribe(req.audio, signal, req.model === undefined ? {} : { model: req.model });
}

/** Text to speech with no gateway: the installed Piper voice under onnxruntime in this process. */
export async function offlineSpeak(ctx: CliContext, loaded: LoadedConfig, installer: () => Promise<Installer>, req: SpeakRequest, signal: AbortSignal): Promise<SpokenAudio> {
  const [{ PiperSynthesizer }, { speakWith }] = await Promise.all([import("../core/voice/tts/synthesizer.ts"), import("../core/voice/gateway-voice.ts")]);
  const synthesizer = new PiperSynthesizer({ libDir: ctx.paths.lib, installs: installer, config: () => loaded.config.voice });
  return speakWith(synthesizer, req.text, signal, { format: req.format ?? "ogg", ...(req.voice === undefined ? {} : { voice: req.voice }) });
}
