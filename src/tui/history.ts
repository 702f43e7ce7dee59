import type { AdapterState, AdapterStatus } from "../core/status.ts";
import type { AdapterHistory, MessageLine, Transition } from "./state.ts";

/** State transitions kept per adapter for its detail view. */
export const HISTORY_CAP = 50;

/** A row of an adapter's recent events: a state transition or a message through it. */
export type TimelineEntry = { kind: "state"; id: number; transition: Transition } | { kind: "message"; id: number; message: MessageLine };

/**
 * Record `next` if its state differs from `prev` (or it is new); returns the same history
 * otherwise. `at` is when it happened; `id` is consumed only when something is recorded.
 */
export function noteAdapter(history: AdapterHistory, prev: AdapterStatus | undefined, next: AdapterStatus, at: string, id: number): AdapterHistory {
  if (prev && prev.state === next.state) return history;
  const t: Transition = { id, at, from: prev?.state ?? null, to: next.state, restarts: next.restarts, lastError: next.lastError };
  const old = history[next.name] ?? [];
  const list = old.length >= HISTORY_CAP ? old.slice(old.length - HISTORY_CAP + 1) : old.slice();
  list.push(t);
  return { ...history, [next.name]: list };
}

/** History without the adapters that are no longer in `adapters`. */
export function keepAdapters(history: AdapterHistory, adapters: readonly AdapterStatus[]): AdapterHistory {
  const names = Object.keys(history);
  if (names.every((n) => adapters.some((a) => a.name === n))) return history;
  const kept: Record<string, readonly Transition[]> = {};
  for (const a of adapters) {
    const list = history[a.name];
    if (list) kept[a.name] = list;
  }
  return kept;
}

/** History without one adapter's entries. */
export function forgetAdapter(history: AdapterHistory, name: string): AdapterHistory {
  if (!(name in history)) return history;
  const { [name]: _gone, ...rest } = history;
  return rest;
}

/**
 * An adapter's transitions and messages merged in arrival order, oldest first. Both come from
 * one id sequence, so ids order them even when timestamps tie or clocks are skewed.
 */
export function adapterTimeline(transitions: readonly Transition[] | undefined, messages: readonly MessageLine[], name: string): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  const ts = transitions ?? [];
  let i = 0;
  for (const m of messages) {
    if (m.adapter !== name) continue;
    for (; i < ts.length && ts[i]!.id < m.id; i++) out.push({ kind: "state", id: ts[i]!.id, transition: ts[i]! });
    out.push({ kind: "message", id: m.id, message: m });
  }
  for (; i < ts.length; i++) out.push({ kind: "state", id: ts[i]!.id, transition: ts[i]! });
  return out;
}

/** How many rows `adapterTimeline` would return, without building it. */
export function timelineLength(transitions: readonly Transition[] | undefined, messages: readonly MessageLine[], name: string): number {
  let n = transitions?.length ?? 0;
  for (const m of messages) if (m.adapter === name) n++;
  return n;
}
