import type { GatewayCrash, LogLine, Status } from "../core/status.ts";
import { installLook } from "../core/present.ts";
import { escapeControls } from "../core/util/text.ts";
import { formatAge, formatDuration } from "../core/format.ts";
import { c, stateColor, toneColor } from "./output.ts";

/** Render status for people: one screen, states in colour. */
export function renderStatus(s: Status, now = Date.now()): string {
  const g = s.gateway;
  const lines: string[] = [];
  const head = [c.bold("bosun"), g.version, stateColor(g.state)(g.state)];
  if (g.state === "running") head.push(c.dim(`pid ${g.pid}`), c.dim(`up ${formatDuration(g.uptimeMs)}`));
  const crash = g.state === "crashed" && g.crash ? crashLines(g.pid, g.crash, now) : null;
  if (crash) head.push(c.dim(crash.gone));
  lines.push(head.join("  "));
  if (g.state === "crashed") {
    if (crash?.lastLog) lines.push(crash.lastLog);
    lines.push(c.dim("         `bosun up` cleans up after it and starts the gateway again"));
  }
  lines.push(`${c.dim("config  ")} ${g.configPath ?? "embedded default"}`);
  lines.push(`${c.dim("provider")} ${g.provider}`);
  if (g.configError) lines.push(c.red(`config error: ${g.configError.file}:${g.configError.line}:${g.configError.column}: ${g.configError.message}`));
  lines.push("");
  lines.push(c.bold("ADAPTERS"));
  if (s.adapters.length === 0) lines.push(c.dim("  none configured"));
  const w = Math.max(4, ...s.adapters.map((a) => a.name.length));
  const kw = Math.max(4, ...s.adapters.map((a) => a.kind.length));
  for (const a of s.adapters) {
    const parts = [`  ${a.name.padEnd(w)}`, a.kind.padEnd(kw), stateColor(a.state)(a.state.padEnd(8))];
    if (g.state !== "stopped" && g.state !== "crashed") {
      parts.push(c.dim(`restarts ${a.restarts}`), c.dim(`in ${formatAge(a.lastInboundAt, now)}`), c.dim(`out ${formatAge(a.lastOutboundAt, now)}`));
    }
    if (a.lastError) parts.push(c.red(escapeControls(a.lastError)));
    lines.push(parts.join("  "));
  }
  lines.push("");
  lines.push(`${c.bold("INSTALLS")}      ${s.installs.length === 0 ? c.dim("none") : ""}`);
  for (const i of s.installs) {
    const look = installLook(i);
    const note = look.note ? `  ${c.dim(look.note)}` : "";
    lines.push(`  ${i.target}  ${toneColor(look.tone)(look.word)}${i.state === "installing" ? ` ${i.progress}%` : ""}${note}`);
  }
  lines.push(`${c.bold("SESSIONS")}      ${s.sessions.total} total, ${s.sessions.active} active, ${s.sessions.errored} errored`);
  const o = s.outbox;
  if (o.pending > 0 || o.dead > 0) {
    const dead = o.dead > 0 ? c.red(`${o.dead} given up on (GET /v1/sessions/ID lists them with the error)`) : "";
    lines.push(`  ${c.dim("replies")}     ${[o.pending > 0 ? `${o.pending} waiting for delivery` : "", dead].filter(Boolean).join(", ")}`);
  }
  lines.push(`${c.bold("INTEGRATIONS")}  ${s.integrations.length === 0 ? c.dim("none") : ""}`);
  for (const i of s.integrations) lines.push(`  ${i.name}  ${stateColor(i.state)(i.state)}  ${i.offered}/${i.tools} tools offered${i.reason ? `  ${c.dim(i.reason)}` : ""}`);
  return lines.join("\n");
}

/**
 * A crash as `status` and `down` say it: when the gateway was last alive, and the log's last line
 * (`last log …`, null when the log is empty).
 */
export function crashLines(pid: number | null, crash: GatewayCrash, now = Date.now()): { gone: string; lastLog: string | null } {
  return {
    gone: `pid ${pid} is gone; last alive at ${crash.lastAliveAt} (${formatAge(crash.lastAliveAt, now)})`,
    lastLog: crash.lastLog ? `${c.dim("last log")} ${formatLastLog(crash.lastLog)}` : null,
  };
}

/**
 * A log record as one line: time, level, tag, and the first line of its message (a stack stays
 * in the log). The log holds text from chat users, so control characters are shown, not obeyed.
 */
function formatLastLog(l: LogLine): string {
  const first = escapeControls(l.message.split("\n")[0] ?? "");
  if (l.at === null) return first;
  return [escapeControls(l.at.slice(11, 19)), escapeControls(l.level ?? "").toUpperCase(), l.tag ? `[${escapeControls(l.tag)}]` : "", first].filter(Boolean).join(" ");
}
