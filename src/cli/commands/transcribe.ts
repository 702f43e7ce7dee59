import { defineCommand } from "citty";
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import { BosunError, ExitCode } from "../../core/errors.ts";
import { createAudioDecoder } from "../../core/voice/decode.ts";
import { pickWhisperModel } from "../../core/voice/model.ts";
import { bundledSidecar } from "../../core/voice/sidecar.ts";
import { WhisperTranscriber } from "../../core/voice/transcriber.ts";
import { AbortedError } from "../../core/util/abort.ts";
import { globalArgs } from "../args.ts";
import { loadForCli } from "../config-load.ts";
import { cliContext } from "../context.ts";
import { openInstaller } from "../installer-context.ts";
import { c, err, out, printJson } from "../output.ts";

/** `bosun transcribe FILE`: speech to text in this process (no gateway needed), with the installed Whisper model. */
export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "transcribe" },
  args: {
    ...globalArgs,
    file: { type: "positional", required: true, description: "Audio file: OGG/Opus, WAV (others through ffmpeg when installed)", valueHint: "FILE" },
    model: { type: "string", description: "Whisper model to use (default: [voice] stt, else the first installed)", valueHint: "TARGET" },
  },
  async run({ args }) {
    const ctx = cliContext(args);
    const file = args.file;
    if (!file) throw new BosunError("usage", "name the audio file to transcribe", { exitCode: ExitCode.usage, hint: "e.g. `bosun transcribe voice.ogg`" });
    if (args.model !== undefined && !/^whisper:[\p{L}\p{N}][\p{L}\p{N}._-]{0,127}$/u.test(args.model)) {
      throw new BosunError("usage", `--model must be "whisper:ID", not "${args.model}"`, { exitCode: ExitCode.usage, hint: "`bosun catalog whisper` lists them" });
    }
    // Bounded before it is read: /dev/zero or a 10 GB file must not fill memory.
    const st = await stat(file).catch(() => null);
    if (st && !st.isFile()) throw new BosunError("unreadable", `${file} is not a regular file`, { exitCode: ExitCode.failed });
    const limit = loadForCli(ctx).config.voice.max_bytes;
    if (st && st.size > limit) throw new BosunError("voice_too_long", `${file} is ${st.size} bytes; at most ${limit} are transcribed ([voice] max_bytes)`, { exitCode: ExitCode.failed });
    const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
      throw new BosunError("unreadable", `cannot read ${file}: ${e.code === "ENOENT" ? "no such file" : e.message}`, { exitCode: ExitCode.failed });
    });
    const loaded = loadForCli(ctx);
    const voice = loaded.config.voice;
    const installer = openInstaller(ctx, loaded);
    const transcriber = new WhisperTranscriber({
      sidecar: bundledSidecar(ctx.paths.bin, voice.max_concurrent),
      decode: createAudioDecoder({ maxSeconds: voice.max_seconds, env: ctx.env }),
      model: () => pickWhisperModel(installer, args.model ?? voice.stt),
      config: () => voice,
    });
    const ac = new AbortController();
    const onInterrupt = () => ac.abort();
    process.once("SIGINT", onInterrupt);
    process.once("SIGTERM", onInterrupt);
    try {
      const t = await transcriber.transcribe({ bytes, name: basename(file) }, ac.signal);
      if (args.json) printJson(t);
      else if (t.text) out(t.text);
      else if (!args.quiet) err(c.dim("(nothing was heard)"));
      return ExitCode.ok;
    } catch (e) {
      if (e instanceof AbortedError) return 130;
      throw e;
    } finally {
      process.off("SIGINT", onInterrupt);
      process.off("SIGTERM", onInterrupt);
    }
  },
});
