import { defineCommand } from "citty";
import type { InstallStatus } from "../../core/status.ts";
import { globalArgs } from "../args.ts";
import { cliContext } from "../context.ts";
import { gatewayApi } from "../gateway-api.ts";
import { installLook } from "../../core/present.ts";
import { c, out, printJson, toneColor } from "../output.ts";
import { formatSize } from "../../core/format.ts";

/** The installs table, for people. */
export function renderInstalls(list: InstallStatus[]): string {
  if (list.length === 0) return c.dim("nothing installed; `bosun catalog` lists models and voices, `bosun install TARGET` installs one");
  const w = Math.max(6, ...list.map((s) => s.target.length));
  const rows = list.map((s) => {
    const progress = s.state === "installing" ? `${s.progress}%` : "";
    // A cancel is calm (stored as an error with stage "cancelled"): its own word, no red.
    const look = installLook(s);
    const detail = look.note ? c.dim(s.error ?? look.note) : s.error ? c.red(s.error) : (s.stage ?? "");
    return `${s.target.padEnd(w)}  ${toneColor(look.tone)(look.word.padEnd(10))}  ${formatSize(s.totalBytes).padStart(10)}  ${progress.padEnd(4)}  ${detail}`;
  });
  return [c.bold(`${"TARGET".padEnd(w)}  STATE       ${"SIZE".padStart(10)}`), ...rows].join("\n");
}

const ls = defineCommand({
  meta: { name: "ls", description: "Installed, installing, broken and wanted models and voices (the default)" },
  args: { ...globalArgs },
  async run({ args }) {
    const ctx = cliContext(args);
    const list = await gatewayApi(ctx).api.installs();
    if (args.json) printJson(list);
    else out(renderInstalls(list));
  },
});

export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "installs" },
  args: { ...globalArgs },
  subCommands: { ls },
  // `bosun installs` alone is `bosun installs ls`.
  default: "ls",
});
