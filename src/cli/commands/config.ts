import { defineCommand } from "citty";
import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { discoverConfigPath } from "../../core/config/load.ts";
import { BosunError } from "../../core/errors.ts";
import { globalArgs } from "../args.ts";
import { loadForCli } from "../config-load.ts";
import { cliContext } from "../context.ts";
import { c, err, out, printJson } from "../output.ts";

const check = defineCommand({
  meta: { name: "check", description: "Validate the config; exit 3 with file:line:col when it is invalid" },
  args: { ...globalArgs },
  async run({ args }) {
    const ctx = cliContext(args);
    const loaded = loadForCli(ctx);
    const { checkInstallTargets } = await import("../../core/installs/check-config.ts");
    checkInstallTargets(loaded);
    const adapters = Object.keys(loaded.config.adapters);
    const { exposureWarnings } = await import("../../core/config/exposure.ts");
    const warnings = exposureWarnings(loaded.config).map((w) => w.message);
    if (args.json) printJson({ valid: true, path: loaded.path, source: loaded.source, adapters, warnings });
    else if (!args.quiet) {
      out(`${c.green("✓")} ${loaded.path ?? "embedded default"} is valid (${adapters.length} adapter${adapters.length === 1 ? "" : "s"}: ${adapters.join(", ") || "none"})`);
      for (const w of warnings) err(`${c.yellow("warning:")} ${w}`);
    }
  },
});

const init = defineCommand({
  meta: { name: "init", description: "Write a commented bosun.toml (default ./bosun.toml)" },
  args: {
    ...globalArgs,
    path: { type: "positional", required: false, description: "Where to write it (default ./bosun.toml)" },
    force: { type: "boolean", description: "Overwrite an existing file" },
  },
  async run({ args }) {
    const ctx = cliContext(args);
    const target = resolve(ctx.cwd, (args.path as string | undefined) ?? "bosun.toml");
    if (existsSync(target) && !args.force) {
      throw new BosunError("exists", `${target} already exists`, { hint: "pass --force to overwrite it" });
    }
    const { CONFIG_TEMPLATE } = await import("../../core/config/template.ts");
    writeFileSync(target, CONFIG_TEMPLATE, { mode: 0o600 });
    if (args.json) printJson({ written: target });
    else if (!args.quiet) err(`${c.green("✓")} wrote ${target}; edit it, then \`bosun config check\``);
  },
});

const path = defineCommand({
  meta: { name: "path", description: "Print the config file bosun would use, and why" },
  args: { ...globalArgs },
  run({ args }) {
    const ctx = cliContext(args);
    const found = discoverConfigPath({ flag: args.config, env: ctx.env, cwd: ctx.cwd });
    if (args.json) printJson(found);
    else out(found.path ?? `(embedded default: no bosun.toml found; \`bosun config init\` writes one)`);
  },
});

const schema = defineCommand({
  meta: { name: "schema", description: "Print the JSON Schema of bosun.toml (for editors)" },
  args: { ...globalArgs },
  async run() {
    const { configJsonSchema } = await import("../../core/config/jsonschema.ts");
    printJson(configJsonSchema());
  },
});

export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "config" },
  args: { ...globalArgs },
  // No default: `bosun config` alone is a usage error naming these.
  subCommands: { check, init, path, schema },
});
