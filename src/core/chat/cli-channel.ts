import type { OutboundMessage, TurnProgress } from "../messages.ts";
import type { Channels } from "../sessions/outbox.ts";

/** The built-in channel `bosun chat` talks through (a name the config may not use: RESERVED_ADAPTER_NAMES). */
export const CLI_ADAPTER = "cli";

/** One terminal attached to a conversation of the cli channel while it waits for an answer. */
export interface CliListener {
  progress(p: TurnProgress): void;
  reply(m: OutboundMessage): void;
}

/**
 * The cli channel: no connection of its own, only the terminals (REPL clients) attached to each
 * conversation right now. A reply is "sent" once at least one of them took it; with none attached
 * it is "not_connected" and waits in the outbox until a terminal attaches (the runtime is told,
 * and delivers it then, in order).
 */
export class CliChannel {
  #listeners = new Map<string, Set<CliListener>>();

  /** Attach a listener to `conversation`; returns whether it is the first one there, and how to detach it. */
  attach(conversation: string, l: CliListener): { first: boolean; detach: () => void } {
    let set = this.#listeners.get(conversation);
    const first = !set || set.size === 0;
    if (!set) this.#listeners.set(conversation, (set = new Set()));
    set.add(l);
    return {
      first,
      detach: () => {
        set.delete(l);
        if (set.size === 0 && this.#listeners.get(conversation) === set) this.#listeners.delete(conversation);
      },
    };
  }

  /** Terminals attached to `conversation` now. */
  attached(conversation: string): number {
    return this.#listeners.get(conversation)?.size ?? 0;
  }

  send(m: OutboundMessage): "sent" | "not_connected" {
    const set = this.#listeners.get(m.conversation);
    if (!set || set.size === 0) return "not_connected";
    for (const l of [...set]) l.reply(m);
    return "sent";
  }

  progress(p: TurnProgress): void {
    for (const l of [...(this.#listeners.get(p.conversation) ?? [])]) l.progress(p);
  }
}

/**
 * The runtime's channels: the cli channel for adapter "cli", the adapters (the manager) for
 * every other name. The cli channel answers a repeated message id with the stored reply, as a
 * request/response channel does, so a client that resends after a lost connection gets its answer.
 */
export function withCliChannel(cli: CliChannel, adapters: Channels): Channels {
  return {
    send: async (adapter, m) => (adapter === CLI_ADAPTER ? cli.send(m) : adapters.send(adapter, m)),
    progress: (adapter, p) => (adapter === CLI_ADAPTER ? cli.progress(p) : adapters.progress(adapter, p)),
    answersDuplicates: (adapter) => adapter === CLI_ADAPTER || adapters.answersDuplicates(adapter),
    // The cli channel takes text only; adapters fetch their voice messages.
    ...(adapters.fetchAudio ? { fetchAudio: adapters.fetchAudio.bind(adapters) } : {}),
    // Spoken replies go to adapters that take voice notes; a terminal gets the text.
    ...(adapters.sendVoice ? { sendVoice: async (adapter, m, note, signal) => (adapter === CLI_ADAPTER ? "unsupported" : adapters.sendVoice!(adapter, m, note, signal)) } : {}),
    // Asked before a voice note is made: none is made for a terminal.
    canSendVoice: (adapter) => adapter !== CLI_ADAPTER && adapters.sendVoice !== undefined && adapters.canSendVoice?.(adapter) !== false,
  };
}
