/**
 * The gateway's text to speech: the installed Piper voice under the embedded onnxruntime, config
 * read per call (a reload applies to the next reply), and speakReply = the reply's Markdown made
 * speakable, then spoken as a speak request would be, as an OGG/Opus voice note.
 */
import { dirname, join } from "node:path";
import type { VoiceConfig } from "../../config/voice-schema.ts";
import { speakWith } from "../gateway-voice.ts";
import { installsOnceStarted } from "../installs-at-start.ts";
import type { ModelSource } from "../model.ts";
import type { SpeakReply, Synthesizer } from "../types.ts";
import { spokenText } from "./spoken-text.ts";
import { PiperSynthesizer } from "./synthesizer.ts";

export function gatewaySpeech(o: {
  binDir: string;
  /** `$BOSUN_HOME/lib`; next to binDir by default. */
  libDir?: string;
  env: Record<string, string | undefined>;
  config: () => VoiceConfig;
  /** The installer; at start-up it resolves once the gateway has one. */
  installs: () => Promise<ModelSource>;
}): { synthesizer: Synthesizer; speakReply: SpeakReply } {
  const synthesizer = new PiperSynthesizer({
    libDir: o.libDir ?? join(dirname(o.binDir), "lib"),
    config: o.config,
    installs: () => installsOnceStarted(o.installs),
  });
  const speakReply: SpeakReply = async (text, signal) => {
    const { bytes, durationMs } = await speakWith(synthesizer, spokenText(text), signal, { format: "ogg" });
    return { bytes, mime: "audio/ogg", durationMs };
  };
  return { synthesizer, speakReply };
}
