import { ExitCode, type ExitCodeValue } from "../core/errors.ts";
import type { AdapterState, Status } from "../core/status.ts";
import type { CliContext } from "./context.ts";
import { c, err, out, printJson } from "./output.ts";

/** How one adapter came out of the gateway's first start (the `adapters` of `up --json`). */
export interface AdapterStart {
  name: string;
  kind: string;
  state: AdapterState;
  error: string | null;
}

/** The adapters as start-up left them: the first-start wait is over when the gateway is ready. */
export function adapterStarts(status: Status, redact: (text: string) => string): AdapterStart[] {
  return status.adapters.map((a) => ({ name: a.name, kind: a.kind, state: a.state, error: a.lastError === null ? null : redact(a.lastError) }));
}

/**
 * Tell the user how `up` went, on stdout (JSON with --json). Returns the exit code: 1 when
 * adapters are configured and none of them runs, else 0 (a warning line per adapter that doesn't
 * run). The gateway keeps running either way: its supervisors go on retrying.
 */
export function reportStart(ctx: CliContext, pid: number, adapters: AdapterStart[], mode: "background" | "foreground"): ExitCodeValue {
  const down = adapters.filter((a) => a.state !== "running");
  const code = adapters.length > 0 && down.length === adapters.length ? ExitCode.failed : ExitCode.ok;
  if (ctx.flags.json) {
    printJson({ ready: true, pid, adapters });
    return code;
  }
  const where = mode === "background" ? "running in the background" : "running";
  if (down.length === 0) {
    if (mode === "background" && !ctx.flags.quiet) err(`${c.green("✓")} gateway ${where} (pid ${pid}); \`bosun status\` to look, \`bosun down\` to stop`);
    return code;
  }
  const none = code === ExitCode.failed;
  const count = none ? (adapters.length === 1 ? "its only adapter is" : "no adapter is") : `${down.length} of ${adapters.length} adapters ${down.length === 1 ? "is" : "are"}`;
  out(`${none ? c.red("✗") : c.yellow("!")} gateway ${where} (pid ${pid}), but ${count} not running:`);
  const w = Math.max(...down.map((a) => a.name.length));
  for (const a of down) {
    const why = a.error ?? (a.state === "starting" ? "still starting when the first-start wait ended" : "no error reported");
    out(`  ${a.name.padEnd(w)}  ${a.state.padEnd(8)}  ${why}`);
  }
  out(c.dim(`  retrying in the background; \`bosun adapters\` to follow${mode === "background" ? ", `bosun down` to stop" : ""}`));
  return code;
}
