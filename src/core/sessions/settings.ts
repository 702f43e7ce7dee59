import type { BosunConfig } from "../config/schema.ts";
import { buildChain } from "../providers/chain.ts";
import type { Provider } from "../providers/types.ts";
import type { AgentSettings } from "./agent.ts";
import type { OutboxSettings } from "./outbox.ts";
import type { VoiceTurnSettings } from "./voice-turn.ts";

/** The agent's settings from [agent]: the provider chain (the selected primary, then the fallbacks) and the limits. */
export async function agentSettings(config: BosunConfig, primary: Provider, env: Record<string, string | undefined>, redact: (text: string) => string): Promise<AgentSettings> {
  const a = config.agent;
  return {
    chain: await buildChain(a, primary, env, redact),
    ...(a.system_prompt === undefined ? {} : { systemPrompt: a.system_prompt }),
    contextTokens: a.context_tokens,
    maxConcurrentTurns: a.max_concurrent_turns,
    maxReplyChars: a.max_reply_chars,
    maxToolSteps: a.max_tool_steps,
  };
}

/** The turn runtime's limits from the config. */
export function runtimeSettings(config: BosunConfig): { maxWaiting: number; outbox: OutboxSettings; voice: VoiceTurnSettings } {
  const g = config.gateway;
  const v = config.voice;
  return {
    maxWaiting: config.agent.max_waiting_per_session,
    outbox: { retryMs: g.outbox_retry_ms, maxAttempts: g.outbox_max_attempts, maxAgeMs: g.outbox_max_age_ms },
    voice: { maxSeconds: v.max_seconds, maxBytes: v.max_bytes, echoTranscript: v.echo_transcript, speakReplies: v.speak_replies, speakTimeoutMs: v.timeout_ms },
  };
}
