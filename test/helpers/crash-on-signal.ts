/**
 * Preloaded into a bosun run from source (BUN_OPTIONS="--preload ..."): SIGUSR2 makes the process
 * throw an uncaught exception, or with CRASH_KIND=reject leave a rejected promise unhandled, so a
 * test can see what the real `up` does with an error nothing caught. CRASH_TEXT goes into the error.
 */
process.on("SIGUSR2", () => {
  const text = process.env.CRASH_TEXT ?? "";
  if (process.env.CRASH_KIND === "reject") void Promise.reject(new Error(`test rejection ${text}`));
  else throw new Error(`test explosion ${text}`);
});
