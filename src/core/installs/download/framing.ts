// HTTP framing of a download: what status, Content-Range and Content-Length say about a body.

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

/** What a response's status and framing headers say to do with its body. */
export type Framing =
  /** Write the body from `start`; `restart` first when the `.part` must be dropped (a full 200 answered a resume). */
  | { kind: "body"; start: number; restart: boolean; resumed: boolean }
  /** Skip this body: the `.part` is complete (416 past its end), or it must be dropped and fetched again. */
  | { kind: "skip"; restart: boolean }
  /** The server's file is not the expected size: drop the `.part` and fail. */
  | { kind: "size_mismatch"; detail: string }
  /** Any other status: fail with it. */
  | { kind: "http"; status: number };

/**
 * Read a response to a request for `size` bytes from offset `have`: whether its body continues the
 * `.part`, starts it over, or cannot be used (HTTP framing only; nothing is read or written here).
 */
export function frame(res: Response, have: number, size: number): Framing {
  if (res.status === 416 && have > 0) {
    const total = rangeTotal(res.headers.get("content-range"));
    if (total !== undefined && total !== size) return { kind: "size_mismatch", detail: `the server has ${total} bytes` };
    // A complete .part was asked for the bytes after its end; anything else means it can't be trusted.
    return { kind: "skip", restart: have !== size };
  }
  if (res.status === 206) {
    const cr = parseContentRange(res.headers.get("content-range"));
    if (cr?.total !== undefined && cr.total !== size) return { kind: "size_mismatch", detail: `the server has ${cr.total} bytes` };
    if (!cr || cr.start !== have) return { kind: "skip", restart: true };
    return { kind: "body", start: cr.start, restart: false, resumed: have > 0 };
  }
  if (res.status === 200) {
    const len = res.headers.get("content-length");
    if (len !== null && !res.headers.get("content-encoding") && Number(len) !== size) return { kind: "size_mismatch", detail: `the server sends ${len} bytes` };
    return { kind: "body", start: 0, restart: have > 0, resumed: false };
  }
  return { kind: "http", status: res.status };
}

/** The last byte a 206 carries (servers that cap range sizes end early; the rest is asked for again). */
export function rangeEnd(res: Response): number | undefined {
  return res.status === 206 ? parseContentRange(res.headers.get("content-range"))?.end : undefined;
}
