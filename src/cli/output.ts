import { BosunError, ConfigError, errorMessage, ExitCode } from "../core/errors.ts";
import type { LogLevel } from "../core/events.ts";
import { levelTone, stateTone, type Tone } from "../core/present.ts";
import { Redactor } from "../core/util/redact.ts";
import { escapeControls } from "../core/util/text.ts";

// Every function here that prints goes through this redactor, so no command can print a secret:
// the CLI context hands in one filled with the config's and the environment's secrets.
let redactor = new Redactor();

/** Redact everything printed from now on with `r`. */
export function useRedactor(r: Redactor): void {
  redactor = r;
}

let colorOn = !process.env.NO_COLOR && process.stdout.isTTY === true;

/** Turn colours off (`--no-color`, NO_COLOR, or a non-TTY). */
export function setColor(on: boolean): void {
  colorOn = on && !process.env.NO_COLOR;
}

const wrap = (open: number, close: number) => (s: string) => (colorOn ? `\x1b[${open}m${s}\x1b[${close}m` : s);
export const c = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
};

// Writes not yet taken by the OS. Bun reports writableLength 0 (and never "needs drain") for a
// pipe even while it holds data back, so a process that exits after printing 400 KB into a slow
// reader's pipe lost all but the first 64 KB. Each write's callback is what tells.
let pending = 0;
let settled: Array<() => void> = [];
function put(stream: "stdout" | "stderr", text: string): void {
  pending++;
  process[stream].write(text, () => {
    // Written, or failed (a reader that left: EPIPE): either way nothing is waiting any more.
    if (--pending === 0) for (const f of settled.splice(0)) f();
  });
}

/** Resolves once everything printed through this module has been handed to the OS (main awaits it before exiting). */
export function drained(): Promise<void> {
  return pending === 0 ? Promise.resolve() : new Promise((resolve) => settled.push(resolve));
}

/** Print a JSON document on stdout. */
export function printJson(value: unknown): void {
  put("stdout", JSON.stringify(redactor.deep(value), null, 2) + "\n");
}

/** Print a line on stdout. */
export function out(line = ""): void {
  put("stdout", redactor.apply(line) + "\n");
}

/** Print a line on stderr. */
export function err(line: string): void {
  put("stderr", redactor.apply(line) + "\n");
}

/** Write text as it is (no newline added: progress redraws, JSON lines) to stdout or stderr. */
export function write(stream: "stdout" | "stderr", text: string): void {
  put(stream, redactor.apply(text));
}

const PAINT: Record<Tone, (s: string) => string> = { ok: c.green, busy: c.cyan, warn: c.yellow, bad: c.red, muted: c.dim, plain: (s) => s };

/**
 * The CLI's colour for a tone: the one place a tone becomes ANSI (core's present.ts decides which
 * state has which tone; the dashboard draws the same tones in src/tui/theme.ts).
 */
export function toneColor(tone: Tone): (s: string) => string {
  return PAINT[tone] ?? PAINT.plain;
}

/** Colour for a state word. */
export function stateColor(state: string): (s: string) => string {
  return toneColor(stateTone(state));
}

const LEVEL_LABEL: Record<LogLevel, string> = { error: "ERROR", warn: "WARN ", info: "INFO ", debug: "DEBUG" };

/**
 * One log record as a stderr line. The message can carry text from chat users (ids, names,
 * errors quoting them), so control characters are shown, not obeyed; continuation lines (a
 * stack) are indented so no message can pass for a record of its own.
 */
export function formatLog(level: LogLevel, tag: string, message: string, at: string): string {
  const time = at.slice(11, 19);
  const lv = toneColor(levelTone(level))(LEVEL_LABEL[level] ?? String(level).toUpperCase());
  const text = escapeControls(message, "\n\t").replace(/\n/g, "\n    ");
  return `${c.dim(time)} ${lv} ${c.dim(`[${escapeControls(tag)}]`)} ${text}`;
}

/** Print an error as one line plus a hint (no stack for expected failures); returns the exit code. */
export function reportError(e: unknown, json: boolean): number {
  if (e instanceof BosunError) {
    const where = e instanceof ConfigError ? `${e.location}: ` : "";
    if (json) printJson({ error: { code: e.code, message: e.message, hint: e.hint ?? null, ...(e instanceof ConfigError ? e.toJSON() : {}) } });
    err(`${c.red("error:")} ${where}${e.message}`);
    if (e.hint) err(`${c.dim("hint:")} ${e.hint}`);
    return e.exitCode;
  }
  if (json) printJson({ error: { code: "internal", message: errorMessage(e), hint: null } });
  err(`${c.red("error:")} ${errorMessage(e)}`);
  if (process.env.BOSUN_DEBUG && e instanceof Error && e.stack) err(e.stack);
  else err(`${c.dim("hint:")} this looks like a bug; run again with BOSUN_DEBUG=1 for details`);
  return ExitCode.failed;
}
