import { VERSION, GIT_SHA } from "./version.ts";

// `--version` is answered before anything else loads: it must stay instant.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(`bosun ${VERSION} (${GIT_SHA})\n`);
  process.exit(0);
}

// A reader that went away (`bosun install --json | head -3`) ends us quietly, as SIGPIPE would.
const isEpipe = (e: unknown) => (e as { code?: string } | null)?.code === "EPIPE";
process.stdout.on("error", (e) => {
  if (isEpipe(e)) process.exit(0);
});
// Until the commands (and with them the redacting printer) are loaded, print as is.
let printError: (line: string) => void = (line) => void process.stderr.write(line + "\n");
process.on("uncaughtException", (e) => {
  if (isEpipe(e)) process.exit(0);
  printError(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});

const { run } = await import("./dispatch.ts");
const output = await import("./output.ts");
// A crash message may quote a secret (a URL, a header): it goes through the same redaction as all output.
printError = output.err;
const code = await run(argv);
// Let a large output (`integrations tools --json` into a slow pipe) be written whole before exiting; a
// reader that left ends the wait too (its write fails with EPIPE).
await output.drained();
process.exit(code);
