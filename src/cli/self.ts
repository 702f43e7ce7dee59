/** argv prefix that re-runs this program: the compiled binary itself, or bun plus the script. */
export function selfCommand(): string[] {
  const script = process.argv[1];
  if (!script || script.startsWith("/$bunfs/") || script.startsWith("B:\\~BUN")) return [process.execPath];
  return [process.execPath, script];
}
