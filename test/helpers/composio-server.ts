/**
 * A local server speaking Composio's v3 REST shapes (protocols/integrations.md §1) on 127.0.0.1:
 * connected accounts, tools, execution, auth configs, the link flow and deletes, with cursor
 * pagination by `limit` (base64 cursors; the last page sends `next_cursor: null` or omits it),
 * Composio's error bodies, an `x-api-key` check (a second credential header is refused, as
 * production does), scripted failures per path, and a record of every request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface Account {
  id: string;
  /** As stored (a test may give " Gmail " to see it normalised). */
  toolkit: string;
  status: string;
  user_id: string;
  auth_config_id: string;
}

export interface AuthConfig {
  id: string;
  toolkit: string;
  name: string;
  status: "ENABLED" | "DISABLED";
}

export interface Tool {
  slug: string;
  toolkit: string;
  description?: string;
  input_parameters?: unknown;
  is_deprecated?: boolean;
  no_auth?: boolean;
}

export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** A scripted answer: a status, a JSON body (or raw text), headers. */
export interface Failure {
  status: number;
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

/** What an execution handler gives back: data, or a failed run (HTTP 200, successful:false). */
export type Execution = { data: unknown } | { error: string; misspelled?: boolean };

export const errorBody = (status: number, message: string, more: Record<string, unknown> = {}) => ({
  error: { message, code: status * 100 + 1, status, request_id: `req_${status}`, ...more },
});

/** The 401 body the brief and Composio's spec describe. */
export const unauthorized = (): Failure => ({
  status: 401,
  body: { error: { message: "Invalid API key", code: 10401, status: 401, request_id: "req_x", suggested_fix: "Pass a valid project API key in the x-api-key header" } },
});
export const rateLimited = (retryAfter: string, header = "retry-after"): Failure => ({ status: 429, body: errorBody(429, "Rate limit exceeded"), headers: { [header]: retryAfter } });
export const serverError = (): Failure => ({ status: 500, body: errorBody(500, "Internal server error") });

export class ComposioServer {
  #server!: Server;
  #base = "";
  #sockets = new Set<Socket>();
  #failures: Array<{ method: string | null; path: string | RegExp; answer: Failure | ((req: SeenRequest) => Failure) }> = [];
  #n = 0;
  readonly apiKey: string;
  readonly accounts: Account[] = [];
  readonly authConfigs: AuthConfig[] = [];
  readonly tools: Tool[] = [];
  readonly requests: SeenRequest[] = [];
  /** Executions by tool slug; a tool without one answers `{data: {echo: arguments}}`. */
  readonly executions = new Map<string, (args: any, body: any) => Execution>();
  /** How the last page says it is the last: `next_cursor: null`, or no `next_cursor` at all. */
  lastPage: "null" | "absent" = "null";
  /** Page size when a request gives no `limit`. */
  defaultLimit = 20;

  private constructor(apiKey: string) {
    this.apiKey = apiKey;
  }

  static async start(apiKey: string): Promise<ComposioServer> {
    const s = new ComposioServer(apiKey);
    s.#server = createServer((req, res) => void s.#handle(req, res));
    s.#server.on("connection", (sock) => {
      s.#sockets.add(sock);
      sock.on("close", () => s.#sockets.delete(sock));
    });
    await new Promise<void>((resolve, reject) => {
      s.#server.once("error", reject);
      s.#server.listen(0, "127.0.0.1", () => resolve());
    });
    s.#base = `http://127.0.0.1:${(s.#server.address() as AddressInfo).port}`;
    return s;
  }

  /** The base URL (what `base_url` takes). */
  get url(): string {
    return this.#base;
  }

  addAccount(toolkit: string, status: string, more: Partial<Account> = {}): Account {
    const a: Account = { id: `ca_${++this.#n}`, toolkit, status, user_id: "default", auth_config_id: "ac_any", ...more };
    this.accounts.push(a);
    return a;
  }

  setStatus(id: string, status: string): void {
    const a = this.accounts.find((x) => x.id === id);
    if (!a) throw new Error(`no account ${id}`);
    a.status = status;
  }

  addTool(toolkit: string, slug: string, more: Partial<Tool> = {}): Tool {
    const t: Tool = { slug, toolkit, description: `${slug} does things`, input_parameters: notionLikeSchema(), ...more };
    this.tools.push(t);
    return t;
  }

  addAuthConfig(toolkit: string, status: AuthConfig["status"] = "ENABLED"): AuthConfig {
    const c: AuthConfig = { id: `ac_${++this.#n}`, toolkit, name: `${toolkit} auth config`, status };
    this.authConfigs.push(c);
    return c;
  }

  /** The next request matching `method` and `path` gets `answer` (queue several calls for several requests). */
  fail(method: string | null, path: string | RegExp, answer: Failure | ((req: SeenRequest) => Failure)): this {
    this.#failures.push({ method, path, answer });
    return this;
  }

  /** Requests made to a path (and method). */
  seen(method: string, path: string | RegExp): SeenRequest[] {
    return this.requests.filter((r) => r.method === method && (typeof path === "string" ? r.path === path : path.test(r.path)));
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const u = new URL(req.url ?? "/", this.#base);
    let body: any = undefined;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return send(res, 400, errorBody(400, "Request body is not valid JSON"));
      }
    }
    const seen: SeenRequest = { method: req.method ?? "GET", path: u.pathname, query: Object.fromEntries(u.searchParams), headers: { ...req.headers }, body };
    this.requests.push(seen);
    const key = req.headers["x-api-key"];
    if (key !== this.apiKey || req.headers.authorization !== undefined || req.headers["x-org-api-key"] !== undefined) {
      const f = unauthorized();
      return send(res, f.status, f.body);
    }
    const i = this.#failures.findIndex((f) => (f.method === null || f.method === seen.method) && (typeof f.path === "string" ? f.path === seen.path : f.path.test(seen.path)));
    if (i >= 0) {
      const [f] = this.#failures.splice(i, 1);
      const a = typeof f!.answer === "function" ? f!.answer(seen) : f!.answer;
      if (a.text !== undefined) {
        res.writeHead(a.status, { "content-type": "text/html", ...a.headers }).end(a.text);
        return;
      }
      return send(res, a.status, a.body ?? {}, a.headers);
    }
    this.#route(seen, res);
  }

  #route(r: SeenRequest, res: ServerResponse): void {
    const p = r.path;
    const m = r.method;
    if (m === "GET" && p === "/api/v3/connected_accounts") {
      const users = list(r.query.user_ids);
      const slugs = list(r.query.toolkit_slugs).map(norm);
      const statuses = list(r.query.statuses);
      // Matched loosely (trimmed, case-insensitive): stored slugs here may carry case and spaces on purpose.
      const items = this.accounts.filter(
        (a) => (!users.length || users.includes(a.user_id)) && (!slugs.length || slugs.includes(norm(a.toolkit))) && (!statuses.length || statuses.includes(a.status)),
      );
      return this.#paged(r, res, items.map(accountItem), 100);
    }
    const one = /^\/api\/v3\/connected_accounts\/([^/]+)$/.exec(p);
    if (one && m === "GET") {
      const a = this.accounts.find((x) => x.id === decodeURIComponent(one[1]!));
      return a ? send(res, 200, accountItem(a)) : send(res, 404, errorBody(404, "Connected account not found"));
    }
    if (one && m === "DELETE") {
      const id = decodeURIComponent(one[1]!);
      const at = this.accounts.findIndex((x) => x.id === id);
      if (at < 0) return send(res, 404, errorBody(404, "Connected account not found"));
      this.accounts.splice(at, 1);
      return send(res, 200, { success: true });
    }
    if (m === "GET" && p === "/api/v3/tools") {
      const kits = list(r.query.toolkit_slug).map(norm);
      const items = this.tools.filter((t) => !kits.length || kits.includes(norm(t.toolkit)));
      return this.#paged(r, res, items.map(toolItem), 1000);
    }
    const exec = /^\/api\/v3\/tools\/execute\/([^/]+)$/.exec(p);
    if (exec && m === "POST") return this.#execute(decodeURIComponent(exec[1]!), r, res);
    if (m === "GET" && p === "/api/v3/auth_configs") {
      const kit = r.query.toolkit_slug ? norm(r.query.toolkit_slug) : null;
      const items = this.authConfigs.filter((c) => (!kit || norm(c.toolkit) === kit) && (r.query.show_disabled === "true" || c.status === "ENABLED"));
      return this.#paged(
        r,
        res,
        items.map((c) => ({ id: c.id, uuid: c.id, type: "default", toolkit: { slug: c.toolkit, logo: "" }, name: c.name, auth_scheme: "OAUTH2", is_composio_managed: true, status: c.status, no_of_connections: 0 })),
        100,
      );
    }
    if (m === "POST" && p === "/api/v3/auth_configs") {
      const slug = r.body?.toolkit?.slug;
      if (typeof slug !== "string" || r.body?.auth_config?.type !== "use_composio_managed_auth") return send(res, 400, errorBody(400, "toolkit.slug and auth_config.type are required"));
      const c = this.addAuthConfig(slug);
      c.name = String(r.body.auth_config.name ?? c.name);
      return send(res, 201, { toolkit: { slug }, auth_config: { id: c.id, auth_scheme: "OAUTH2", is_composio_managed: true, restrict_to_following_tools: [] } });
    }
    if (m === "POST" && p === "/api/v3/connected_accounts/link") {
      const c = this.authConfigs.find((x) => x.id === r.body?.auth_config_id);
      if (!c) return send(res, 404, errorBody(404, "Auth config not found", { suggested_fix: "Create an auth config for the toolkit first" }));
      if (c.status !== "ENABLED") return send(res, 400, errorBody(400, "Auth config is disabled"));
      if (typeof r.body?.user_id !== "string") return send(res, 400, errorBody(400, "user_id is required"));
      const a = this.addAccount(c.toolkit, "INITIATED", { user_id: r.body.user_id, auth_config_id: c.id });
      return send(res, 201, { link_token: `lt_${a.id}`, redirect_url: `https://connect.composio.example/link/lt_${a.id}`, expires_at: "2030-01-01T00:00:00Z", connected_account_id: a.id });
    }
    send(res, 404, errorBody(404, `No route ${m} ${p}`));
  }

  #execute(slug: string, r: SeenRequest, res: ServerResponse): void {
    const t = this.tools.find((x) => x.slug === slug);
    if (!t) return send(res, 404, errorBody(404, `Tool ${slug} not found`, { suggested_fix: "Check the tool slug" }));
    if (r.body === undefined || typeof r.body.arguments !== "object" || r.body.arguments === null) return send(res, 400, errorBody(400, "arguments must be an object"));
    if (!t.no_auth && !this.accounts.some((a) => norm(a.toolkit) === norm(t.toolkit) && a.user_id === r.body.user_id && a.status === "ACTIVE")) {
      return send(res, 400, errorBody(400, "No connected account found for this user and toolkit", { suggested_fix: "Connect the user to the toolkit first" }));
    }
    const run = this.executions.get(slug) ?? ((args: any) => ({ data: { echo: args } }));
    const out = run(r.body.arguments, r.body);
    if ("error" in out) {
      return send(res, 200, { data: {}, error: out.error, [out.misspelled ? "successfull" : "successful"]: false, log_id: "log_1", session_info: null });
    }
    send(res, 200, { data: out.data, error: null, successful: true, log_id: "log_1", session_info: null });
  }

  /** Cursor pagination: the cursor is base64 of `offset:limit`; `limit` above `max` is refused. */
  #paged(r: SeenRequest, res: ServerResponse, all: unknown[], max: number): void {
    const limit = r.query.limit ? Number(r.query.limit) : this.defaultLimit;
    if (!Number.isInteger(limit) || limit < 1 || limit > max) return send(res, 400, errorBody(400, `limit must be between 1 and ${max}`));
    let offset = 0;
    if (r.query.cursor) {
      const m = /^(\d+):(\d+)$/.exec(Buffer.from(r.query.cursor, "base64").toString("utf8"));
      if (!m) return send(res, 400, errorBody(400, "Invalid cursor"));
      offset = Number(m[1]);
    }
    const items = all.slice(offset, offset + limit);
    const more = offset + limit < all.length;
    const next = more ? Buffer.from(`${offset + limit}:${limit}`).toString("base64") : null;
    const body: Record<string, unknown> = { items, total_pages: Math.max(1, Math.ceil(all.length / limit)), current_page: Math.floor(offset / limit) + 1, total_items: all.length };
    if (next !== null || this.lastPage === "null") body.next_cursor = next;
    send(res, 200, body);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

const list = (s: string | undefined): string[] => (s ? s.split(",").filter((x) => x !== "") : []);
const norm = (s: string) => s.trim().toLowerCase();

function accountItem(a: Account) {
  return {
    id: a.id,
    toolkit: { slug: a.toolkit },
    auth_config: { id: a.auth_config_id, auth_scheme: "OAUTH2", is_composio_managed: true, is_disabled: false },
    user_id: a.user_id,
    status: a.status,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    state: { authScheme: "OAUTH2", val: { status: a.status } },
    data: {},
    status_reason: null,
    is_disabled: false,
  };
}

/** A tool item shaped like the real NOTION_ARCHIVE_NOTION_PAGE fixture. */
function toolItem(t: Tool) {
  return {
    slug: t.slug,
    name: t.slug.toLowerCase().replace(/_/g, " "),
    description: t.description,
    version: "20260113_00",
    available_versions: ["20260113_00"],
    toolkit: { slug: t.toolkit, name: t.toolkit, logo: `https://logos.composio.dev/api/${t.toolkit}` },
    input_parameters: t.input_parameters,
    output_parameters: { properties: { data: { type: "object" }, error: { type: "string" }, successful: { type: "boolean" } } },
    scopes: ["Read content"],
    tags: ["destructiveHint", "openWorldHint"],
    no_auth: t.no_auth ?? false,
    status: "active",
    is_deprecated: t.is_deprecated ?? false,
  };
}

export function notionLikeSchema() {
  return {
    type: "object",
    title: "ArchiveNotionPageRequest",
    required: ["page_id"],
    properties: {
      archive: { type: "boolean", default: true, title: "Archive", description: "Archive (true) or unarchive (false)" },
      page_id: { type: "string", title: "Page Id", examples: ["a1b2c3"], description: "The page to archive" },
    },
  };
}
