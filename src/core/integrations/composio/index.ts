import type { ConsolaInstance } from "consola";
import type { ComposioConfig } from "../../config/integrations-schema.ts";
import { errorMessage } from "../../errors.ts";
import type { Clock } from "../../util/clock.ts";
import type { ComposioSource, SourceHealth, SourceState, SourceTool, ToolkitConnection, ToolResult } from "../types.ts";
import { ComposioError, composioHttp, hideKey, type RequestSpec } from "./http.ts";
import { account, authConfig, connectionsOf, createdAuthConfigId, execution, linkAnswer, page, tool, toolkitSlug, type Account } from "./parse.ts";

export { ComposioError } from "./http.ts";

/**
 * The Composio tool source over its v3 REST API (protocols/integrations.md §1): the user's
 * connected accounts, the tools of the active configured toolkits, execution, and the connect
 * and disconnect flows. Every listing walks every page; a failure throws a ComposioError (for
 * the hub: unavailable, never cached), except `call`, whose failures are error results.
 */

/** Bound of pages one listing walks (100 × 100 accounts, 100 × 1000 tools). */
export const MAX_PAGES = 100;
/** Bound of a tool result's text for the model. */
export const MAX_RESULT_CHARS = 64_000;

export interface ComposioDeps {
  log: ConsolaInstance;
  clock: Clock;
  redact: (text: string) => string;
}

export function createComposioSource(config: ComposioConfig, deps: ComposioDeps): ComposioSource {
  const log = deps.log.withTag("composio");
  const toolkits = [...new Set(config.toolkits.map(toolkitSlug).filter((t) => t !== ""))];
  const redact = (t: string) => hideKey(t, config.api_key, deps.redact);
  const errorText = (t: string) => redact(t).slice(0, 1_000);
  const http = composioHttp({ baseUrl: config.base_url, apiKey: config.api_key, clock: deps.clock, redact: deps.redact, onRetry: (m) => log.debug(m) });
  const listeners: Array<(why: string) => void> = [];
  let stopper = new AbortController();
  let health: SourceHealth = { state: "starting", lastError: null, restarts: 0, since: iso() };

  function iso(): string {
    return new Date(deps.clock.now()).toISOString();
  }
  function setState(state: SourceState, lastError: string | null): void {
    if (health.state !== state || health.lastError !== lastError) health = { ...health, state, lastError, since: iso() };
  }

  /** One request, counted for health: a failure that says Composio is down or refuses us makes it unavailable. */
  async function request(spec: Omit<RequestSpec, "timeoutMs"> & { timeoutMs?: number }, signal: AbortSignal): Promise<unknown> {
    try {
      const body = await http({ timeoutMs: config.request_timeout_ms, ...spec }, AbortSignal.any([signal, stopper.signal]));
      if (health.state !== "stopped") setState("running", null);
      return body;
    } catch (err) {
      if (signal.aborted || stopper.signal.aborted) throw err;
      if (err instanceof ComposioError && err.answered) {
        if (health.state !== "stopped") setState("running", null);
      } else if (health.state !== "stopped") setState("unavailable", errorText(errorMessage(err)));
      throw err;
    }
  }

  /** Every item of a cursor-paginated listing: until `next_cursor` is null or absent, at most MAX_PAGES pages. */
  async function everyItem(path: string, query: Record<string, string | number | boolean | undefined>, signal: AbortSignal): Promise<unknown[]> {
    const items: unknown[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let n = 0; n < MAX_PAGES; n++) {
      const body = await request({ method: "GET", path, query: { ...query, cursor } }, signal);
      const p = page(body);
      if (!p) throw new ComposioError(`Composio answered GET ${path} without an items list`, { status: 200 });
      items.push(...p.items);
      if (p.next === null) return items;
      // A cursor that comes back again would page forever.
      if (seen.has(p.next)) throw new ComposioError(`Composio repeated a page cursor on GET ${path}`, { status: 200 });
      seen.add(p.next);
      cursor = p.next;
    }
    throw new ComposioError(`Composio's GET ${path} went on past ${MAX_PAGES} pages`, { status: 200 });
  }

  async function accounts(filter: readonly string[], signal: AbortSignal): Promise<Account[]> {
    const raw = await everyItem("/api/v3/connected_accounts", { user_ids: config.user_id, toolkit_slugs: filter.length ? filter.join(",") : undefined, limit: 100 }, signal);
    const out: Account[] = [];
    let bad = 0;
    for (const item of raw) {
      const a = account(item);
      if (a) out.push(a);
      else bad++;
    }
    if (bad) log.debug(`ignored ${bad} connected account item(s) without an id or a toolkit slug`);
    return out;
  }

  async function connections(signal: AbortSignal): Promise<ToolkitConnection[]> {
    const all = await accounts(toolkits, signal);
    // The filter was asked for; a server that ignores it must not add toolkits that are not configured.
    const mine = toolkits.length ? all.filter((a) => toolkits.includes(a.toolkit)) : all;
    return connectionsOf(mine, toolkits);
  }

  async function toolsOf(which: readonly string[], signal: AbortSignal): Promise<SourceTool[]> {
    const out: SourceTool[] = [];
    for (const slug of [...new Set(which.map(toolkitSlug))]) {
      const names = new Set<string>();
      let bad = 0;
      for (const item of await everyItem("/api/v3/tools", { toolkit_slug: slug, limit: 1000 }, signal)) {
        const t = tool(item, slug);
        if (!t) {
          bad++;
          continue;
        }
        if (names.has(t.name)) continue;
        names.add(t.name);
        out.push(t);
      }
      if (bad) log.debug(`${slug}: skipped ${bad} deprecated or malformed tool item(s)`);
    }
    return out;
  }

  function checkToolkit(raw: string): string {
    const slug = toolkitSlug(raw);
    if (!/^[a-z0-9][a-z0-9_.-]{0,99}$/.test(slug)) throw new ComposioError(`"${redact(raw).slice(0, 60)}" is not a toolkit slug`, { hint: "toolkit slugs look like gmail or github" });
    if (toolkits.length && !toolkits.includes(slug)) {
      throw new ComposioError(`toolkit ${slug} is not in [integrations.composio] toolkits (${toolkits.join(", ")})`, { hint: `add "${slug}" to [integrations.composio] toolkits, then reload` });
    }
    return slug;
  }

  function changed(why: string): void {
    for (const l of listeners) {
      try {
        l(why);
      } catch (err) {
        log.debug(`a change listener failed: ${errorMessage(err)}`);
      }
    }
  }

  return {
    name: "composio",
    kind: "composio",
    toolkits,
    start() {
      if (health.state === "stopped") {
        stopper = new AbortController();
        setState("starting", null);
      }
    },
    async stop() {
      stopper.abort();
      setState("stopped", null);
    },
    health: () => health,
    connections,
    toolsOf,
    async list(signal) {
      const active = (await connections(signal)).filter((c) => c.active).map((c) => c.toolkit);
      return toolsOf(active, signal);
    },

    async call(name, args, signal): Promise<ToolResult> {
      const deadline = AbortSignal.timeout(config.call_timeout_ms);
      try {
        const body = await request(
          {
            method: "POST",
            path: `/api/v3/tools/execute/${encodeURIComponent(name)}`,
            body: { arguments: args, user_id: config.user_id, version: "latest" },
            timeoutMs: config.call_timeout_ms,
            retry5xx: false,
          },
          AbortSignal.any([signal, deadline]),
        );
        const r = execution(body);
        if (!r.ok) return { text: errorText(`${name} failed: ${r.error}`), isError: true };
        return { text: bounded(redact(JSON.stringify(r.data) ?? "null")), isError: false };
      } catch (err) {
        if (deadline.aborted) return { text: `${name} timed out after ${config.call_timeout_ms} ms`, isError: true };
        if (signal.aborted) return { text: `${name} was cancelled`, isError: true };
        return { text: errorText(`${name}: ${errorMessage(err)}`), isError: true };
      }
    },

    async connect(raw, signal) {
      const slug = checkToolkit(raw);
      const configs = await request({ method: "GET", path: "/api/v3/auth_configs", query: { toolkit_slug: slug, show_disabled: true, limit: 25 } }, signal);
      const found = (page(configs)?.items ?? []).map((i) => authConfig(i, slug)).filter((c) => c !== null);
      let id = found.find((c) => c.enabled)?.id ?? null;
      if (!id) {
        log.info(`${slug}: no enabled auth config at Composio; creating one with Composio-managed auth`);
        const created = await request(
          { method: "POST", path: "/api/v3/auth_configs", body: { toolkit: { slug }, auth_config: { type: "use_composio_managed_auth", name: `${slug} auth config` } } },
          signal,
        );
        id = createdAuthConfigId(created);
        if (!id) throw new ComposioError(`Composio created an auth config for ${slug} but sent no id`, { status: 200 });
      }
      const link = linkAnswer(await request({ method: "POST", path: "/api/v3/connected_accounts/link", body: { auth_config_id: id, user_id: config.user_id } }, signal));
      if (!link) throw new ComposioError(`Composio started a connection for ${slug} but sent no http(s) redirect_url`, { status: 200 });
      changed(`connect started for ${slug}`);
      return link;
    },

    async disconnect(raw, signal) {
      const slug = toolkitSlug(raw);
      if (!/^[a-z0-9][a-z0-9_.-]{0,99}$/.test(slug)) throw new ComposioError(`"${redact(raw).slice(0, 60)}" is not a toolkit slug`);
      const ids = [...new Set((await accounts([slug], signal)).filter((a) => a.toolkit === slug).map((a) => a.id))];
      for (const id of ids) await request({ method: "DELETE", path: `/api/v3/connected_accounts/${encodeURIComponent(id)}` }, signal);
      changed(`disconnected ${slug} (${ids.length} account${ids.length === 1 ? "" : "s"})`);
      return ids.length;
    },

    onChange(listener) {
      listeners.push(listener);
    },
  };
}

/** At most MAX_RESULT_CHARS, with a marker saying how much was cut. */
function bounded(text: string): string {
  if (text.length <= MAX_RESULT_CHARS) return text;
  const marker = `\n… [cut: ${text.length - MAX_RESULT_CHARS} more characters]`;
  return text.slice(0, MAX_RESULT_CHARS - marker.length) + marker;
}

