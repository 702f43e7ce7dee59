import { freePort, freePorts, percentile, progress, round, sleep, summary } from "./lib.ts";
import { accepts, healthz, renderConfig, until, type AdapterRow, type AdapterSpec, type Sandbox } from "./sandbox.ts";

const DEBOUNCE_MS = 50;
/** How long one edit may take to show before the run calls it a failure. */
const CONVERGE_TIMEOUT_MS = 15_000;
/** Quiet time between edits, so one edit's watch events are long settled before the next. */
const SETTLE_MS = 250;
const RELOADED_RE = /^config reloaded in (\d+(?:\.\d+)?) ms: (.*)$/;

export interface ReconcileFigures {
  adapters: number;
  debounceMs: number;
  replace: {
    edits: number;
    /** Write of the file → the new port answers GET /healthz 200. */
    untilHealthzMs: { median: number; p90: number; runs: number };
    /** Write of the file → also `adapters --json` shows the adapter running with its new fingerprint. */
    untilAdaptersJsonMs: { median: number; p90: number; runs: number };
    /** The gateway's own "config reloaded in N ms" (reconcile only, after the debounce and the parse). */
    gatewayReportedMs: { median: number; max: number };
  };
  add: { untilHealthzMs: number; untilAdaptersJsonMs: number; gatewayReportedMs: number };
  remove: { untilPortClosedMs: number; untilAdaptersJsonMs: number; gatewayReportedMs: number };
}

/** Reload lines of the log: [reported ms, summary]. */
function reloads(sb: Sandbox): Array<[number, string]> {
  return sb
    .logMessages()
    .map((m) => RELOADED_RE.exec(m))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [Number(m[1]), m[2]!]);
}

function byName(rows: AdapterRow[]): Map<string, AdapterRow> {
  return new Map(rows.map((r) => [r.name, r]));
}

/**
 * Write `next` as bosun.toml and time until the edit shows: `served` (the port side: healthz up, or
 * the port closed) and then `listed` (what `adapters --json` must show). Also checks that the log
 * reports exactly `expectSummary` and that every other adapter was left alone (same `since`, running).
 */
async function edit(
  sb: Sandbox,
  next: Map<string, AdapterSpec>,
  touched: string,
  expectSummary: string,
  served: () => Promise<boolean>,
  listed: (row: AdapterRow | undefined) => boolean,
): Promise<{ servedMs: number; listedMs: number; reportedMs: number }> {
  const before = byName(sb.adapters());
  const reloadsBefore = reloads(sb).length;
  const t0 = performance.now();
  sb.writeConfig(renderConfig(next, { reload_debounce_ms: DEBOUNCE_MS }));
  let last: AdapterRow[] = [];
  try {
    await until(`"${expectSummary}": port side`, served, CONVERGE_TIMEOUT_MS);
    const servedMs = performance.now() - t0;
    await until(
      `"${expectSummary}": adapters --json`,
      () => listed(byName((last = sb.adapters())).get(touched)),
      CONVERGE_TIMEOUT_MS,
      0,
    );
    const listedMs = performance.now() - t0;
    await until(`"${expectSummary}": log line`, () => reloads(sb).length > reloadsBefore, CONVERGE_TIMEOUT_MS, 5);
    const lines = reloads(sb).slice(reloadsBefore);
    if (lines.length !== 1 || lines[0]![1] !== expectSummary) {
      throw new Error(`expected one reload "${expectSummary}", the log has: ${JSON.stringify(lines.map((l) => l[1]))}`);
    }
    for (const [name, row] of byName(last)) {
      const was = before.get(name);
      if (name === touched || !was) continue;
      if (row.state !== "running" || row.since !== was.since || row.restarts !== was.restarts) {
        throw new Error(`"${expectSummary}" disturbed ${name}: was ${JSON.stringify(was)}, now ${JSON.stringify(row)}`);
      }
    }
    return { servedMs, listedMs, reportedMs: lines[0]![0] };
  } catch (e) {
    const tail = sb.logMessages().slice(-8).join("\n  ");
    const seen = last.length ? last : sb.adapters();
    const row = seen.find((r) => r.name === touched);
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n  adapters --json shows ${touched} as ${JSON.stringify(row ?? null)}\n  log tail:\n  ${tail}`);
  }
}

/**
 * A gateway with `count` webchat adapters and reload_debounce_ms = 50: `edits` edits that each move
 * one adapter to a new port, then one edit that adds an adapter and one that removes it again.
 */
export async function benchReconcile(sb: Sandbox, count: number, edits: number): Promise<ReconcileFigures> {
  const adapters = new Map<string, AdapterSpec>();
  for (const [i, port] of (await freePorts(count)).entries()) adapters.set(`w${i + 1}`, { kind: "webchat", port });
  sb.writeConfig(renderConfig(adapters, { reload_debounce_ms: DEBOUNCE_MS }));
  sb.up();
  const rows = sb.adapters();
  if (rows.length !== count || rows.some((r) => r.state !== "running")) throw new Error(`after up, adapters --json shows ${JSON.stringify(rows)}`);

  const served: number[] = [];
  const listed: number[] = [];
  const reported: number[] = [];
  for (let i = 0; i < edits; i++) {
    await sleep(SETTLE_MS);
    const name = `w${(i % count) + 1}`;
    const oldPort = adapters.get(name)!.port;
    let port = await freePort();
    while ([...adapters.values()].some((a) => a.port === port)) port = await freePort();
    const before = sb.adapters().find((r) => r.name === name)!;
    adapters.set(name, { kind: "webchat", port });
    progress(`reconcile: edit ${i + 1}/${edits}, ${name} ${oldPort} -> ${port}`);
    const r = await edit(
      sb,
      adapters,
      name,
      `replaced ${name}`,
      () => healthz(port, 500),
      (row) => row?.state === "running" && (row.fingerprint !== before.fingerprint || row.since !== before.since),
    );
    if (await accepts(oldPort)) throw new Error(`after moving ${name} to ${port}, its old port ${oldPort} still accepts connections`);
    served.push(r.servedMs);
    listed.push(r.listedMs);
    reported.push(r.reportedMs);
  }

  await sleep(SETTLE_MS);
  const addName = `w${count + 1}`;
  let addPort = await freePort();
  while ([...adapters.values()].some((a) => a.port === addPort)) addPort = await freePort();
  adapters.set(addName, { kind: "webchat", port: addPort });
  progress(`reconcile: add ${addName} on ${addPort}`);
  const add = await edit(sb, adapters, addName, `added ${addName}`, () => healthz(addPort, 500), (row) => row?.state === "running");

  await sleep(SETTLE_MS);
  adapters.delete(addName);
  progress(`reconcile: remove ${addName}`);
  const remove = await edit(sb, adapters, addName, `removed ${addName}`, async () => !(await accepts(addPort)), (row) => row === undefined);

  sb.down();
  return {
    adapters: count,
    debounceMs: DEBOUNCE_MS,
    replace: {
      edits,
      untilHealthzMs: summary(served),
      untilAdaptersJsonMs: summary(listed),
      gatewayReportedMs: { median: round(percentile(reported, 50)), max: round(Math.max(...reported)) },
    },
    add: { untilHealthzMs: round(add.servedMs), untilAdaptersJsonMs: round(add.listedMs), gatewayReportedMs: add.reportedMs },
    remove: { untilPortClosedMs: round(remove.servedMs), untilAdaptersJsonMs: round(remove.listedMs), gatewayReportedMs: remove.reportedMs },
  };
}
