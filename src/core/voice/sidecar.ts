/**
 * The whisper.cpp sidecar: the whisper-cli embedded in dist/bosun, extracted once into
 * $BOSUN_HOME/bin (checked by sha256, 0700) and run as one subprocess per transcription, with a
 * timeout and a cap on how many run at once (each one uses the CPU fully). whisper-cli reads a
 * 16 kHz WAV and writes JSON (`-oj -of`), both in a private temp dir removed afterwards.
 */
import { createHash } from "node:crypto";
import { chmodSync, existsSync, lstatSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { AbortedError } from "../util/abort.ts";
import { ensurePrivateDir } from "../util/fsx.ts";
import { Semaphore } from "../util/semaphore.ts";
import { spawnBounded } from "../util/spawn.ts";
import { escapeControls } from "../util/text.ts";
import { embeddedSidecar, sidecarDisabledReason, type EmbeddedSidecar } from "./embedded-sidecar.ts";
import { makeRunDir, sweepRunDirs } from "./leftovers.ts";
import { VoiceError, type Pcm16k, type TranscriptSegment } from "./types.ts";
import { encodeWav } from "./wav.ts";

export interface SidecarOptions {
  /** The binary this build embeds; null when it was built without one. */
  embedded: EmbeddedSidecar | null;
  /** Why there is none (shown in the voice_unavailable message). */
  disabledReason?: string | null;
  /** `$BOSUN_HOME/bin`. */
  binDir: string;
  /** `[voice] max_concurrent`. */
  maxConcurrent: number;
  /**
   * Where the WAV and JSON of a run go (a private dir named after this process is made inside);
   * `$BOSUN_HOME/run/whisper` by default: not /tmp, so what a killed gateway left is found and
   * removed at the next start (leftovers.ts).
   */
  tmpDir?: string;
  /** whisper-cli threads; the cores, at most 4, by default. */
  threads?: number;
  /** The text of /proc/cpuinfo, or null where there is none (tests pass another CPU's). */
  cpuinfo?: () => string | null;
}

export interface SidecarRun {
  /** The ggml model file. */
  modelPath: string;
  /** "en", "de"... or "auto" (detect). */
  language: string;
  timeoutMs: number;
  signal: AbortSignal;
}

export interface SidecarResult {
  text: string;
  language: string | null;
  segments: TranscriptSegment[];
}

const STDERR_KEEP = 4096;
const STDERR_SHOW = 400;

/**
 * The CPU features the bundled whisper-cli is compiled to use (scripts/whisper-sidecar.ts's
 * portable baseline): without them it dies with SIGILL at its first vector instruction, while
 * `--version` still runs.
 */
const NEEDED_FLAGS = ["avx2", "fma", "f16c"] as const;

function readCpuinfo(): string | null {
  if (process.arch !== "x64") return null;
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return null;
  }
}

/** The one line a user reads when this CPU cannot run the sidecar. */
function cpuLacks(missing: readonly string[]): VoiceError {
  const names = missing.map((f) => f.toUpperCase()).join(", ");
  return new VoiceError("voice_unavailable", `this CPU lacks ${names}; voice needs a CPU with AVX2, FMA and F16C (Intel Haswell, AMD Excavator or newer)`);
}
export class WhisperSidecar {
  #slots: Semaphore;
  constructor(private readonly opts: SidecarOptions) {
    this.#slots = new Semaphore(opts.maxConcurrent);
  }

  /** Whether this build has a sidecar at all. */
  get built(): boolean {
    return this.opts.embedded !== null;
  }

  get #runRoot(): string {
    return this.opts.tmpDir ?? join(dirname(this.opts.binDir), "run", "whisper");
  }

  /**
   * Remove what a killed bosun left: run dirs whose owner is gone, after killing a whisper-cli
   * still working in one. The gateway sweeps at start; a sidecar also does before its first run.
   */
  sweep(): { dirs: number; processes: number } {
    this.#swept = true;
    return sweepRunDirs(this.#runRoot, join(this.opts.binDir, "whisper-cli"));
  }
  #swept = false;

  /** `[voice] max_concurrent` changed (config reload). */
  setMaxConcurrent(n: number): void {
    this.#slots.resize(n);
  }

  /**
   * The path of the extracted whisper-cli: written (0700, in a 0700 dir) when missing or when its
   * sha256 differs from the embedded one (an older bosun's, or tampered with). Checked before every
   * run (hashing 3 MB takes milliseconds): a file replaced while the gateway runs is never executed.
   */
  ensureExtracted(): string {
    const emb = this.#embedded();
    const dest = join(this.opts.binDir, "whisper-cli");
    try {
      ensurePrivateDir(this.opts.binDir);
      // A symlink or FIFO planted there is replaced, never followed or read.
      const st = existsSync(dest) ? lstatSync(dest) : null;
      if (!st?.isFile() || sha256(readFileSync(dest)) !== emb.sha256) {
        if (st && !st.isFile()) rmSync(dest, { force: true });
        const bytes = readFileSync(emb.path);
        if (sha256(bytes) !== emb.sha256) throw new Error("the embedded whisper-cli does not match its checksum");
        // Temp + rename: a process running the old copy, or another one extracting, never sees half a file.
        const tmp = `${dest}.${process.pid}.tmp`;
        writeFileSync(tmp, bytes, { mode: 0o700 });
        chmodSync(tmp, 0o700);
        renameSync(tmp, dest);
      }
      chmodSync(dest, 0o700);
    } catch (err) {
      throw new VoiceError("voice_unavailable", `voice is not available: the whisper sidecar cannot be extracted to ${dest}: ${(err as Error).message}`);
    }
    return dest;
  }

  /** Extract and run `whisper-cli --version` (bosun doctor): its first line, or a VoiceError. */
  async probe(timeoutMs = 10_000): Promise<string> {
    this.#checkCpu();
    const bin = this.ensureExtracted();
    const r = await spawnBounded(bin, ["--version"], { timeoutMs, stdoutAsText: true, keepText: STDERR_KEEP }).catch((err: Error) => {
      throw new VoiceError("voice_unavailable", `the whisper sidecar cannot run here: ${err.message}`);
    });
    if (r.code === 0) return escapeControls(r.text.trim().split("\n")[0] ?? "");
    if (r.signal === "SIGILL") throw cpuLacks(["AVX2"]);
    const how = r.stopped === "timeout" ? `no answer in ${timeoutMs} ms` : (r.signal ?? `exit ${r.code}`);
    throw new VoiceError("voice_unavailable", `the whisper sidecar cannot run here (${how})${tailOf(r.text) ? `: ${tailOf(r.text)}` : ""}`);
  }

  /** Throws voice_unavailable when this build has no sidecar, or this CPU cannot run it (cheap: no file is executed). */
  checkBuilt(): void {
    this.#embedded();
    this.#checkCpu();
  }

  /** The CPU's flags line against what the binary needs; nothing to check where there is no /proc/cpuinfo (or not x86). */
  #checkCpu(): void {
    const text = (this.opts.cpuinfo ?? readCpuinfo)();
    const line = text?.split("\n").find((l) => /^flags\s*:/.test(l));
    if (!line) return;
    const flags = new Set(line.slice(line.indexOf(":") + 1).trim().split(/\s+/));
    const missing = NEEDED_FLAGS.filter((f) => !flags.has(f));
    if (missing.length > 0) throw cpuLacks(missing);
  }

  #embedded(): NonNullable<SidecarOptions["embedded"]> {
    const emb = this.opts.embedded;
    if (!emb) throw new VoiceError("voice_unavailable", `voice is not available: this bosun has no whisper sidecar (${this.opts.disabledReason ?? "built without one"})`, "rebuild bosun on a machine with cmake and a C++ compiler (npm run build)");
    return emb;
  }

  /**
   * Transcribe 16 kHz mono samples; waits for a free slot first. `audio` may be a function that
   * produces them (decoding): it is called once the slot is held, so decoding and resampling (CPU-
   * and memory-heavy for big files) count against `[voice] max_concurrent` like the run itself.
   */
  async run(audio: Pcm16k | (() => Promise<Pcm16k>), run: SidecarRun): Promise<SidecarResult> {
    const release = await this.#slots.acquire(run.signal).catch(() => {
      throw new AbortedError();
    });
    let bin: string;
    let pcm: Pcm16k;
    try {
      this.#checkCpu();
      pcm = typeof audio === "function" ? await audio() : audio;
      // Checked after the wait for a slot: what runs is what was checked, however long the queue was.
      bin = this.ensureExtracted();
    } catch (err) {
      release();
      throw err;
    }
    let dir: string;
    try {
      if (!this.#swept) this.sweep();
      dir = makeRunDir(this.#runRoot);
    } catch (err) {
      release();
      throw new VoiceError("voice_failed", `the whisper sidecar's work dir cannot be made in ${this.#runRoot}: ${(err as Error).message}`);
    }
    try {
      const wav = join(dir, "audio.wav");
      writeFileSync(wav, wav16k(pcm), { mode: 0o600 });
      const out = join(dir, "out");
      const threads = this.opts.threads ?? Math.max(1, Math.min(4, availableParallelism()));
      const args = ["-m", run.modelPath, "-f", wav, "-oj", "-of", out, "-t", String(threads), "-l", run.language, "-np"];
      await this.#spawn(bin, args, run);
      return parseOutput(readOutput(`${out}.json`));
    } finally {
      release();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async #spawn(bin: string, args: string[], run: SidecarRun): Promise<void> {
    const r = await spawnBounded(bin, args, { timeoutMs: run.timeoutMs, signal: run.signal, keepText: STDERR_KEEP }).catch((err: Error) => {
      throw new VoiceError("voice_unavailable", `voice is not available: the whisper sidecar cannot run: ${err.message}`);
    });
    if (r.stopped === "abort") throw new AbortedError();
    if (r.stopped === "timeout") throw new VoiceError("voice_failed", `transcription took longer than ${run.timeoutMs} ms ([voice] timeout_ms)`);
    if (r.code === 0) return;
    // An instruction this CPU does not have (a flags line that lied, or none to read).
    if (r.signal === "SIGILL") throw cpuLacks(["AVX2"]);
    const tail = tailOf(r.text);
    const how = r.signal ? `was killed (${r.signal})` : `failed (exit ${r.code})`;
    throw new VoiceError("voice_failed", `the whisper sidecar ${how}${tail ? `: ${tail}` : ""}`);
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The last lines of the sidecar's stderr, control characters escaped, short enough for a chat reply. */
function tailOf(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  return escapeControls(lines.slice(-3).join(" | ")).slice(-STDERR_SHOW);
}

/** 16-bit PCM mono WAV at 16 kHz: what whisper-cli reads. */
export function wav16k(pcm: Pcm16k): Uint8Array {
  return encodeWav(pcm.samples, 16_000);
}

function readOutput(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new VoiceError("voice_failed", "the whisper sidecar wrote no transcription");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new VoiceError("voice_failed", "the whisper sidecar wrote a transcription that is not JSON");
  }
}

/** whisper-cli's `-oj` file: `result.language`, and `transcription[]` with `offsets` (ms) and `text`. */
export function parseOutput(json: unknown): SidecarResult {
  const o = (json ?? {}) as { result?: { language?: unknown }; transcription?: unknown };
  if (!Array.isArray(o.transcription)) throw new VoiceError("voice_failed", "the whisper sidecar wrote a transcription without segments");
  const segments: TranscriptSegment[] = [];
  for (const s of o.transcription as Array<{ offsets?: { from?: unknown; to?: unknown }; text?: unknown }>) {
    const text = typeof s?.text === "string" ? s.text.trim() : "";
    const startMs = Number(s?.offsets?.from);
    const endMs = Number(s?.offsets?.to);
    if (!text || !Number.isFinite(startMs) || !Number.isFinite(endMs)) continue;
    segments.push({ startMs, endMs, text });
  }
  const lang = o.result?.language;
  return { text: segments.map((s) => s.text).join(" ").trim(), language: typeof lang === "string" && lang ? lang : null, segments };
}

/** The sidecar this build embeds (none when build.ts had no compiler), extracted into `binDir`. */
export function bundledSidecar(binDir: string, maxConcurrent: number): WhisperSidecar {
  return new WhisperSidecar({ embedded: embeddedSidecar, disabledReason: sidecarDisabledReason, binDir, maxConcurrent });
}
