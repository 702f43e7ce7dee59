/** A path into the parsed config: table keys and array indexes. */
export type KeyPath = readonly (string | number)[];

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** Render a path the way a user would write it in TOML: `adapters."my bot".channels[0]`. */
export function formatKeyPath(path: KeyPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += (out === "" ? "" : ".") + (BARE_KEY.test(seg) ? seg : JSON.stringify(seg));
  }
  return out;
}

/** The value at `path` inside plain parsed data, or undefined when any step is missing. */
export function valueAt(data: unknown, path: KeyPath): unknown {
  let cur: unknown = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    if (!Object.hasOwn(cur, seg)) return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}
