import { createHash } from "node:crypto";

/** OpenAI's rule for a function name: letters, digits, "_" and "-", 1 to 64 characters. */
export const TOOL_NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
const MAX = 64;

/** A name the provider accepts: every other character becomes "_", cut to 64 ("tool" for nothing left). */
export function cleanToolName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, MAX);
  return cleaned === "" ? "tool" : cleaned;
}

/** Six hex characters that depend only on the source and the tool's own name. */
function tag(source: string, name: string): string {
  return createHash("sha256").update(`${source}\u0000${name}`).digest("hex").slice(0, 6);
}

/** `text` cut so that `_` + a tag fits in 64 characters. */
function withTag(text: string, source: string, name: string): string {
  return `${text.slice(0, MAX - 7)}_${tag(source, name)}`;
}

export interface NameCandidate {
  source: string;
  /** The name at the source. */
  name: string;
}

/**
 * Names the model receives, unique across sources. Candidates are taken in the order given
 * (the hub sorts them by source, then name, so the result never depends on which source
 * answered first): a tool keeps its cleaned name when it is free; a later tool with the same
 * name becomes `source_name`, and if that is taken too (or too long), its cleaned name with a
 * tag of six hex characters of its source and name. The same tools give the same names at
 * every listing.
 */
export function assignToolNames(candidates: readonly NameCandidate[]): string[] {
  const taken = new Set<string>();
  return candidates.map(({ source, name }) => {
    const base = cleanToolName(name);
    const tries = [base, cleanToolName(`${source}_${name}`), withTag(base, source, name)];
    for (const t of tries) {
      if (TOOL_NAME_RE.test(t) && !taken.has(t) && (t === base || t.length < MAX || t === tries[2])) {
        taken.add(t);
        return t;
      }
    }
    // Only a name that collides with tagged names of other tools gets here: count up until free.
    for (let i = 2; ; i++) {
      const t = `${withTag(base, source, name).slice(0, MAX - String(i).length - 1)}_${i}`;
      if (!taken.has(t)) {
        taken.add(t);
        return t;
      }
    }
  });
}
