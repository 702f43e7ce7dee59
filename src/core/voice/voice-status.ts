/**
 * The status's `voice` object: which Whisper model a voice message would be transcribed with (and
 * which Piper voice would speak), kept current as installs come and go and the config changes.
 * Worked out off the event path (picking a model may verify its file), one pass at a time.
 */
import type { VoiceConfig } from "../config/voice-schema.ts";
import type { EventBus } from "../events.ts";
import { errorMessage } from "../errors.ts";
import { pickWhisperModel, type ModelSource } from "./model.ts";
import { pickPiperVoice } from "./tts/voice.ts";

export interface VoiceStatusOptions {
  bus: EventBus;
  installs: ModelSource;
  config: () => VoiceConfig;
  /** Whether this build has the whisper sidecar. */
  sidecar: boolean;
  /** Told why a pass failed (the status keeps its last answer; the next change tries again). */
  warn?: (message: string) => void;
}

/** The model and the voice `[voice]` would use now (null: none installed), as `bosun status` shows them with no gateway too. */
export async function voiceNow(installs: ModelSource, config: Pick<VoiceConfig, "stt" | "tts">): Promise<{ stt: string | null; tts: string | null }> {
  const none = () => null;
  const stt = await pickWhisperModel(installs, config.stt).then((m) => m.target, none);
  const tts = await pickPiperVoice(installs, config.tts).then((v) => v.target, none);
  return { stt, tts };
}

/** Starts tracking; returns `refresh` (call it after a config reload) and `stop`. */
export function trackVoiceStatus(o: VoiceStatusOptions): { refresh(): Promise<void>; stop(): void } {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const pass = async () => {
    const voice = await voiceNow(o.installs, o.config());
    if (!stopped) o.bus.emit({ type: "voice.state", voice: { ...voice, sidecar: o.sidecar } });
  };
  const refresh = (): Promise<void> => {
    if (running) {
      // A change during a pass gets one more pass after it (several coalesce into one).
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          // One failing pass must not end the tracking: the next change is worked out again.
          await pass().catch((err) => o.warn?.(`voice status not updated: ${errorMessage(err)}`));
        } while (again && !stopped);
      } finally {
        running = null;
      }
    })();
    return running;
  };
  // Only a model or voice that became (or stopped being) usable changes the answer, not progress.
  const off = o.bus.onType("install.state", (e) => {
    if (!e.install.target.startsWith("whisper:") && !e.install.target.startsWith("piper:")) return;
    if (e.install.state === "installing" || e.install.state === "queued") return;
    void refresh();
  });
  const offRemoved = o.bus.onType("install.removed", () => void refresh());
  void refresh();
  return {
    refresh,
    stop() {
      stopped = true;
      off();
      offRemoved();
    },
  };
}
