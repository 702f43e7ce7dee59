import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { checkImports } from "../../scripts/check-imports.ts";

/** A src/ tree from { path: source }. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "bosun-imports-"));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

describe("the import checker (.ci/run)", () => {
  test("a layered tree without circles passes, lazy dashboard loads and type-only imports included", () => {
    const src = tree({
      "core/util/text.ts": `export const x = 1;`,
      "core/config/load.ts": `import { x } from "../util/text.ts"; export const y = x;`,
      "core/status.ts": `export interface Status { a: number }`,
      "core/events.ts": `import type { Status } from "./status.ts"; export type E = Status;`,
      "tui/run.tsx": `import { render } from "ink"; export const run = render;`,
      "tui/source.ts": `import type { E } from "../core/events.ts"; export const apiSource = (e: E) => e;`,
      "cli/main.ts": `import { y } from "../core/config/load.ts"; import { apiSource } from "../tui/source.ts"; export const go = async () => (await import("../tui/run.tsx")).run; void y; void apiSource;`,
    });
    expect(checkImports(src)).toEqual([]);
  });

  test("an import circle fails, type-only or round a ring", () => {
    const src = tree({
      "core/events.ts": `import type { Status } from "./status.ts"; export type E = Status;`,
      "core/status.ts": `import type { E } from "./events.ts"; export interface Status { e?: E }`,
      "tui/a.ts": `import { b } from "./b.ts"; export const a = 1 + b;`,
      "tui/b.ts": `import { c } from "./c.ts"; export const b = c;`,
      "tui/c.ts": `import { a } from "./a.ts"; export const c = () => a;`,
    });
    expect(checkImports(src)).toEqual([
      "import circle: src/core/events.ts <-> src/core/status.ts",
      "import circle: src/tui/a.ts <-> src/tui/b.ts <-> src/tui/c.ts",
    ]);
  });

  test("upward imports fail, each naming its rule: util to a feature, sessions to an adapter, core to the CLI or Ink", () => {
    const src = tree({
      "core/config/listen.ts": `export const parse = 1;`,
      "core/util/listen.ts": `import { parse } from "../config/listen.ts"; export const p = parse;`,
      "core/adapters/types.ts": `export interface InboundMessage { id: string }`,
      "core/sessions/inbox.ts": `import type { InboundMessage } from "../adapters/types.ts"; export type M = InboundMessage;`,
      "cli/output.ts": `export const out = 1;`,
      "core/log.ts": `import { out } from "../cli/output.ts"; import { Box } from "ink"; export const l = [out, Box];`,
    });
    expect(checkImports(src).sort()).toEqual(
      [
        "src/core/util/listen.ts imports src/core/config/listen.ts: a util never imports a feature",
        "src/core/sessions/inbox.ts imports src/core/adapters/types.ts: sessions never import an adapter (shared message types live in core/messages.ts)",
        "src/core/log.ts imports src/cli/output.ts: core depends on nothing of the CLI's",
        "src/core/log.ts imports ink: core has no Ink, React or citty",
      ].sort(),
    );
  });

  test("the CLI loading a dashboard module eagerly fails, and so does an entry point that pulls in Ink", () => {
    const src = tree({
      "tui/run.tsx": `import { render } from "ink"; export const run = render;`,
      "tui/App.tsx": `import { run } from "./run.tsx"; export const App = run;`,
      "cli/main.ts": `import { App } from "../tui/App.tsx"; export const a = App;`,
    });
    expect(checkImports(src)).toEqual([
      "src/cli/main.ts imports src/tui/App.tsx: the CLI loads Ink and React only when a dashboard opens (lazy import)",
      "src/cli/main.ts loads Ink or React at start-up: load the dashboard lazily",
    ]);
  });

  test("a command importing another command fails; shared code in its own module under src/cli passes", () => {
    const src = tree({
      "cli/fetch-status.ts": `export const fetchStatus = 1;`,
      "cli/commands/status.ts": `import { fetchStatus } from "../fetch-status.ts"; export const run = fetchStatus;`,
      "cli/commands/adapters.ts": `import { run } from "./status.ts"; import { fetchStatus } from "../fetch-status.ts"; export const a = [run, fetchStatus];`,
    });
    expect(checkImports(src)).toEqual([
      "src/cli/commands/adapters.ts imports src/cli/commands/status.ts: no command imports another (shared code moves to a module of its own under src/cli)",
    ]);
  });

  test("presentation reads the shared status and event types and utils, never a feature", () => {
    const src = tree({
      "core/status.ts": `export interface Status { a: number }`,
      "core/events.ts": `export type LogLevel = "info";`,
      "core/util/text.ts": `export const pad = 1;`,
      "core/installs/store.ts": `export const rows = 1;`,
      "core/pace.ts": `import type { Status } from "./status.ts"; export type P = Status;`,
      "core/format.ts": `import { pad } from "./util/text.ts"; export const f = pad;`,
      "core/present.ts": `import type { LogLevel } from "./events.ts"; import type { P } from "./pace.ts"; import { f } from "./format.ts"; import { rows } from "./installs/store.ts"; export const p: [LogLevel?, P?, number?, number?] = [undefined, undefined, f, rows];`,
    });
    expect(checkImports(src)).toEqual([
      "src/core/present.ts imports src/core/installs/store.ts: presentation (format.ts, present.ts, pace.ts) reads the shared status and event types, never a feature",
    ]);
  });

  test("features that share the database reach it through core/db.ts, never through each other", () => {
    const src = tree({
      "core/util/sqlite.ts": `export type Migration = string;`,
      "core/installs/table.ts": `import type { Migration } from "../util/sqlite.ts"; export const createInstallsTable: Migration = "";`,
      "core/sessions/inbox-table.ts": `import type { Migration } from "../util/sqlite.ts"; export const createInboxTable: Migration = "";`,
      "core/db.ts": `import { createInstallsTable } from "./installs/table.ts"; import { createInboxTable } from "./sessions/inbox-table.ts"; export const m = [createInboxTable, createInstallsTable];`,
      "core/sessions/db.ts": `import { createInstallsTable } from "../installs/table.ts"; export const m = [createInstallsTable];`,
      "core/installs/store.ts": `import type { m } from "../db.ts"; import { createInboxTable } from "../sessions/inbox-table.ts"; export type M = typeof m; export const t = createInboxTable;`,
    });
    expect(checkImports(src).sort()).toEqual(
      [
        "src/core/sessions/db.ts imports src/core/installs/table.ts: installs and sessions each own their tables; what they share is the database module (core/db.ts)",
        "src/core/installs/store.ts imports src/core/sessions/inbox-table.ts: installs and sessions each own their tables; what they share is the database module (core/db.ts)",
      ].sort(),
    );
  });

  test("an import of a file that does not exist fails", () => {
    const src = tree({ "core/a.ts": `import { b } from "./b.ts"; export const a = b;` });
    expect(checkImports(src)).toEqual(["src/core/a.ts: imports src/core/b.ts, which does not exist"]);
  });
});
