import { defineCommand } from "citty";
import { statSync } from "node:fs";
import { createServer } from "node:net";
import type { LoadedConfig } from "../../core/config/load.ts";
import { readRunningRecord } from "../../core/control/client.ts";
import { BosunError, ConfigError, errorMessage } from "../../core/errors.ts";
import { findAdapterKind } from "../../core/adapters/registry.ts";
import type { AdapterConfig } from "../../core/adapters/types.ts";
import { selectProvider } from "../../core/providers/select.ts";
import { parseListen } from "../../core/util/listen.ts";
import { globalArgs } from "../args.ts";
import { loadForCli } from "../config-load.ts";
import { cliContext, type CliContext } from "../context.ts";
import { c, out, printJson } from "../output.ts";

type Outcome = "ok" | "warn" | "fail";
interface Check {
  name: string;
  outcome: Outcome;
  detail: string;
  hint?: string;
}

export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "doctor" },
  args: { ...globalArgs },
  async run({ args }) {
    const ctx = cliContext(args);
    const checks: Check[] = [];
    let loaded: LoadedConfig | null = null;
    try {
      loaded = loadForCli(ctx);
      (await import("../../core/installs/check-config.ts")).checkInstallTargets(loaded);
      checks.push({ name: "config", outcome: "ok", detail: `${loaded.path ?? "embedded default"} is valid` });
    } catch (e) {
      const detail = e instanceof ConfigError ? `${e.location}: ${e.message}` : errorMessage(e);
      checks.push({ name: "config", outcome: "fail", detail, hint: e instanceof ConfigError ? e.hint : undefined });
    }
    checks.push(homeCheck(ctx));
    const running = readRunningRecord(ctx.paths);
    checks.push(running ? { name: "gateway", outcome: "ok", detail: `running (pid ${running.pid})` } : { name: "gateway", outcome: "warn", detail: "not running", hint: "`bosun up --detach` starts it" });
    if (loaded) {
      for (const [name, a] of Object.entries(loaded.config.adapters)) {
        if ("listen" in a && typeof a.listen === "string") checks.push(await portCheck(name, a.listen, !!running));
      }
      for (const w of (await import("../../core/config/exposure.ts")).exposureWarnings(loaded.config)) {
        checks.push({ name: `exposure ${w.adapter}`, outcome: "warn", detail: w.message, hint: `listen = "127.0.0.1:PORT" keeps it on this machine` });
      }
      checks.push(await providerCheck(loaded, ctx));
      checks.push(...(await Promise.all(Object.entries(loaded.config.adapters).map(([name, a]) => adapterCheck(name, a)))).filter((x): x is Check => x !== null));
      checks.push(...(await integrationChecks(loaded, ctx)));
      checks.push(await voiceCheck(loaded, ctx));
      checks.push(await speechCheck(loaded, ctx));
    }
    if (args.json) printJson({ ok: checks.every((x) => x.outcome !== "fail"), checks });
    else {
      for (const x of checks) {
        const mark = x.outcome === "ok" ? c.green("✓") : x.outcome === "warn" ? c.yellow("!") : c.red("✗");
        out(`${mark} ${x.name.padEnd(14)} ${x.detail}`);
        if (x.hint && x.outcome !== "ok") out(`  ${c.dim(x.hint)}`);
      }
    }
    return checks.some((x) => x.outcome === "fail") ? 1 : 0;
  },
});

function homeCheck(ctx: CliContext): Check {
  try {
    const mode = statSync(ctx.paths.home).mode & 0o777;
    if (mode & 0o077) return { name: "home", outcome: "fail", detail: `${ctx.paths.home} is mode ${mode.toString(8)}, readable by others`, hint: `chmod 700 ${ctx.paths.home}` };
    return { name: "home", outcome: "ok", detail: `${ctx.paths.home} (0700)` };
  } catch {
    return { name: "home", outcome: "ok", detail: `${ctx.paths.home} (created on first start)` };
  }
}

async function portCheck(adapter: string, listen: string, gatewayRunning: boolean): Promise<Check> {
  const name = `port ${adapter}`;
  const { hostname, port } = parseListen(listen);
  const free = await new Promise<string | null>((resolve) => {
    const srv = createServer();
    srv.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    srv.listen(port, hostname, () => srv.close(() => resolve(null)));
  });
  if (free === null) return { name, outcome: "ok", detail: `${listen} is free` };
  if (free === "EADDRINUSE" && gatewayRunning) return { name, outcome: "ok", detail: `${listen} in use (by the running gateway)` };
  return { name, outcome: "fail", detail: `${listen}: ${free === "EADDRINUSE" ? "already in use" : free}`, hint: `change [adapters.${adapter}] listen` };
}

/** A kind's own check of one adapter (token accepted, scopes, login); null for kinds without one. */
async function adapterCheck(name: string, config: AdapterConfig): Promise<Check | null> {
  const run = await findAdapterKind(config.kind)?.checkFor(config);
  if (!run) return null;
  try {
    const r = await run(AbortSignal.timeout(CHECK_MS));
    return { name: `adapter ${name}`, ...r };
  } catch (e) {
    return { name: `adapter ${name}`, outcome: "fail", detail: errorMessage(e).slice(0, 200) };
  }
}

/** Each tool source asked once, as `bosun integrations` does with no gateway (servers started, listed, stopped). */
async function integrationChecks(loaded: LoadedConfig, ctx: CliContext): Promise<Check[]> {
  const integ = loaded.config.integrations;
  if (!integ.composio && Object.keys(integ.mcp).length === 0) return [];
  const running = readRunningRecord(ctx.paths);
  const { gatewayApi } = await import("../gateway-api.ts");
  try {
    const report = await gatewayApi(ctx).api.integrations();
    return report.sources.map((r) => ({
      name: `tools ${r.name}`,
      outcome: r.state === "ok" ? "ok" : r.state === "starting" || r.state === "not_connected" || (r.state === "backoff" && running) ? "warn" : "fail",
      detail: `${r.state}, ${r.offered}/${r.tools} tools offered${r.reason ? `: ${r.reason}` : ""}`.slice(0, 300),
      hint: "`bosun integrations tools` lists every tool and why one is not offered",
    }));
  } catch (e) {
    return [{ name: "integrations", outcome: "fail", detail: errorMessage(e).slice(0, 200) }];
  }
}

/** The whisper sidecar: in this build, runnable here, and the model a voice message would use. */
async function voiceCheck(loaded: LoadedConfig, ctx: CliContext): Promise<Check> {
  const { bundledSidecar } = await import("../../core/voice/sidecar.ts");
  const sidecar = bundledSidecar(ctx.paths.bin, 1);
  let version: string;
  try {
    version = await sidecar.probe();
  } catch (e) {
    const detail = errorMessage(e).slice(0, 300);
    return { name: "voice", outcome: sidecar.built ? "fail" : "warn", detail, hint: sidecar.built ? undefined : "rebuild with cmake and a C++ compiler installed (npm run build)" };
  }
  const { pickWhisperModel } = await import("../../core/voice/model.ts");
  try {
    const { openInstaller } = await import("../installer-context.ts");
    const model = await pickWhisperModel(openInstaller(ctx, loaded), loaded.config.voice.stt);
    return { name: "voice", outcome: "ok", detail: `${version}; transcribes with ${model.target}` };
  } catch (e) {
    const hint = e instanceof BosunError ? e.hint : undefined;
    return { name: "voice", outcome: "warn", detail: `${version}; ${errorMessage(e).slice(0, 200)}`, ...(hint ? { hint } : {}) };
  }
}

/** Text to speech: onnxruntime loads in this build, and the Piper voice a spoken reply would use. */
async function speechCheck(loaded: LoadedConfig, ctx: CliContext): Promise<Check> {
  const { loadOnnxRuntime } = await import("../../core/voice/tts/onnxruntime.ts");
  let runtime: string;
  try {
    const ort = await loadOnnxRuntime(ctx.paths.lib);
    runtime = `onnxruntime ${(ort.env as { versions?: { node?: string; common?: string } }).versions?.node ?? (ort.env as { versions?: { common?: string } }).versions?.common ?? ""}`.trim();
  } catch (e) {
    const hint = e instanceof BosunError ? e.hint : undefined;
    return { name: "speech", outcome: "warn", detail: errorMessage(e).slice(0, 300), ...(hint ? { hint } : {}) };
  }
  const { pickPiperVoice } = await import("../../core/voice/tts/voice.ts");
  try {
    const { openInstaller } = await import("../installer-context.ts");
    const voice = await pickPiperVoice(openInstaller(ctx, loaded), loaded.config.voice.tts);
    return { name: "speech", outcome: "ok", detail: `${runtime}; speaks with ${voice.target}` };
  } catch (e) {
    const hint = e instanceof BosunError ? e.hint : undefined;
    return { name: "speech", outcome: "warn", detail: `${runtime}; ${errorMessage(e).slice(0, 200)}`, ...(hint ? { hint } : {}) };
  }
}

/** A platform check's bound. */
const CHECK_MS = 15_000;

async function providerCheck(loaded: LoadedConfig, ctx: CliContext): Promise<Check> {
  const { provider, notice } = await selectProvider(loaded.config.agent, ctx.env);
  if (provider.name === "echo") return { name: "provider", outcome: notice ? "warn" : "ok", detail: "echo (replies repeat the message)", hint: notice ?? undefined };
  try {
    const reply = await provider.complete([{ role: "user", content: "Reply with the single word: ok" }], AbortSignal.timeout(15_000));
    return { name: "provider", outcome: "ok", detail: `${provider.label} answered (${reply.length} chars)` };
  } catch (e) {
    return { name: "provider", outcome: "fail", detail: `${provider.label}: ${errorMessage(e).slice(0, 200)}`, hint: "check [agent] base_url, model and api_key" };
  }
}
