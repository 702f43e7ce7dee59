/**
 * The gateway's text to speech: the installed Piper voice under the embedded onnxruntime, config
 * read per call (a reload applies to the next reply), and speakReply = the reply's Markdown made
 * speakable, synthesized, then encoded as an OGG/Opus voice note.
 */
import { dirname, join } from "node:path";
import type { VoiceConfig } from "../../config/voice-schema.ts";
import type { ModelSource } from "../model.ts";
import { encodeOggOpus } from "../ogg-opus-encode.ts";
import { VoiceError, type SpeakReply, type Synthesizer } from "../types.ts";
import { spokenText } from "./spoken-text.ts";
import { PiperSynthesizer } from "./synthesizer.ts";

/** How long a reply spoken at start waits for the installer. */
const START_WAIT_MS = 30_000;

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
    installs: async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new VoiceError("voice_failed", "the gateway is still starting")), START_WAIT_MS);
      });
      try {
        return await Promise.race([o.installs(), late]);
      } finally {
        clearTimeout(timer);
      }
    },
  });
  const speakReply: SpeakReply = async (text, signal) => {
    const speech = await synthesizer.synthesize(spokenText(text), signal);
    const { bytes, durationMs } = await encodeOggOpus(speech.samples, speech.sampleRate, signal);
    return { bytes, mime: "audio/ogg", durationMs };
  };
  return { synthesizer, speakReply };
}
