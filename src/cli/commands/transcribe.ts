import { defineCommand } from "citty";
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import { WhisperTargetSchema } from "../../core/control/api.ts";
import { BosunError, ExitCode } from "../../core/errors.ts";
import { globalArgs } from "../args.ts";
import { loadForCli } from "../config-load.ts";
import { cliContext } from "../context.ts";
import { gatewayApi } from "../gateway-api.ts";
import { interruptible, INTERRUPTED } from "../interrupt.ts";
import { c, err, out, printJson } from "../output.ts";

/** `bosun transcribe FILE`: speech to text with the installed Whisper model, through the running gateway or in this process. */
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
    if (args.model !== undefined && !WhisperTargetSchema.safeParse(args.model).success) {
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
    // Through the running gateway when there is one (its model, its config, its transcription slots), else in this process.
    const { api } = gatewayApi(ctx);
    const t = await interruptible((signal) => api.transcribe({ audio: { bytes, name: basename(file) }, ...(args.model === undefined ? {} : { model: args.model }) }, signal));
    if (t === INTERRUPTED) return t;
    if (args.json) printJson(t);
    else if (t.text) out(t.text);
    else if (!args.quiet) err(c.dim("(nothing was heard)"));
    return ExitCode.ok;
  },
});
