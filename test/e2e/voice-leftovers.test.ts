// kill -9 of dist/bosun in the middle of a transcription: the whisper-cli it ran and the temp dir
// holding the voice note's WAV outlive it. The next start must remove both (and nothing else).
// The weightless base.en-shaped model makes a run of a few minutes' audio last seconds.
import { afterEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { processAlive } from "../../src/core/util/process.ts";
import { wav16k } from "../../src/core/voice/sidecar.ts";
import { sandbox } from "../helpers/bosun.ts";
import { TelegramTestServer } from "../helpers/telegram-server.ts";
import { waitUntil } from "../helpers/wait.ts";
import { writeEmptyWhisperModel } from "../helpers/whisper-empty-model.ts";
import { kill9, telegramToml, upDetached } from "./exactly-once-helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

/** whisper-cli processes running on `model`, with their argv. */
function sidecars(model: string): Array<{ pid: number; argv: string[] }> {
  const out: Array<{ pid: number; argv: string[] }> = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0");
      if (argv[0]?.endsWith("/whisper-cli") && argv.includes(model)) out.push({ pid: Number(p), argv });
    } catch {
      // Gone already.
    }
  }
  return out;
}

describe("a gateway killed mid-transcription", () => {
  test("the next start kills the orphaned whisper-cli and removes its temp dir; the note is still answered", async () => {
    const tg = await TelegramTestServer.start();
    const sb = sandbox();
    cleanups.push(() => tg.stop(), () => sb.runAsync(["down"], { timeoutMs: 15_000 }));
    const dir = join(sb.home, "models", "whisper");
    mkdirSync(dir, { recursive: true });
    const model = writeEmptyWhisperModel(join(dir, "ggml-empty.bin"), "base.en");
    const bytes = readFileSync(model);
    const installs = `[[installs.custom]]\ntarget = "whisper:empty"\nurl = "http://127.0.0.1:9/ggml-empty.bin"\nsize = ${bytes.length}\nsha256 = "${createHash("sha256").update(bytes).digest("hex")}"\n`;
    sb.writeConfig(`[agent]\nprovider = "echo"\n[gateway]\nheartbeat_ms = 200\n[voice]\ntimeout_ms = 600000\n${installs}${telegramToml(tg)}`);
    await upDetached(sb);
    // 120 s of a tone: a long run for the sidecar (the model hears nothing in it).
    const note = wav16k({ samples: new Float32Array(120 * 16_000).map((_, i) => 0.1 * Math.sin(i / 10)) });
    cleanups.push(() => sidecars(model).forEach((s) => process.kill(s.pid, "SIGKILL")));
    tg.pushVoice({ chatId: 77, bytes: note, duration: 1, mimeType: "audio/wav" });
    const [orphan] = await waitUntil(() => (sidecars(model).length ? sidecars(model) : null), "whisper-cli to start", 30_000, 5);
    const workDir = join(orphan!.argv[orphan!.argv.indexOf("-f") + 1]!, "..");
    await kill9(sb);
    // What kill -9 leaves: the sidecar still running, its dir with the note's WAV.
    expect(processAlive(orphan!.pid, null)).toBe(true);
    expect(existsSync(workDir)).toBe(true);

    await upDetached(sb);
    // Swept during the start, before the gateway said it was up.
    expect(processAlive(orphan!.pid, null)).toBe(false);
    expect(existsSync(workDir)).toBe(false);
    // The note, kept by the inbox, is transcribed again and answered (nothing was heard in it).
    const reply = await tg.waitForSent((m) => m.chatId === 77, 120_000);
    expect(reply.text).toBeDefined();
    await waitUntil(() => sidecars(model).length === 0, "the new run to end", 30_000, 20);
    expect(readdirSync(join(sb.home, "run", "whisper"))).toEqual([]);
  }, 180_000);
});
