import type { ToolNote } from "./types.ts";

/** `*` matches any run of characters; everything else is literal; the whole name must match. */
function globRegex(pattern: string): RegExp {
  const body = pattern.split("*").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${body}$`, "s");
}

/** A source's allow and deny lists, compiled once. */
export class ToolFilter {
  readonly #allow: Array<{ pattern: string; re: RegExp }> | null;
  readonly #deny: Array<{ pattern: string; re: RegExp }>;
  readonly #table: string;

  /** `table` names the config table in the notes ("[integrations.mcp.files]"). */
  constructor(allow: readonly string[] | undefined, deny: readonly string[] | undefined, table: string) {
    this.#allow = allow ? allow.map((pattern) => ({ pattern, re: globRegex(pattern) })) : null;
    this.#deny = (deny ?? []).map((pattern) => ({ pattern, re: globRegex(pattern) }));
    this.#table = table;
  }

  /** Why the tool is filtered out, or null when it passes. Deny wins over allow. */
  check(name: string): ToolNote | null {
    const denied = this.#deny.find((d) => d.re.test(name));
    if (denied) return { code: "denied", message: `matches deny pattern ${JSON.stringify(denied.pattern)} in ${this.#table}` };
    if (this.#allow && !this.#allow.some((a) => a.re.test(name))) {
      return { code: "not_allowed", message: `matches no allow pattern in ${this.#table} (${this.#allow.map((a) => JSON.stringify(a.pattern)).join(", ") || "the list is empty"})` };
    }
    return null;
  }
}
