/** Exit codes of the CLI contract (product.md). */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  config: 3,
  notRunning: 4,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A failure a user can see and act on: a one-line message plus a hint, never a stack trace.
 * `C` narrows the code where it crosses a typed seam (the gateway API's codes, api.ts).
 */
export class BosunError<C extends string = string> extends Error {
  readonly code: C;
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  constructor(code: C, message: string, opts: { exitCode?: ExitCodeValue; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "BosunError";
    this.code = code;
    this.exitCode = opts.exitCode ?? ExitCode.failed;
    this.hint = opts.hint;
  }
}

/** Error raised by config loading; carries the location of the problem. */
export class ConfigError extends BosunError<"config_invalid"> {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly key: string | undefined;
  constructor(msg: string, loc: { file: string; line: number; column: number; key?: string; hint?: string }) {
    super("config_invalid", msg, { exitCode: ExitCode.config, hint: loc.hint ?? "fix the file, then run `bosun config check`" });
    this.name = "ConfigError";
    this.file = loc.file;
    this.line = loc.line;
    this.column = loc.column;
    this.key = loc.key;
  }
  /** `file:line:col: message` — the form editors and terminals can jump to. */
  get location(): string {
    return `${this.file}:${this.line}:${this.column}`;
  }
  toJSON(): ConfigErrorInfo {
    return { file: this.file, line: this.line, column: this.column, key: this.key ?? null, message: this.message, hint: this.hint ?? null };
  }
}

export interface ConfigErrorInfo {
  file: string;
  line: number;
  column: number;
  key: string | null;
  message: string;
  hint: string | null;
}

/** Best-effort short message for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
