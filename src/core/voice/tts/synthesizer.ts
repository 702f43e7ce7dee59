/**
 * Text to speech with an installed Piper voice, in process: text → clauses of phonemes (espeak-ng
 * as WASM) → ids (the voice's phoneme_id_map) → the VITS model under onnxruntime → samples, with
 * Piper's 0.2 s pause between clauses and its per-clause peak normalisation. One loaded session
 * is kept per voice (loading a real voice takes about a second; a few are kept, not every one).
 * Syntheses take turns (`[voice] max_concurrent` at once, one by default): each uses the CPU fully
 * and about 80 MB, and every outbox lane and speak request would otherwise run its own.
 */
import { readFile, stat } from "node:fs/promises";
import { AbortedError } from "../../util/abort.ts";
import { Semaphore } from "../../util/semaphore.ts";
import type { VoiceConfig } from "../../config/voice-schema.ts";
import type { ModelSource } from "../model.ts";
import { VoiceError, type Speech, type Synthesizer } from "../types.ts";
import { loadOnnxRuntime, type Ort, type OrtBuild } from "./onnxruntime.ts";
import { MAX_CONFIG_BYTES, parsePiperConfig, type PiperVoiceConfig } from "./piper-config.ts";
import { phonemesToIds } from "./phoneme-ids.ts";
import { phonemizeClauses } from "./phonemize.ts";
import { pickPiperVoice, type PiperVoice } from "./voice.ts";

/** Longest text spoken: about five minutes of speech. A longer reply is sent as text only. */
export const MAX_SPEAK_CHARS = 4_000;
/** Piper's sentence_silence default. */
const CLAUSE_PAUSE_S = 0.2;
/** Sessions kept loaded (a real voice is 60 MB of weights and more in memory). */
const KEEP_SESSIONS = 2;
/** More audio than this from one clause is a broken (or hostile) model. */
const MAX_CLAUSE_SECONDS = 120;

export interface PiperSynthesizerOptions {
  /** `$BOSUN_HOME/lib`: where the embedded onnxruntime is extracted. */
  libDir: string;
  installs: () => Promise<ModelSource>;
  /** Read per call; max_concurrent absent: one synthesis at a time. */
  config: () => Pick<VoiceConfig, "tts"> & { max_concurrent?: number };
  /** The onnxruntime build (tests); the one this binary embeds by default. */
  ortBuild?: OrtBuild;
  maxChars?: number;
}

interface Loaded {
  key: string;
  session: Awaited<ReturnType<Ort["InferenceSession"]["create"]>>;
  config: PiperVoiceConfig;
  /** Syntheses using the session now; one evicted is released once none is. */
  users: number;
  evicted: boolean;
  released: boolean;
}

export class PiperSynthesizer implements Synthesizer {
  #sessions = new Map<string, Promise<Loaded>>();
  #slots: Semaphore;
  #limit: number;
  constructor(private readonly opts: PiperSynthesizerOptions) {
    this.#limit = opts.config().max_concurrent ?? 1;
    this.#slots = new Semaphore(this.#limit);
  }

  async synthesize(text: string, signal: AbortSignal, o: { voice?: string } = {}): Promise<Speech> {
    if (signal.aborted) throw new AbortedError();
    const said = text.trim();
    if (!said) throw new VoiceError("voice_failed", "there is no text to speak");
    const max = this.opts.maxChars ?? MAX_SPEAK_CHARS;
    if (said.length > max) throw new VoiceError("voice_too_long", `the text is too long to speak (${said.length} characters; at most ${max})`);
    // Turns are taken in the order syntheses are asked for; a config reload applies to the next one.
    const limit = this.opts.config().max_concurrent ?? 1;
    if (limit !== this.#limit) this.#slots.resize((this.#limit = limit));
    const free = await this.#slots.acquire(signal).catch(() => {
      throw new AbortedError();
    });
    try {
      const voice = await pickPiperVoice(await this.opts.installs(), o.voice ?? this.opts.config().tts);
      const ort = await loadOnnxRuntime(this.opts.libDir, this.opts.ortBuild);
      const loaded = await this.#load(ort, voice);
      try {
        return await this.#speak(ort, loaded, voice, said, signal);
      } finally {
        loaded.users--;
        this.#releaseIfDone(loaded);
      }
    } finally {
      free();
    }
  }

  async #speak(ort: Ort, { session, config }: Loaded, voice: PiperVoice, said: string, signal: AbortSignal): Promise<Speech> {
    if (signal.aborted) throw new AbortedError();
    const clauses = await phonemizeClauses(said, config.espeakVoice, signal);
    const parts: Float32Array[] = [];
    const pause = new Float32Array(Math.round(CLAUSE_PAUSE_S * config.sampleRate));
    for (const phonemes of clauses) {
      // Between clauses: a cancelled turn stops here, not after the whole text.
      if (signal.aborted) throw new AbortedError();
      const { ids } = phonemesToIds(phonemes, config.idMap);
      if (ids.length <= 3) continue; // nothing this voice can say in it
      if (parts.length > 0) parts.push(pause);
      parts.push(await this.#run(ort, session, config, ids, voice));
    }
    if (parts.length === 0) throw new VoiceError("voice_failed", `the voice ${voice.target} cannot say any of that text`);
    return { samples: concat(parts), sampleRate: config.sampleRate, voice: voice.target };
  }

  /** The voice's session, held (users counted) for the caller, who gives it back. */
  async #load(ort: Ort, voice: PiperVoice): Promise<Loaded> {
    const st = await stat(voice.model).catch(() => null);
    // A reinstalled voice (new size or time) is loaded again.
    const key = `${st?.size}:${st?.mtimeMs}`;
    for (;;) {
      const cached = this.#sessions.get(voice.model);
      if (cached) {
        const l = await cached.catch(() => null);
        if (l?.key === key && !l.released) {
          l.users++;
          return l;
        }
        // Another caller may have replaced it meanwhile; only this entry goes.
        if (this.#sessions.get(voice.model) === cached) this.#evict(voice.model);
        continue;
      }
      const p = this.#open(ort, voice, key);
      this.#sessions.set(voice.model, p);
      p.catch(() => {
        if (this.#sessions.get(voice.model) === p) this.#sessions.delete(voice.model);
      });
      while (this.#sessions.size > KEEP_SESSIONS) this.#evict(this.#sessions.keys().next().value!);
      const l = await p;
      // Evicted and released before this caller got its turn: load it again.
      if (l.released) continue;
      l.users++;
      return l;
    }
  }

  /** Drop a cached session; its memory is freed once no synthesis uses it. */
  #evict(model: string): void {
    const p = this.#sessions.get(model);
    this.#sessions.delete(model);
    p?.then(
      (l) => {
        l.evicted = true;
        this.#releaseIfDone(l);
      },
      () => undefined,
    );
  }

  #releaseIfDone(l: Loaded): void {
    if (!l.evicted || l.users > 0 || l.released) return;
    l.released = true;
    l.session.release().catch(() => undefined);
  }

  async #open(ort: Ort, voice: PiperVoice, key: string): Promise<Loaded> {
    const cst = await stat(voice.config).catch(() => null);
    if (!cst?.isFile()) throw new VoiceError("voice_failed", `the Piper voice ${voice.target} has no config file (${voice.config})`, `reinstall it with \`bosun install --force ${voice.target}\``);
    if (cst.size > MAX_CONFIG_BYTES) throw new VoiceError("voice_failed", `the Piper voice config ${voice.config} is bigger than ${MAX_CONFIG_BYTES} bytes`);
    const config = parsePiperConfig(await readFile(voice.config, "utf8"), voice.config);
    try {
      const session = await ort.InferenceSession.create(voice.model, { executionProviders: ["cpu"] });
      if (!session.inputNames.includes("input") || !session.inputNames.includes("input_lengths") || !session.inputNames.includes("scales")) {
        throw new Error(`its inputs are ${session.inputNames.join(", ")}, not Piper's input, input_lengths, scales`);
      }
      return { key, session, config, users: 0, evicted: false, released: false };
    } catch (err) {
      throw new VoiceError("voice_failed", `the Piper voice ${voice.target} cannot be loaded: ${firstLine(err)}`, `reinstall it with \`bosun install --force ${voice.target}\``);
    }
  }

  async #run(ort: Ort, session: Loaded["session"], config: PiperVoiceConfig, ids: number[], voice: PiperVoice): Promise<Float32Array> {
    const feeds: Record<string, InstanceType<Ort["Tensor"]>> = {
      input: new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, ids.length]),
      input_lengths: new ort.Tensor("int64", BigInt64Array.of(BigInt(ids.length)), [1]),
      scales: new ort.Tensor("float32", Float32Array.of(config.noiseScale, config.lengthScale, config.noiseW), [3]),
    };
    // Multi-speaker voices take a speaker id; the first speaker speaks.
    if (session.inputNames.includes("sid")) feeds.sid = new ort.Tensor("int64", BigInt64Array.of(0n), [1]);
    let data: unknown;
    try {
      const out = await session.run(feeds);
      data = (out.output ?? out[session.outputNames[0]!])?.data;
    } catch (err) {
      throw new VoiceError("voice_failed", `the Piper voice ${voice.target} failed: ${firstLine(err)}`);
    }
    if (!(data instanceof Float32Array)) throw new VoiceError("voice_failed", `the Piper voice ${voice.target} produced no audio`);
    if (data.length > MAX_CLAUSE_SECONDS * config.sampleRate) throw new VoiceError("voice_failed", `the Piper voice ${voice.target} produced more than ${MAX_CLAUSE_SECONDS} s of audio for one clause`);
    return normalise(data);
  }
}

/** Piper scales each clause to full range (its peak, at least 0.01); NaN and infinities become silence. */
function normalise(x: Float32Array): Float32Array {
  let peak = 0;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) x[i] = 0;
    peak = Math.max(peak, Math.abs(x[i]!));
  }
  const gain = 0.98 / Math.max(0.01, peak);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * gain;
  return out;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0]!.slice(0, 300);
}
