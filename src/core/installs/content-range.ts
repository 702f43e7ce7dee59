/** `bytes a-b/total` (total may be `*`); undefined when malformed. */
export function parseContentRange(h: string | null): { start: number; end: number; total: number | undefined } | undefined {
  const m = h ? /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(h) : null;
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start) return undefined;
  return { start, end, total: m[3] === "*" ? undefined : Number(m[3]) };
}

/** The total length a 416 reports in its Content-Range. */
export function rangeTotal(h: string | null): number | undefined {
  const m = h ? /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(h) : null;
  return m ? Number(m[1]) : undefined;
}
