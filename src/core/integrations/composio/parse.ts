import { isActiveStatus, normalToolkit } from "../cache.ts";
import type { SourceTool, ToolkitConnection } from "../types.ts";

const toolkitSlug = normalToolkit;

/**
 * Composio's listings read defensively: items that are not the documented shape are skipped
 * (and counted, so the caller can log once), never a crash; statuses and slugs are normalised
 * the one way semantics §6 says.
 */

const rec = (x: unknown): Record<string, unknown> | undefined => (typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined);
const text = (x: unknown): string | undefined => (typeof x === "string" && x.trim() !== "" ? x : undefined);

/** Statuses are trimmed and upper-cased (" connected " is "CONNECTED"). */
export const statusWord = (s: string): string => s.trim().toUpperCase();
// Slugs (trimmed, lowercased) and "active" are the cache's rules (semantics §6): one definition for both sides of the diff.
export { isActiveStatus, normalToolkit as toolkitSlug };

/** One page: its items and the cursor of the next (null when `next_cursor` is null, absent or empty). */
export function page(body: unknown): { items: unknown[]; next: string | null } | null {
  const b = rec(body);
  if (!b || !Array.isArray(b.items)) return null;
  const next = typeof b.next_cursor === "string" && b.next_cursor !== "" ? b.next_cursor : null;
  return { items: b.items, next };
}

export interface Account {
  id: string;
  toolkit: string;
  status: string | null;
}

/** A connected account item, or null when it lacks an id or a toolkit slug. */
export function account(item: unknown): Account | null {
  const a = rec(item);
  const id = text(a?.id);
  const slug = text(rec(a?.toolkit)?.slug) ?? text(a?.toolkit_slug);
  if (!id || !slug) return null;
  const status = typeof a?.status === "string" && a.status.trim() !== "" ? statusWord(a.status) : null;
  return { id, toolkit: toolkitSlug(slug), status };
}

/**
 * One row per toolkit: the configured ones (those without an account too), or every toolkit seen
 * when none is configured. An active account wins over the others; otherwise the first listed.
 */
export function connectionsOf(accounts: readonly Account[], configured: readonly string[]): ToolkitConnection[] {
  const best = new Map<string, Account>();
  for (const a of accounts) {
    const had = best.get(a.toolkit);
    if (!had || (!isActiveStatus(had.status) && isActiveStatus(a.status))) best.set(a.toolkit, a);
  }
  const names = configured.length ? configured : [...best.keys()].sort();
  return names.map((toolkit) => {
    const a = best.get(toolkit);
    return { toolkit, status: a?.status ?? null, active: isActiveStatus(a?.status ?? null), accountId: a?.id ?? null };
  });
}

/** A tool item, or null when it lacks a slug or is deprecated (`is_deprecated: true`). */
export function tool(item: unknown, toolkit: string): SourceTool | null {
  const t = rec(item);
  const name = text(t?.slug);
  if (!name || t?.is_deprecated === true) return null;
  const description = typeof t?.description === "string" ? t.description : typeof t?.name === "string" ? t.name : undefined;
  // A tool without parameters takes none; anything else is passed on for the hub to check.
  const inputSchema = t?.input_parameters === undefined || t.input_parameters === null ? { type: "object", properties: {} } : t.input_parameters;
  return { name, ...(description !== undefined ? { description } : {}), inputSchema, toolkit };
}

/** An auth config item's id and status, for the toolkit asked about (null: not usable). */
export function authConfig(item: unknown, toolkit: string): { id: string; enabled: boolean } | null {
  const c = rec(item);
  const id = text(c?.id);
  const slug = text(rec(c?.toolkit)?.slug);
  if (!id || (slug !== undefined && toolkitSlug(slug) !== toolkit)) return null;
  return { id, enabled: typeof c?.status === "string" && statusWord(c.status) === "ENABLED" };
}

/** The id of an auth config just created (`{auth_config:{id}}`, or a bare `{id}`). */
export function createdAuthConfigId(body: unknown): string | null {
  return text(rec(rec(body)?.auth_config)?.id) ?? text(rec(body)?.id) ?? null;
}

/** The link answer: `redirect_url` (or `redirectUrl`, or `data.redirect_url`), which must be an http(s) URL. */
export function linkAnswer(body: unknown): { redirectUrl: string; accountId: string | null } | null {
  const b = rec(body);
  const d = rec(b?.data);
  const url = text(b?.redirect_url) ?? text(b?.redirectUrl) ?? text(d?.redirect_url) ?? text(d?.redirectUrl);
  if (!url || !/^https?:$/.test(safeProtocol(url))) return null;
  const accountId = text(b?.connected_account_id) ?? text(d?.connected_account_id) ?? text(b?.id) ?? null;
  return { redirectUrl: url.trim(), accountId };
}

function safeProtocol(url: string): string {
  try {
    return new URL(url.trim()).protocol;
  } catch {
    return "";
  }
}

/** What an execution answered: `data` on success; `error` text when `successful` (or the misspelled `successfull`) is false. */
export function execution(body: unknown): { ok: true; data: unknown } | { ok: false; error: string } {
  const b = rec(body);
  if (!b) return { ok: false, error: "Composio answered the execution without a result object" };
  const flag = typeof b.successful === "boolean" ? b.successful : typeof b.successfull === "boolean" ? b.successfull : undefined;
  const err = b.error;
  const failed = flag === false || (flag === undefined && err !== null && err !== undefined && err !== "");
  if (!failed) return { ok: true, data: b.data ?? null };
  const message = typeof err === "string" ? err : text(rec(err)?.message) ?? (err === null || err === undefined ? "the tool failed without saying why" : JSON.stringify(err));
  return { ok: false, error: message };
}
