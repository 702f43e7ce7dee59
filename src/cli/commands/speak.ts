import { defineCommand } from "citty";
import { constants } from "node:fs";
import { access, stat, writeFile } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";
import { BosunError, ExitCode } from "../../core/errors.ts";
import { globalArgs } from "../args.ts";
import { cliContext } from "../context.ts";
import type { GatewayApi } from "../../core/control/api.ts";
import type { SpeakFormat } from "../../core/voice/gateway-voice.ts";
import { gatewayApi } from "../gateway-api.ts";
import { interruptible, INTERRUPTED } from "../interrupt.ts";
import { out, printJson } from "../output.ts";

/** What `bosun speak` wrote (its --json). */
export interface SpeakResult {
  voice: string;
  out: string;
  durationMs: number;
  bytes: number;
}

/** The format --out names by its extension, or a usage error. */
export function speakFormat(out: string | undefined): SpeakFormat {
  if (!out) throw new BosunError("usage", "name the file to write with --out FILE.ogg or --out FILE.wav", { exitCode: ExitCode.usage, hint: 'e.g. `bosun speak "hello" --out hello.ogg`' });
  const ext = extname(out).toLowerCase();
  if (ext === ".ogg" || ext === ".oga" || ext === ".opus") return "ogg";
  if (ext === ".wav") return "wav";
  throw new BosunError("usage", `--out must end in .ogg (OGG/Opus) or .wav, not "${ext || out}"`, { exitCode: ExitCode.usage });
}

/**
 * Speak `text` and write it to `out` (OGG/Opus or 16-bit WAV by its extension): through the running
 * gateway (its Piper engine and config) or in this process (the API's offline side). The file is
 * written here, and its directory is checked before synthesis, so a bad path fails at once.
 */
export async function speakTo(api: GatewayApi, o: { text: string; voice?: string; out: string }, signal: AbortSignal): Promise<SpeakResult> {
  const format = speakFormat(o.out);
  await checkWritable(o.out);
  const spoken = await api.speak({ text: o.text, format, ...(o.voice ? { voice: o.voice } : {}) }, signal);
  await writeFile(o.out, spoken.bytes, { mode: 0o644 }).catch((e: NodeJS.ErrnoException) => {
    throw unwritable(o.out, e);
  });
  return { voice: spoken.voice, out: resolve(o.out), durationMs: spoken.durationMs, bytes: spoken.bytes.length };
}

async function checkWritable(out: string): Promise<void> {
  const st = await stat(out).catch(() => null);
  if (st?.isDirectory()) throw new BosunError("unwritable", `cannot write ${out}: it is a directory`, { exitCode: ExitCode.failed });
  await access(st ? out : dirname(resolve(out)), constants.W_OK).catch((e: NodeJS.ErrnoException) => {
    throw unwritable(out, e);
  });
}

function unwritable(out: string, e: NodeJS.ErrnoException): BosunError {
  const why = e.code === "ENOENT" ? "no such directory" : e.code === "EACCES" || e.code === "EPERM" ? "permission denied" : e.code === "EISDIR" ? "it is a directory" : e.message;
  return new BosunError("unwritable", `cannot write ${out}: ${why}`, { exitCode: ExitCode.failed });
}

/** `bosun speak TEXT --out FILE`: text to speech with the installed Piper voice, through the running gateway or in this process. */
export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "speak" },
  args: {
    ...globalArgs,
    text: { type: "positional", required: true, description: "What to say", valueHint: "TEXT" },
    voice: { type: "string", description: "Piper voice to use (default: [voice] tts, else the first installed)", valueHint: "TARGET" },
    out: { type: "string", description: "File to write: .ogg (OGG/Opus, a voice note) or .wav", valueHint: "FILE" },
  },
  async run({ args }) {
    const ctx = cliContext(args);
    const text = args.text?.trim();
    if (!text) throw new BosunError("usage", "give the text to speak", { exitCode: ExitCode.usage, hint: 'e.g. `bosun speak "hello" --out hello.ogg`' });
    if (args.voice !== undefined && !/^piper:[\p{L}\p{N}][\p{L}\p{N}._-]{0,127}$/u.test(args.voice)) {
      throw new BosunError("usage", `--voice must be "piper:ID", not "${args.voice}"`, { exitCode: ExitCode.usage, hint: "`bosun catalog piper` lists them" });
    }
    speakFormat(args.out);
    const { api } = gatewayApi(ctx);
    const o = { text, out: args.out!, ...(args.voice ? { voice: args.voice } : {}) };
    const r = await interruptible((signal) => speakTo(api, o, signal));
    if (r === INTERRUPTED) return r;
    if (args.json) printJson(r);
    else if (!args.quiet) out(`wrote ${args.out} (${(r.durationMs / 1000).toFixed(1)} s, ${r.voice})`);
    return ExitCode.ok;
  },
});
