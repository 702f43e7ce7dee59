import type { BosunEvent } from "./events.ts";
import type { Status, VoiceStatus } from "./status.ts";

/** The voice part of a status (a snapshot from a gateway older than it has none). */
function voiceOf(s: Status): VoiceStatus {
  return s.voice ?? { stt: null, tts: null, sidecar: false, transcribing: [] };
}

// The fold lives apart from the status types: events.ts names those types, and a reducer in
// status.ts made the two modules import each other.

/**
 * The one reducer from events to status. The gateway keeps its own status with it, and the
 * dashboard (in-process or attached over /v1/events) uses the same function, so they cannot drift.
 */
export function reduceStatus(s: Status, e: BosunEvent): Status {
  switch (e.type) {
    case "snapshot":
      return e.status;
    case "gateway.state":
      return { ...s, gateway: { ...s.gateway, ...e.gateway } };
    case "config.error":
      return { ...s, gateway: { ...s.gateway, configError: e.error } };
    case "config.reloaded":
      return { ...s, gateway: { ...s.gateway, configError: null, configPath: e.configPath } };
    case "adapter.state": {
      const i = s.adapters.findIndex((a) => a.name === e.adapter.name);
      const adapters = s.adapters.slice();
      const prev = adapters[i];
      // The event is the supervisor's view, which has no counts: keep the ones folded so far.
      const next = { ...e.adapter, messagesIn: e.adapter.messagesIn ?? prev?.messagesIn ?? 0, messagesOut: e.adapter.messagesOut ?? prev?.messagesOut ?? 0 };
      if (i === -1) adapters.push(next);
      else adapters[i] = next;
      adapters.sort((a, b) => a.name.localeCompare(b.name));
      return { ...s, adapters };
    }
    case "adapter.removed":
      return { ...s, adapters: s.adapters.filter((a) => a.name !== e.name) };
    case "message.inbound":
    case "message.outbound": {
      const inbound = e.type === "message.inbound";
      return {
        ...s,
        adapters: s.adapters.map((a) =>
          a.name !== e.adapter
            ? a
            : inbound
              ? { ...a, lastInboundAt: e.at, messagesIn: (a.messagesIn ?? 0) + 1 }
              : { ...a, lastOutboundAt: e.at, messagesOut: (a.messagesOut ?? 0) + 1 },
        ),
      };
    }
    case "sessions.counts":
      return { ...s, sessions: e.sessions, outbox: e.outbox };
    case "install.state": {
      const i = s.installs.findIndex((x) => x.target === e.install.target);
      const installs = s.installs.slice();
      if (i === -1) installs.push(e.install);
      else installs[i] = e.install;
      return { ...s, installs };
    }
    case "install.removed":
      return { ...s, installs: s.installs.filter((x) => x.target !== e.target) };
    case "integrations.state":
      return { ...s, integrations: e.integrations };
    case "voice.state":
      return { ...s, voice: { ...voiceOf(s), ...e.voice } };
    case "voice.transcribing": {
      const v = voiceOf(s);
      const others = v.transcribing.filter((k) => k !== e.session);
      return { ...s, voice: { ...v, transcribing: e.active ? [...others, e.session] : others } };
    }
    case "log":
      return s;
  }
}
