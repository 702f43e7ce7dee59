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
// A crash message may quote a secret (a URL, a header): it goes through the same redaction as all output.
printError = (await import("./output.ts")).err;
const code = await run(argv);
// Let a large output (e.g. `config schema` into a pipe) flush, but never wait on a reader that left.
if (process.stdout.writableLength > 0 && !process.stdout.destroyed) {
  await new Promise<void>((resolve) => {
    process.stdout.once("drain", resolve);
    process.stdout.once("error", resolve);
    setTimeout(resolve, 2_000).unref();
  });
}
process.exit(code);
