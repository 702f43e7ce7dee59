/**
 * How `bosun sessions` prints sessions for people: the table and one session's page. Titles,
 * messages and errors come from chat users and platforms, so every such text goes through
 * escapeControls before it reaches the terminal.
 */
import { formatAge } from "../core/format.ts";
import { sessionTone, undeliveredText } from "../core/present.ts";
import type { SessionDetail, SessionInfo } from "../core/sessions/store.ts";
import { escapeControls } from "../core/util/text.ts";
import { c, stateColor } from "./output.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What a session is called: its title, or its conversation when the platform gave none. */
export function sessionName(s: Pick<SessionInfo, "title" | "conversation" | "thread">): string {
  const base = s.title ?? s.conversation;
  return escapeControls(s.thread ? `${base} #${s.thread}` : base);
}

/** A session that needs a look: its last turn failed, or a reply was given up on (present.ts decides). */
export function standsOut(s: Pick<SessionInfo, "state" | "deadOut">): boolean {
  return sessionTone(s) === "bad";
}

const MAX_TITLE = 40;
const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/** The sessions table. */
export function renderSessions(list: readonly SessionInfo[], now = Date.now()): string {
  if (list.length === 0) return c.dim("no sessions yet (they appear with the first message)");
  const rows = list.map((s) => ({
    s,
    cells: [
      escapeControls(s.adapter),
      clip(sessionName(s), MAX_TITLE),
      s.state,
      formatAge(iso(s.lastActivityAt), now),
      String(s.messageCount),
      `${s.tokensIn}/${s.tokensOut}`,
      String(s.waiting),
      undeliveredText(s),
      s.lastErrorType ? escapeControls(s.lastErrorType) : "",
    ],
  }));
  const head = ["ADAPTER", "TITLE", "STATE", "ACTIVE", "MSGS", "TOKENS", "WAITING", "UNSENT", "ERROR"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r.cells[i]!.length)));
  const line = (cells: readonly string[], paint: (i: number, v: string) => string) =>
    cells
      .map((v, i) => paint(i, i === cells.length - 1 ? v : v.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const out = [c.bold(line(head, (_i, v) => v))];
  for (const { s, cells } of rows) {
    const bad = standsOut(s);
    out.push(
      line(cells, (i, v) => {
        if (i === 2) return stateColor(s.state)(v);
        if (i === 6 && s.waiting > 0) return c.yellow(v);
        if ((i === 7 || i === 8) && bad) return c.red(v);
        return v;
      }),
    );
  }
  return out.join("\n");
}

const time = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 19);
const indent = (text: string) => escapeControls(text, "\n").replace(/\n/g, "\n    ");
/** Tool text on one line: whitespace runs collapsed, cut (before escaping, so the bound is the text's), controls escaped. */
const flat = (text: string, n: number) => escapeControls(clip(text.replace(/\s+/g, " ").trim(), n));
/** How much of a tool call's arguments and result `sessions show` prints (`--json` has them whole, as stored). */
const TOOL_ARGS_SHOWN = 160;
const TOOL_RESULT_SHOWN = 240;

/** A tool step: its name, where it went and its arguments, then its result (marked when it failed). */
function toolLines(m: SessionDetail["messages"][number]): string[] {
  const head = `${c.dim(time(m.createdAt))} ${c.yellow("tool")}`;
  const t = m.tool;
  // A row that does not parse as a step is shown as the text it is.
  if (!t) return [head, `    ${flat(m.content, TOOL_RESULT_SHOWN)}`];
  const source = t.source ? c.dim(` (${escapeControls(t.source)})`) : c.dim(" (no such tool)");
  const result = t.isError ? c.red(`error: ${flat(t.result, TOOL_RESULT_SHOWN)}`) : flat(t.result, TOOL_RESULT_SHOWN);
  return [`${head} ${escapeControls(t.name)}${source} ${c.dim(`${Math.round(t.durationMs)} ms`)}  ${flat(t.arguments, TOOL_ARGS_SHOWN)}`, `    → ${result}`];
}

/** One session: what it is, its transcript, what waits and what was not delivered. */
export function renderSession(d: SessionDetail, now = Date.now()): string {
  const lines: string[] = [];
  lines.push(`${c.bold(sessionName(d))}  ${stateColor(d.state)(d.state)}  ${c.dim(escapeControls(d.key))}`);
  lines.push(c.dim(`id ${d.id} · created ${time(d.createdAt)} · last activity ${formatAge(iso(d.lastActivityAt), now)}`));
  lines.push(`messages ${d.messageCount} · tokens ${d.tokensIn} in / ${d.tokensOut} out`);
  if (d.live) {
    const turn = d.live.turn === "running" ? c.green("a turn is running") : d.live.turn === "queued" ? c.yellow("messages queued for a turn") : c.dim("no turn running");
    lines.push(`${escapeControls(d.adapter)} is ${stateColor(d.live.adapter)(escapeControls(d.live.adapter))} · ${turn}`);
    if (d.live.held) lines.push(c.yellow("held since the last `bosun down`: `bosun restore` (or `bosun sessions start`) answers what waits"));
  }
  if (d.lastErrorType) lines.push(c.red(`last error: ${escapeControls(d.lastErrorType)}${d.lastErrorAt ? ` (${formatAge(iso(d.lastErrorAt), now)})` : ""}`));
  lines.push("");
  if (d.messages.length === 0) lines.push(c.dim("no messages in the transcript"));
  for (const m of d.messages) {
    if (m.role === "tool") {
      lines.push(...toolLines(m));
      continue;
    }
    const who = m.role === "user" ? c.cyan("user") : c.green("assistant");
    const model = m.role === "assistant" && m.model ? c.dim(` (${escapeControls(m.model)})`) : "";
    const error = m.errorType ? ` ${c.red(`[${escapeControls(m.errorType)}]`)}` : "";
    lines.push(`${c.dim(time(m.createdAt))} ${who}${model}${error}`);
    lines.push(`    ${indent(m.content)}`);
  }
  if (d.waitingMessages.length > 0) {
    lines.push("", c.yellow(`waiting (${d.waitingMessages.length})${d.state === "stopped" ? " — the session is stopped; `bosun sessions start` answers them" : ""}`));
    for (const w of d.waitingMessages) lines.push(`${c.dim(time(w.receivedAt))} ${indent(w.text)}`);
  }
  const unsent = d.outbox.filter((o) => o.state !== "sent");
  if (unsent.length > 0) {
    lines.push("", c.bold(`replies not delivered (${unsent.length})`));
    for (const o of unsent) {
      const state = o.state === "dead" ? c.red("dead") : c.yellow("pending");
      const why = o.lastError ? ` · ${c.red(escapeControls(o.lastError))}` : "";
      lines.push(`${c.dim(time(o.createdAt))} ${state} after ${o.attempts} attempt${o.attempts === 1 ? "" : "s"}${why}`);
      lines.push(`    ${indent(o.text)}`);
    }
  }
  return lines.join("\n");
}
