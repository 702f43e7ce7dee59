// Voice through a running gateway (issue 14): the gateway's RSS with voice idle, during a
// `bosun transcribe` that goes through it (the sidecar's too), and after it has spoken; and text to
// speech time per sentence with the test tone voice (test/helpers/tone-voice.ts), over the control
// API (synthesis + OGG/Opus encoding in the gateway) and as whole `bosun speak` commands.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ControlClient } from "../src/core/control/client.ts";
import { pathsFor } from "../src/core/paths.ts";
import { installToneVoice } from "../test/helpers/tone-voice.ts";
import { idleWindow, mustRun, round, rssMb, sleep, summary } from "./lib.ts";
import type { Sandbox } from "./sandbox.ts";

export const SENTENCES = [
  "The harbour master walked along the quay before dawn.",
  "A light wind came from the west, carrying the smell of salt.",
  "By seven the market was open and the nets were drying on the wall.",
  "The first ferry of the day sounded its horn twice as it left the pier.",
  "Somewhere a radio played an old song about leaving home.",
];

/** whisper-cli processes whose parent is `ppid`. */
function sidecars(ppid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (name === "whisper-cli" && Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === ppid) out.push(Number(d));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** Run a command to its end while sampling the gateway's and its sidecars' RSS every 10 ms. */
async function sampled(bin: string, args: string[], sb: Sandbox, pid: number): Promise<{ ms: number; stdout: string; gatewayPeakMb: number; sidecarPeakMb: number }> {
  const t0 = performance.now();
  const child = spawn(bin, args, { cwd: sb.opts.cwd, env: sb.opts.env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  let done: number | null | undefined;
  child.on("close", (code) => (done = code));
  let gw = 0;
  let side = 0;
  while (done === undefined) {
    gw = Math.max(gw, rssMb(pid));
    for (const c of sidecars(pid)) {
      try {
        side = Math.max(side, rssMb(c));
      } catch {
        // finished between the listing and the read
      }
    }
    await sleep(10);
  }
  if (done !== 0) throw new Error(`${args.join(" ")} failed (${done}): ${stderr}`);
  return { ms: round(performance.now() - t0), stdout, gatewayPeakMb: round(gw), sidecarPeakMb: round(side) };
}

/**
 * A gateway with `[voice] stt` (a weightless base.en-shaped model, `base` holds its install) and
 * the tone voice: idle RSS, then `runs` transcriptions of `ogg` through it, then text to speech.
 */
export async function benchVoiceGateway(sb: Sandbox, bin: string, base: string, ogg: string, runs: number, idleMs: number) {
  const tone = installToneVoice(sb.env.BOSUN_HOME!, "bench-tone");
  sb.writeConfig(`${base}\n${tone.toml}\n[voice]\nstt = "whisper:bench-base.en"\ntts = "${tone.target}"\n`);
  const up = mustRun(bin, ["up", "--detach", "--json", "--config", sb.config], { ...sb.opts, timeoutMs: 60_000 });
  const pid = (JSON.parse(up.stdout) as { pid: number }).pid;
  sb.pid = pid;
  try {
    const idle = await idleWindow(pid, idleMs);
    const transcribe: Array<{ ms: number; gatewayPeakMb: number; sidecarPeakMb: number }> = [];
    for (let i = 0; i < runs; i++) {
      const r = await sampled(bin, ["transcribe", ogg, "--json"], sb, pid);
      if ((JSON.parse(r.stdout) as { model?: string }).model !== "whisper:bench-base.en") throw new Error(`transcribe through the gateway used another model: ${r.stdout}`);
      transcribe.push({ ms: r.ms, gatewayPeakMb: r.gatewayPeakMb, sidecarPeakMb: r.sidecarPeakMb });
    }
    const log = readFileSync(join(sb.env.BOSUN_HOME!, "logs", "bosun.log"), "utf8");
    if (!log.includes("voice: transcribed")) throw new Error("bosun transcribe did not go through the gateway");
    await sleep(1_000);
    const afterTranscribeMb = round(rssMb(pid));

    // Text to speech over the control API: the first sentence loads onnxruntime and the voice.
    const client = ControlClient.connect(pathsFor(sb.env.BOSUN_HOME!));
    const api: Array<{ chars: number; ms: number; audioMs: number; oggBytes: number }> = [];
    let ttsPeak = 0;
    for (let round_ = 0; round_ < runs; round_++) {
      for (const text of SENTENCES) {
        const t0 = performance.now();
        const spoken = await client.speak({ text });
        api.push({ chars: text.length, ms: performance.now() - t0, audioMs: spoken.durationMs, oggBytes: spoken.bytes.length });
        ttsPeak = Math.max(ttsPeak, rssMb(pid));
      }
    }
    const warm = api.slice(1);
    const cli: number[] = [];
    for (let i = 0; i < runs; i++) cli.push(mustRun(bin, ["speak", SENTENCES[i % SENTENCES.length]!, "--out", join(sb.dir, `s${i}.ogg`)], { ...sb.opts, timeoutMs: 60_000 }).ms);
    await sleep(1_000);
    return {
      voice: `${tone.target} (test tone voice: one 50 ms sine per phoneme id, a few KB of ONNX; a real Piper voice's inference costs far more)`,
      stt: "whisper:bench-base.en",
      idleRssMb: idle.rssMb,
      idleCpuPercent: idle.cpuPercent,
      transcribeThroughGateway: {
        audioSeconds: 30,
        runs: transcribe,
        gatewayPeakMb: Math.max(...transcribe.map((t) => t.gatewayPeakMb)),
        sidecarPeakMb: Math.max(...transcribe.map((t) => t.sidecarPeakMb)),
        cliMs: summary(transcribe.map((t) => t.ms)),
      },
      afterTranscribeRssMb: afterTranscribeMb,
      tts: {
        sentences: SENTENCES.length * runs,
        firstSentenceMs: round(api[0]!.ms),
        perSentenceMs: summary(warm.map((a) => a.ms)),
        msPerAudioSecond: round(warm.reduce((n, a) => n + a.ms, 0) / (warm.reduce((n, a) => n + a.audioMs, 0) / 1000)),
        speakCliMs: summary(cli),
        gatewayPeakMb: round(ttsPeak),
      },
      afterSpeakRssMb: round(rssMb(pid)),
    };
  } finally {
    const down = mustRun(bin, ["down"], { ...sb.opts, timeoutMs: 30_000 });
    if (down.code === 0) sb.pid = null;
  }
}
