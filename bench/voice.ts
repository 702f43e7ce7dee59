// Voice figures (issue 14): what speech to text costs with the whisper-cli embedded in dist/bosun.
// The models are weightless (test/helpers/whisper-empty-model.ts, shaped like tiny.en and base.en):
// whisper.cpp runs full inference on them, so the timing is the real one, the text is empty.
// The speech is espeak-ng's, cut to exactly 5 s and 30 s and encoded to OGG/Opus as a voice note is.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeAudio } from "../src/core/voice/decode.ts";
import { wav16k } from "../src/core/voice/sidecar.ts";
import { telegramToml } from "../test/e2e/exactly-once-helpers.ts";
import { writeEmptyWhisperModel, type EmptyModelShape } from "../test/helpers/whisper-empty-model.ts";
import { speechDir } from "../test/helpers/speech.ts";
import { TelegramTestServer } from "../test/helpers/telegram-server.ts";
import { idleWindow, mustRun, progress, round, rssMb, sleep, summary } from "./lib.ts";
import { until, type Sandbox } from "./sandbox.ts";
import { benchVoiceGateway } from "./voice-gateway.ts";

const SHAPES: EmptyModelShape[] = ["tiny.en", "base.en"];
const LENGTHS_S = [5, 30];
const THREADS = 2;
const CHAT = 4711;
const TEXT =
  "The harbour master walked along the quay before dawn, counting the boats that had come in overnight and the ones still out at sea. " +
  "A light wind came from the west, carrying the smell of salt and diesel, and somewhere a radio played an old song about leaving home. " +
  "By seven the market was open, the nets were drying on the wall, and the first ferry of the day sounded its horn twice as it left the pier. ";

/** The first `seconds` of a 16-bit mono WAV (espeak-ng's), as a new WAV file. */
function cutWav(wav: Uint8Array, seconds: number): Uint8Array {
  const v = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
  let off = 12;
  let rate = 0;
  while (off + 8 <= wav.length) {
    const id = String.fromCharCode(...wav.subarray(off, off + 4));
    const size = v.getUint32(off + 4, true);
    if (id === "fmt ") rate = v.getUint32(off + 12, true);
    if (id === "data") {
      const want = rate * 2 * seconds;
      const have = Math.min(size, wav.length - off - 8);
      if (!rate || have < want) throw new Error(`espeak-ng's speech is ${(have / 2 / rate).toFixed(1)} s, shorter than ${seconds} s`);
      const out = new Uint8Array(off + 8 + want);
      out.set(wav.subarray(0, off + 8 + want));
      const o = new DataView(out.buffer);
      o.setUint32(4, out.length - 8, true);
      o.setUint32(off + 4, want, true);
      return out;
    }
    off += 8 + size + (size % 2);
  }
  throw new Error("espeak-ng wrote a WAV without a data chunk");
}

/** PIDs of the processes whose parent is `ppid` and whose name is `comm`. */
function children(ppid: number, comm: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === ppid && name === comm) out.push(Number(d));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** A bosun command without blocking the bench's event loop (the Telegram server lives in it). */
function runAsync(bin: string, args: string[], sb: Sandbox, timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: sb.opts.cwd, env: sb.opts.env, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * RTF per model and length (sidecar alone on the decoded WAV, and `bosun transcribe` of the OGG,
 * which adds the CLI, the decode and the WAV write), the OGG decode alone, and the gateway's RSS
 * idle with [voice] configured vs during a Telegram voice note (the sidecar's RSS too).
 */
export async function benchVoice(sb: Sandbox, bin: string, runs: number, idleMs: number, voiceNotes: number) {
  const speech = speechDir();
  try {
    progress("voice: espeak-ng speech, cut to 5 s and 30 s, opusenc");
    const long = speech.read(speech.wav(TEXT + TEXT, "long.wav"));
    const clips: Record<number, { ogg: string; oggBytes: number; wav16: string; audioMs: number }> = {};
    const decodeMs: Record<string, unknown> = {};
    for (const s of LENGTHS_S) {
      const wav = join(speech.dir, `speech-${s}s.wav`);
      writeFileSync(wav, cutWav(long, s));
      const ogg = speech.ogg(wav, `voice-${s}s.ogg`);
      const bytes = speech.read(ogg);
      const times: number[] = [];
      let samples: Float32Array = new Float32Array(0);
      for (let i = 0; i < runs + 2; i++) {
        const t0 = performance.now();
        const pcm = await decodeAudio({ bytes, mime: "audio/ogg" }, new AbortController().signal);
        if (i >= 2) times.push(performance.now() - t0); // two warm-ups: the decoder's wasm compiles once
        samples = pcm.samples;
      }
      const wav16 = join(speech.dir, `speech-${s}s-16k.wav`);
      writeFileSync(wav16, wav16k({ samples }));
      clips[s] = { ogg, oggBytes: bytes.length, wav16, audioMs: Math.round(samples.length / 16) };
      decodeMs[`${s}s`] = { ...summary(times), oggBytes: bytes.length, audioMs: clips[s]!.audioMs };
    }

    const dir = join(sb.env.BOSUN_HOME!, "models", "whisper");
    mkdirSync(dir, { recursive: true });
    const installs = SHAPES.map((shape) => {
      const file = writeEmptyWhisperModel(join(dir, `ggml-bench-${shape}.bin`), shape);
      const b = readFileSync(file);
      return `[[installs.custom]]\ntarget = "whisper:bench-${shape}"\nurl = "http://127.0.0.1:9/ggml-bench-${shape}.bin"\nsize = ${b.length}\nsha256 = "${createHash("sha256").update(b).digest("hex")}"\n`;
    }).join("\n");
    const base = `[agent]\nprovider = "echo"\n\n${installs}`;
    sb.writeConfig(base);

    // The first transcription extracts the embedded whisper-cli into $BOSUN_HOME/bin.
    progress("voice: first `bosun transcribe` (extracts the sidecar)");
    const first = mustRun(bin, ["transcribe", clips[5]!.ogg, "--model", "whisper:bench-tiny.en", "--json"], { ...sb.opts, timeoutMs: 120_000 });
    const cli = join(sb.env.BOSUN_HOME!, "bin", "whisper-cli");
    const version = mustRun(cli, ["--version"], sb.opts);
    const sidecarVersion = `${version.stdout}${version.stderr}`.trim().split("\n")[0] ?? "";

    const rtf: Record<string, Record<string, unknown>> = {};
    for (const shape of SHAPES) {
      rtf[shape] = {};
      const model = join(dir, `ggml-bench-${shape}.bin`);
      for (const s of LENGTHS_S) {
        const clip = clips[s]!;
        progress(`voice: ${shape}, ${s} s: sidecar x${runs}, bosun transcribe x${runs}`);
        const side: number[] = [];
        for (let i = 0; i < runs; i++) {
          const out = join(speech.dir, "out");
          side.push(mustRun(cli, ["-m", model, "-f", clip.wav16, "-oj", "-of", out, "-t", String(THREADS), "-l", "en", "-np"], { ...sb.opts, timeoutMs: 300_000 }).ms);
          const json = JSON.parse(readFileSync(`${out}.json`, "utf8")) as { model?: { audio?: { state?: number } } };
          if (json.model?.audio?.state !== (shape === "tiny.en" ? 384 : 512)) throw new Error(`whisper-cli did not load the ${shape}-shaped model: ${JSON.stringify(json.model)}`);
        }
        const whole: number[] = [];
        for (let i = 0; i < runs; i++) {
          const r = mustRun(bin, ["transcribe", clip.ogg, "--model", `whisper:bench-${shape}`, "--json"], { ...sb.opts, timeoutMs: 300_000 });
          const t = JSON.parse(r.stdout) as { audioMs?: number; model?: string };
          if (t.model !== `whisper:bench-${shape}`) throw new Error(`bosun transcribe used ${t.model}`);
          whole.push(r.ms);
        }
        const ratio = (ms: number[]) => round(summary(ms).median / clip.audioMs);
        rtf[shape][`${s}s`] = { audioMs: clip.audioMs, sidecarMs: summary(side), sidecarRtf: ratio(side), transcribeCliMs: summary(whole), transcribeCliRtf: ratio(whole) };
      }
    }

    progress(`voice: gateway with [voice] and Telegram, ${idleMs / 1000} s idle, then ${voiceNotes} 30 s voice notes`);
    const rss = await gatewayRss(sb, bin, base, readFileSync(clips[30]!.ogg), idleMs, voiceNotes);
    progress(`voice: gateway with [voice] stt and the tone voice: ${idleMs / 1000} s idle, bosun transcribe through it x${runs}, text to speech per sentence`);
    const gateway = await benchVoiceGateway(sb, bin, base, clips[30]!.ogg, runs, idleMs);
    return {
      models: "weightless (whisper.cpp's empty test model format, tiny.en and base.en hyper-parameters): timing only, the text is empty",
      sidecar: sidecarVersion,
      threads: THREADS,
      firstTranscribeMs: round(first.ms),
      decodeMs,
      rtf,
      rss,
      gateway,
    };
  } finally {
    speech.cleanup();
  }
}

/** Gateway VmRSS idle with [voice] set, and its and the sidecar's peak RSS (sampled every 10 ms) during voice notes. */
async function gatewayRss(sb: Sandbox, bin: string, base: string, ogg: Uint8Array, idleMs: number, notes: number) {
  const tg = await TelegramTestServer.start();
  try {
    sb.writeConfig(`${base}\n[voice]\nstt = "whisper:bench-base.en"\n\n${telegramToml(tg)}`);
    const up = await runAsync(bin, ["up", "--detach", "--json", "--config", sb.config], sb);
    const msg = JSON.parse(up.stdout || "{}") as { ready?: boolean; pid?: number };
    if (up.code !== 0 || !msg.ready || typeof msg.pid !== "number") throw new Error(`up --detach failed: ${up.stdout} ${up.stderr}`);
    const pid = msg.pid;
    sb.pid = pid;
    await until("telegram adapter polling", () => tg.requests.some((r) => r.method === "getUpdates"), 30_000, 10);
    const idle = await idleWindow(pid, idleMs);
    const during: Array<{ replyMs: number; gatewayPeakMb: number; sidecarPeakMb: number }> = [];
    let reply = "";
    for (let i = 0; i < notes; i++) {
      const sentBefore = tg.sent.length;
      const t0 = performance.now();
      tg.pushVoice({ chatId: CHAT, bytes: ogg, duration: 30 });
      let gw = 0;
      let side = 0;
      while (tg.sent.length === sentBefore) {
        if (performance.now() - t0 > 120_000) throw new Error("no reply to the voice note within 120 s");
        gw = Math.max(gw, rssMb(pid));
        for (const c of children(pid, "whisper-cli")) {
          try {
            side = Math.max(side, rssMb(c));
          } catch {
            // it finished between the listing and the read
          }
        }
        await sleep(10);
      }
      reply = tg.sent[tg.sent.length - 1]!.text;
      if (side === 0) throw new Error("no whisper-cli child of the gateway was seen during the voice note");
      during.push({ replyMs: round(performance.now() - t0), gatewayPeakMb: round(gw), sidecarPeakMb: round(side) });
      await sleep(500);
    }
    await sleep(2_000);
    const after = round(rssMb(pid));
    const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    const down = await runAsync(bin, ["down"], sb);
    if (down.code === 0) sb.pid = null;
    return {
      model: "whisper:bench-base.en",
      audioSeconds: 30,
      idleWindowSec: idleMs / 1000,
      idleRssMb: idle.rssMb,
      idleCpuPercent: idle.cpuPercent,
      voiceNotes: during,
      gatewayPeakDuringMb: Math.max(...during.map((d) => d.gatewayPeakMb)),
      sidecarPeakDuringMb: Math.max(...during.map((d) => d.sidecarPeakMb)),
      gatewayAfterMb: after,
      gatewayHwmMb: hwm ? round(Number(hwm[1]) / 1024) : null,
      replySample: reply.slice(0, 160),
    };
  } finally {
    if (sb.pid !== null) await runAsync(bin, ["down"], sb).catch(() => {});
    await tg.stop();
  }
}
