import type { KeyPath } from "./keypath.ts";

/** A 1-based line and column in the config text. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** Where `path` is written in TOML `text`, else its closest written ancestor, else 1:1. */
export function locateKey(text: string, path: KeyPath): SourcePosition {
  const index = indexKeyPositions(text);
  for (let n = path.length; n > 0; n--) {
    const hit = index.get(pathId(path.slice(0, n)));
    if (hit) return hit;
  }
  return { line: 1, column: 1 };
}

/** Map every key path written in `text` (headers, keys, array elements) to where it first appears. */
export function indexKeyPositions(text: string): Map<string, SourcePosition> {
  const scanner = new KeyScanner(text);
  scanner.scanDocument();
  return scanner.found;
}

/** The index key of a path; numbers and digit strings collide on purpose (TOML has no numeric keys). */
export function pathId(path: KeyPath): string {
  return path.map(String).join("\u0000");
}

interface KeyToken {
  name: string;
  start: number;
}

// Enough of TOML to know where keys are; the text was already accepted by the real parser,
// so on anything unexpected the scanner skips ahead instead of reporting.
class KeyScanner {
  readonly found = new Map<string, SourcePosition>();
  private i = 0;
  private readonly lineStarts: number[] = [0];
  private readonly arrayTableCounts = new Map<string, number>();

  constructor(private readonly s: string) {
    for (let k = 0; k < s.length; k++) if (s[k] === "\n") this.lineStarts.push(k + 1);
  }

  scanDocument(): void {
    let table: (string | number)[] = [];
    while (true) {
      this.skipBlank();
      if (this.i >= this.s.length) return;
      const before = this.i;
      if (this.s[this.i] === "[") table = this.scanHeader();
      else this.scanKeyValue(table);
      this.skipToLineEnd();
      if (this.i === before) this.i++;
    }
  }

  private scanHeader(): (string | number)[] {
    const isArray = this.s[this.i + 1] === "[";
    this.i += isArray ? 2 : 1;
    const keys = this.readKey();
    const path: (string | number)[] = [];
    keys.forEach((key, j) => {
      path.push(key.name);
      const id = pathId(path);
      this.record(path, key.start);
      const count = this.arrayTableCounts.get(id);
      if (isArray && j === keys.length - 1) {
        this.arrayTableCounts.set(id, (count ?? 0) + 1);
        path.push(count ?? 0);
        this.record(path, key.start);
      } else if (count !== undefined) {
        // [[a]] then [a.b]: the header continues the latest element of a.
        path.push(count - 1);
      }
    });
    return path;
  }

  private scanKeyValue(base: readonly (string | number)[]): void {
    const keys = this.readKey();
    if (keys.length === 0) return;
    const path = [...base];
    for (const key of keys) {
      path.push(key.name);
      this.record(path, key.start);
    }
    this.skipSpaces();
    if (this.s[this.i] !== "=") return;
    this.i++;
    this.skipSpaces();
    this.skipValue(path);
  }

  private skipValue(path: readonly (string | number)[]): void {
    const c = this.s[this.i];
    if (c === '"' || c === "'") this.readString();
    else if (c === "[") this.skipArray(path);
    else if (c === "{") this.skipInlineTable(path);
    else while (this.i < this.s.length && !",]}#\r\n".includes(this.s[this.i]!)) this.i++;
  }

  private skipArray(path: readonly (string | number)[]): void {
    this.i++;
    for (let index = 0; this.i < this.s.length; index++) {
      this.skipBlank();
      if (this.s[this.i] === "]") break;
      const before = this.i;
      this.record([...path, index], this.i);
      this.skipValue([...path, index]);
      this.skipBlank();
      if (this.s[this.i] === ",") this.i++;
      else if (this.i === before || this.s[this.i] !== "]") break;
    }
    if (this.s[this.i] === "]") this.i++;
  }

  private skipInlineTable(path: readonly (string | number)[]): void {
    this.i++;
    while (this.i < this.s.length) {
      // TOML 1.1 allows newlines and comments inside inline tables; accepting them costs nothing.
      this.skipBlank();
      if (this.s[this.i] === "}") break;
      const before = this.i;
      this.scanKeyValue(path);
      this.skipBlank();
      if (this.s[this.i] === ",") this.i++;
      else if (this.i === before || this.s[this.i] !== "}") break;
    }
    if (this.s[this.i] === "}") this.i++;
  }

  private readKey(): KeyToken[] {
    const keys: KeyToken[] = [];
    while (this.i < this.s.length) {
      this.skipSpaces();
      const start = this.i;
      const c = this.s[this.i];
      let name: string;
      if (c === '"' || c === "'") {
        name = this.readString();
      } else {
        while (this.i < this.s.length && !" \t=.[]{},#\"'\r\n".includes(this.s[this.i]!)) this.i++;
        name = this.s.slice(start, this.i);
        if (name === "") break;
      }
      keys.push({ name, start });
      this.skipSpaces();
      if (this.s[this.i] !== ".") break;
      this.i++;
    }
    return keys;
  }

  /** Consume any string form at `i` and return its decoded contents. */
  private readString(): string {
    const q = this.s[this.i]!;
    const multiline = this.s.startsWith(q.repeat(3), this.i);
    const delimiter = multiline ? q.repeat(3) : q;
    this.i += delimiter.length;
    let out = "";
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (this.s.startsWith(delimiter, this.i)) {
        this.i += delimiter.length;
        // Up to two quotes may sit right before a multi-line closing delimiter.
        for (let extra = 0; multiline && extra < 2 && this.s[this.i] === q; extra++) this.i++;
        return out;
      }
      if (!multiline && (c === "\n" || c === "\r")) return out;
      if (c === "\\" && q === '"') {
        out += this.readEscape();
        continue;
      }
      out += c;
      this.i++;
    }
    return out;
  }

  private readEscape(): string {
    const e = this.s[this.i + 1] ?? "";
    this.i += 2;
    const simple: Record<string, string> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", e: "\u001b", '"': '"', "\\": "\\" };
    if (e in simple) return simple[e]!;
    const hexLength = e === "u" ? 4 : e === "U" ? 8 : e === "x" ? 2 : 0;
    if (hexLength > 0) {
      const code = Number.parseInt(this.s.slice(this.i, this.i + hexLength), 16);
      this.i += hexLength;
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : "";
    }
    // A line-ending backslash in a multi-line string swallows the following whitespace.
    while (this.i < this.s.length && " \t\r\n".includes(this.s[this.i]!)) this.i++;
    return "";
  }

  private skipSpaces(): void {
    while (this.s[this.i] === " " || this.s[this.i] === "\t") this.i++;
  }

  /** Skip spaces, newlines and comments. */
  private skipBlank(): void {
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === " " || c === "\t" || c === "\n" || c === "\r") this.i++;
      else if (c === "#") while (this.i < this.s.length && this.s[this.i] !== "\n") this.i++;
      else return;
    }
  }

  private skipToLineEnd(): void {
    while (this.i < this.s.length && this.s[this.i] !== "\n") {
      const c = this.s[this.i]!;
      // A multi-line value may start here; step over strings so a "#" inside one is not a comment.
      if (c === '"' || c === "'") this.readString();
      else if (c === "#") while (this.i < this.s.length && this.s[this.i] !== "\n") this.i++;
      else this.i++;
    }
  }

  private record(path: readonly (string | number)[], offset: number): void {
    const id = pathId(path);
    if (!this.found.has(id)) this.found.set(id, this.position(offset));
  }

  private position(offset: number): SourcePosition {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }
}
