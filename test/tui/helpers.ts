import { stripVTControlCharacters } from "node:util";
import type { EventEmitter } from "node:events";
import type { ReactElement } from "react";
import { render as inkRender, type Instance } from "ink";
import type { Status } from "../../src/core/status.ts";
import type { CatalogItem } from "../../src/tui/source.ts";
import type { fakeTerminal } from "./fakeTerminal.ts";
import { waitUntil } from "../helpers/wait.ts";

export const MiB = 1024 * 1024;

/** A small catalogue for the picker: two Whisper models, two Piper voices. */
export const CATALOG: CatalogItem[] = [
  { target: "whisper:base.en", engine: "whisper", description: "English-only, base", language: "en", quality: "base", size: 148 * MiB },
  { target: "whisper:large-v3", engine: "whisper", description: "Multilingual, large-v3", language: "multilingual", quality: "large-v3", size: 2950 * MiB },
  { target: "piper:en_US-lessac-medium", engine: "piper", description: "English (United States), lessac, medium", language: "en_US", quality: "medium", size: 63 * MiB },
  { target: "piper:de_DE-thorsten-high", engine: "piper", description: "German (Germany), thorsten, high", language: "de_DE", quality: "high", size: 114 * MiB },
];

/** Render with real Ink into a fake terminal (its size and TTY-ness), as the dashboard runs. */
export function renderInTerminal(element: ReactElement, term: ReturnType<typeof fakeTerminal>): Instance {
  return inkRender(element, { ...term.io, debug: true, exitOnCtrlC: false, patchConsole: false });
}

// The shared wait helper; dashboard tests import it from here with the other helpers.
export { waitUntil };

/** The last frame without colour codes, so assertions do not depend on colour support. */
export function plain(frame: string | undefined): string {
  return stripVTControlCharacters(frame ?? "");
}

/** Wait until the rendered frame contains `text` (or, with `absent`, no longer does). */
export async function waitForFrame(lastFrame: () => string | undefined, text: string, absent = false): Promise<string> {
  await waitUntil(
    () => plain(lastFrame()).includes(text) !== absent,
    () => `frame ${absent ? "still contains" : "never contained"} ${JSON.stringify(text)}; last frame:\n${plain(lastFrame())}`,
  );
  return plain(lastFrame());
}

/**
 * Wait until Ink listens on stdin. Its listener is attached in an effect after the first
 * render; a key written before that is silently lost, which would make key tests flaky.
 */
export async function waitForInput(stdin: EventEmitter): Promise<void> {
  await waitUntil(
    () => stdin.listenerCount("readable") > 0,
    () => "Ink never attached a stdin listener",
  );
}

/** A status of a running gateway with one webchat adapter. */
export function runningStatus(overrides: { startedAt?: string } = {}): Status {
  return {
    gateway: {
      state: "running",
      pid: 4242,
      version: "0.1.0",
      uptimeMs: 0,
      startedAt: overrides.startedAt ?? new Date(Date.now() - 65_000).toISOString(),
      configPath: "/home/me/.config/bosun/bosun.toml",
      provider: "openai",
      configError: null,
    },
    adapters: [
      {
        name: "web",
        kind: "webchat",
        state: "running",
        restarts: 0,
        since: new Date(Date.now() - 60_000).toISOString(),
        lastError: null,
        nextRetryAt: null,
        lastInboundAt: null,
        lastOutboundAt: null,
      },
    ],
    installs: [],
    sessions: { total: 0, active: 0, errored: 0 },
    outbox: { pending: 0, dead: 0 },
    integrations: [],
    voice: { stt: null, tts: null, sidecar: false, transcribing: [] },
  };
}

/** A mounted dashboard as the key-driving helpers need it. */
export interface Driven {
  stdin: EventEmitter & { write(data: string): unknown };
  lastFrame: () => string | undefined;
}

/** Type `keys` once Ink listens, then wait until the frame shows `expected`. */
export async function press(m: Driven, keys: string, expected: string): Promise<string> {
  await waitForInput(m.stdin);
  m.stdin.write(keys);
  return waitForFrame(m.lastFrame, expected);
}

/** Wait until the (plain) frame matches `re`; returns it. */
export async function waitForMatch(m: { frame(): string }, re: RegExp): Promise<string> {
  await waitUntil(
    () => re.test(m.frame()),
    () => `frame never matched ${re}; last frame:\n${m.frame()}`,
  );
  return m.frame();
}
