import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
export { webchatTurn } from "./webchat.ts";

/** The built binary under test (e2e tests always run the real artifact; BOSUN_TEST_BIN runs them against another build, e.g. an older commit). */
export const BIN = process.env.BOSUN_TEST_BIN ?? resolve(import.meta.dir, "../../dist/bosun");

export interface Sandbox {
  dir: string;
  home: string;
  env: Record<string, string>;
  /** Write bosun.toml in the sandbox; returns its path. */
  writeConfig(text: string): string;
  /** Run the binary to completion. */
  run(args: string[], opts?: { input?: string; timeoutMs?: number }): { code: number; stdout: string; stderr: string };
  /** Run the binary without blocking this process (needed when a test server lives in this process). */
  runAsync(args: string[], opts?: { timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Start the binary in the background. */
  spawn(args: string[]): ChildProcess;
}

/** A private home + cwd for one test, with an environment that can't reach real providers. */
export function sandbox(extraEnv: Record<string, string> = {}): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), "bosun-e2e-"));
  const home = join(dir, "home");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    BOSUN_HOME: home,
    XDG_CONFIG_HOME: join(dir, "xdg-config"),
    XDG_DATA_HOME: join(dir, "xdg-data"),
    OLLAMA_HOST: "127.0.0.1:9",
    NO_COLOR: "1",
    ...extraEnv,
  };
  return {
    dir,
    home,
    env,
    writeConfig(text) {
      const p = join(dir, "bosun.toml");
      writeFileSync(p, text);
      return p;
    },
    run(args, opts = {}) {
      const r = spawnSync(BIN, args, { cwd: dir, env, input: opts.input, timeout: opts.timeoutMs ?? 20_000, encoding: "utf8" });
      return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
    },
    runAsync(args, opts = {}) {
      return new Promise((resolve) => {
        const child = spawn(BIN, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (d) => (stdout += d));
        child.stderr!.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 20_000);
        child.on("close", (code) => {
          clearTimeout(timer);
          resolve({ code: code ?? -1, stdout, stderr });
        });
      });
    },
    spawn(args) {
      return spawn(BIN, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    },
  };
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** Resolve when the child exits; returns its exit code. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once("exit", (code) => r(code)));
}

/** Resolve with the first stderr/stdout line of `child` that matches. */
export function waitForLine(child: ChildProcess, re: RegExp, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms; got:\n${buf}`)), timeoutMs);
    const onData = (d: Buffer) => {
      buf += d.toString();
      const line = buf.split("\n").find((l) => re.test(l));
      if (line !== undefined) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.stderr?.off("data", onData);
        resolveLine(line);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
  });
}


/** True when `git`-style 'which' finds a program. */
export function have(program: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${program}`]).status === 0;
}
