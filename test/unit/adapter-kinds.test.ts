import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { defineAdapterKind } from "../../src/core/adapters/kind.ts";
import { listenSchema, supervision } from "../../src/core/config/fields.ts";
import { exposureWarnings } from "../../src/core/config/exposure.ts";
import { parseConfig } from "../../src/core/config/load.ts";
import { adapterConfigSchema, ADAPTER_KINDS, findAdapterKind, registerAdapterKind } from "../../src/core/adapters/registry.ts";
import { webchat } from "../../src/core/adapters/webchat/kind.ts";
import { checkConfigText } from "../helpers/config.ts";
import { throwaway } from "../adapter-kinds/throwaway/kind.ts";

/** The smallest valid table of every built-in kind. */
const MINIMAL: Record<string, Record<string, unknown>> = {
  webchat: { kind: "webchat" },
  webhook: { kind: "webhook", secret: "0123456789abcdef" },
  irc: { kind: "irc", server: "127.0.0.1:6667", nick: "bot" },
  twitch: { kind: "twitch", username: "bot", oauth_token: "oauth:x" },
  telegram: { kind: "telegram", token: "1:abc" },
  slack: { kind: "slack", app_token: "xapp-1-A1-1-x", bot_token: "xoxb-1-x" },
  discord: { kind: "discord", token: "MTAw.discord-token.abcdefgh" },
  email: { kind: "email", imap: "imap.example.com:993", smtp: "smtp.example.com:587", username: "bot@example.com", password: "pw", from: "Bot <bot@example.com>", allow_from: ["example.com"] },
};

describe("adapter kinds", () => {
  test("the one list holds every built-in kind once, in template order", () => {
    expect(ADAPTER_KINDS.map((k) => k.kind)).toEqual(["webchat", "webhook", "irc", "twitch", "telegram", "slack", "email", "discord"]);
    for (const k of ADAPTER_KINDS) expect(findAdapterKind(k.kind)).toBe(k);
  });

  test("a config is its own kind's and no other's; a factory is never handed another kind's config", async () => {
    for (const [name, table] of Object.entries(MINIMAL)) {
      const config = adapterConfigSchema().parse(table);
      for (const k of ADAPTER_KINDS) {
        if (k.kind === name) continue;
        await expect(k.factoryFor(config)).rejects.toThrow(`adapter kind "${k.kind}" cannot take this "${name}" config`);
      }
    }
    const web = webchat.configOf(adapterConfigSchema().parse(MINIMAL.webchat));
    expect(web?.listen).toBe("127.0.0.1:7420");
    expect(webchat.configOf(adapterConfigSchema().parse(MINIMAL.webhook!))).toBeUndefined();
  });

  test("a registered kind is accepted until it is removed again; a name registers once", () => {
    const text = '[adapters.tmp]\nkind = "throwaway"\ngreeting = "hi"\n';
    expect(checkConfigText(text, "t.toml", {})?.message).toContain("unknown kind; known kinds:");
    const unregister = registerAdapterKind(throwaway);
    try {
      expect(checkConfigText(text, "t.toml", {})).toBeNull();
      expect(checkConfigText('[adapters.tmp]\nkind = "throwawy"\n', "t.toml", {})?.message).toEndWith(', "throwaway"');
      expect(() => registerAdapterKind(throwaway)).toThrow('adapter kind "throwaway" is already registered');
      expect(() => registerAdapterKind(webchat)).toThrow('adapter kind "webchat" is already registered');
    } finally {
      unregister();
    }
    expect(checkConfigText(text, "t.toml", {})?.message).toContain("unknown kind; known kinds:");
    expect(checkConfigText(text, "t.toml", {})?.message).not.toContain("throwaway");
  });

  test("what listens, and what guards it, is the kind's own word: exposure warnings and port checks follow it", () => {
    const gate = defineAdapterKind({
      kind: "gate",
      configSchema: z.strictObject({ kind: z.literal("gate"), listen: listenSchema.default("127.0.0.1:7499"), ...supervision(60_000) }),
      listener: (c) => ({ listen: c.listen, guard: "callers must knock three times" }),
      load: async () => {
        throw new Error("not started in this test");
      },
    });
    const unregister = registerAdapterKind(gate);
    try {
      const open = parseConfig('[adapters.door]\nkind = "gate"\nlisten = "0.0.0.0:7499"\n', "g.toml", {}).config;
      expect(exposureWarnings(open).map((w) => w.message)).toEqual([
        "[adapters.door] listens on 0.0.0.0:7499, beyond loopback: reachable from the network; callers must knock three times",
      ]);
      expect(exposureWarnings(parseConfig('[adapters.door]\nkind = "gate"\n', "g.toml", {}).config)).toEqual([]);
      const clash = '[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:7499"\n\n[adapters.door]\nkind = "gate"\n';
      expect(() => parseConfig(clash, "g.toml", {})).toThrow('port 7499 is already taken by adapter "web"');
    } finally {
      unregister();
    }
  });

  test("the built-in kinds that accept connections say so; the ones that dial out do not", () => {
    const listening = ADAPTER_KINDS.filter((k) => k.listenerOf(adapterConfigSchema().parse(MINIMAL[k.kind]!)) !== undefined).map((k) => k.kind);
    expect(listening).toEqual(["webchat", "webhook"]);
  });
});
