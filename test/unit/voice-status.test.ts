import { expect, test } from "bun:test";
import { voiceSchema } from "../../src/core/config/voice-schema.ts";
import { EventBus } from "../../src/core/events.ts";
import type { ModelSource } from "../../src/core/voice/model.ts";
import { trackVoiceStatus } from "../../src/core/voice/voice-status.ts";
import { waitUntil } from "../helpers/wait.ts";

// Nothing installed: the status says so (null and null).
const none = { entries: () => [], entry: () => undefined, status: async () => ({ state: "absent" }), filePaths: () => [] } as unknown as ModelSource;

test("a refresh that fails does not stop the voice status: the next change updates it, and nothing is left unhandled", async () => {
  const bus = new EventBus();
  const states: unknown[] = [];
  bus.onType("voice.state", (e) => states.push(e.voice));
  const warnings: string[] = [];
  let broken = true;
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);
  process.on("unhandledRejection", onUnhandled);
  try {
    const config = () => {
      if (broken) throw new Error("config half-loaded");
      return voiceSchema.parse({});
    };
    const t = trackVoiceStatus({ bus, installs: none, config, sidecar: true, warn: (m) => warnings.push(m) });
    await waitUntil(() => warnings.length === 1, "the first pass to fail");
    expect(warnings[0]).toBe("voice status not updated: config half-loaded");
    expect(states).toEqual([]);
    broken = false;
    await t.refresh();
    expect(states).toEqual([{ stt: null, tts: null, sidecar: true }]);
    t.stop();
    // Give a stray rejection its turn to surface.
    await new Promise((r) => setImmediate(r));
    expect(unhandled).toEqual([]);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});
