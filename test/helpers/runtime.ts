import { createConsola, type ConsolaInstance } from "consola";
import type { AdapterManager } from "../../src/core/adapters/manager.ts";
import { openDatabase } from "../../src/core/db.ts";
import { checkpointInBackground } from "../../src/core/db-checkpoint.ts";
import { EventBus } from "../../src/core/events.ts";
import { DEFAULT_FALLBACK_ON } from "../../src/core/providers/chain.ts";
import { defineProvider, KnownDeltas } from "../../src/core/providers/collect.ts";
import type { ToolBox } from "../../src/core/integrations/types.ts";
import { echoProvider } from "../../src/core/providers/echo.ts";
import type { Provider } from "../../src/core/providers/types.ts";
import { Agent } from "../../src/core/sessions/agent.ts";
import type { Channels } from "../../src/core/sessions/outbox.ts";
import { TurnRuntime } from "../../src/core/sessions/runtime.ts";
import { SqliteSessionStore } from "../../src/core/sessions/sqlite-store.ts";
import type { Clock } from "../../src/core/util/clock.ts";
import type { SpeakReply, Transcriber } from "../../src/core/voice/types.ts";
import type { VoiceTurnSettings } from "../../src/core/sessions/voice-turn.ts";

/** A provider answering `answer(lastUserText, n)` for its n-th call (1-based), at once. */
export function scriptedProvider(answer: (text: string, n: number) => string): Provider & { calls: number } {
  let calls = 0;
  const p = defineProvider({
    name: "scripted",
    label: "scripted",
    model: "scripted",
    stream(req) {
      calls++;
      const last = req.messages.findLast((m) => m.role === "user");
      return new KnownDeltas([{ type: "text", text: answer(String(last?.content ?? ""), calls) }, { type: "finish", reason: "stop" }]);
    },
  });
  return Object.defineProperty(p, "calls", { get: () => calls }) as Provider & { calls: number };
}

export interface RuntimeParts {
  store: SqliteSessionStore;
  agent: Agent;
  runtime: TurnRuntime;
  /** Stop the background checkpoints (a file database checkpoints like the gateway's). */
  close: () => Promise<void>;
}

/**
 * A real turn runtime over a real SQLite store (a file path, or in memory), answering through
 * `provider` (echo by default) and delivering through `channels` (an AdapterManager, usually).
 */
export async function startRuntime(opts: {
  channels: Channels & Partial<Pick<AdapterManager, "attach">>;
  clock: Clock;
  bus?: EventBus;
  log?: ConsolaInstance;
  provider?: Provider;
  db?: string;
  maxWaiting?: number;
  maxConcurrentTurns?: number;
  contextTokens?: number;
  maxToolSteps?: number;
  tools?: ToolBox;
  outbox?: { retryMs: number; maxAttempts: number; maxAgeMs: number };
  voice?: VoiceTurnSettings;
  transcriber?: Transcriber;
  speakReply?: SpeakReply;
}): Promise<RuntimeParts> {
  const log = opts.log ?? createConsola({ level: -999 });
  const path = opts.db ?? ":memory:";
  const db = openDatabase(path);
  const stopCheckpoints = checkpointInBackground(db, path, opts.clock, () => undefined);
  const store = new SqliteSessionStore(db);
  const provider = opts.provider ?? echoProvider();
  const agent = new Agent({
    chain: [{ provider, model: provider.model ?? provider.name, on: DEFAULT_FALLBACK_ON }],
    contextTokens: opts.contextTokens ?? 8000,
    maxToolSteps: opts.maxToolSteps ?? 10,
    ...(opts.tools ? { tools: opts.tools } : {}),
    maxConcurrentTurns: opts.maxConcurrentTurns ?? 8,
    store,
    clock: opts.clock,
    log,
    describeStatus: () => "all good",
    redact: (t) => t,
  });
  const runtime = new TurnRuntime({
    store,
    agent,
    channels: opts.channels,
    clock: opts.clock,
    log,
    bus: opts.bus ?? new EventBus(opts.clock),
    maxWaiting: opts.maxWaiting ?? 20,
    outbox: opts.outbox ?? { retryMs: 1000, maxAttempts: 10, maxAgeMs: 86_400_000 },
    ...(opts.voice ? { voice: opts.voice } : {}),
    ...(opts.transcriber ? { transcriber: opts.transcriber } : {}),
    ...(opts.speakReply ? { speakReply: opts.speakReply } : {}),
  });
  opts.channels.attach?.(runtime);
  await runtime.start();
  return { store, agent, runtime, close: stopCheckpoints };
}
