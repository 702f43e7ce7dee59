/**
 * Preloaded into a bosun run from source (BUN_OPTIONS="--preload ..."): SIGUSR2 makes the process
 * write STDERR_TEXT to stderr the ways a library or the runtime would from JavaScript, then a
 * marker line, so a test can see what reaches the detached daemon's log through its stderr.
 */
process.on("SIGUSR2", () => {
  const text = process.env.STDERR_TEXT ?? "";
  process.stderr.write(`stderr-probe write ${text}\n`);
  process.stderr.write(new TextEncoder().encode(`stderr-probe bytes ${text}\n`));
  process.emitWarning(`stderr-probe warning ${text}`);
  console.error("stderr-probe console.error", text);
  console.warn("stderr-probe console.warn", { text });
  // The warning is written on a later tick: the marker follows it.
  setImmediate(() => process.stderr.write("stderr-probe done\n"));
});
