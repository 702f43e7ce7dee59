/** One server-sent event: its `event:` name (absent when unnamed) and its `data:` lines joined by "\n". */
export interface SseEvent {
  event?: string;
  data: string;
}

/** A line or an event longer than this is no event stream (or a hostile one); reading stops with an error. */
const MAX_CHARS = 4 * 1024 * 1024;

/** A body that breaks the event-stream format badly enough that reading must stop. */
export class SseFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SseFormatError";
  }
}

/**
 * The events of a `text/event-stream` body, as they arrive (WHATWG HTML, "event stream
 * interpretation"): lines end in LF, CRLF or CR; `:` lines are comments; one space after the
 * colon is dropped; a blank line ends an event. An event left unterminated when the body ends is
 * still delivered, since servers that close right after their last `data:` line are common.
 * Leaving the loop early cancels the body.
 */
export async function* sseEvents(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = chunkReader(body);
  const decoder = new TextDecoder();
  let buf = "";
  let data: string[] = [];
  let dataChars = 0;
  let event: string | undefined;
  const line = (l: string): SseEvent | null => {
    if (l === "") {
      const out = data.length ? { ...(event !== undefined ? { event } : {}), data: data.join("\n") } : null;
      data = [];
      dataChars = 0;
      event = undefined;
      return out;
    }
    if (l.startsWith(":")) return null;
    const colon = l.indexOf(":");
    const field = colon === -1 ? l : l.slice(0, colon);
    let value = colon === -1 ? "" : l.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") {
      dataChars += value.length + 1;
      if (dataChars > MAX_CHARS) throw new SseFormatError(`event-stream event longer than ${MAX_CHARS} characters`);
      data.push(value);
    }
    else if (field === "event") event = value;
    return null;
  };
  const eol = /\r\n|\r|\n/g;
  let scanFrom = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let start = 0;
      let from = scanFrom;
      for (;;) {
        eol.lastIndex = from;
        const hit = eol.exec(buf);
        // A lone CR at the end may be the first half of CRLF: wait for the next chunk.
        if (!hit || (hit[0] === "\r" && hit.index === buf.length - 1)) break;
        const ev = line(buf.slice(start, hit.index));
        start = from = hit.index + hit[0].length;
        if (ev) yield ev;
      }
      buf = buf.slice(start);
      // What is left holds no line end (but maybe a trailing CR): the next chunk is searched from there, not from 0.
      scanFrom = Math.max(0, buf.length - 1);
      if (buf.length > MAX_CHARS) throw new SseFormatError(`event-stream line longer than ${MAX_CHARS} characters`);
    }
    buf += decoder.decode();
    if (buf !== "") {
      const ev = line(buf.replace(/\r$/, ""));
      if (ev) yield ev;
    }
    const last = line("");
    if (last) yield last;
  } finally {
    // Early exit (a consumer's break, an error) must not leave the connection streaming.
    await reader.cancel().catch(() => undefined);
  }
}

/** One way to read chunks of a web stream or a Node stream (an IncomingMessage is an async iterable of Buffers). */
function chunkReader(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): { read(): Promise<{ value?: Uint8Array; done?: boolean }>; cancel(): Promise<unknown> } {
  if ("getReader" in body) return body.getReader();
  const it = body[Symbol.asyncIterator]();
  return {
    read: async () => {
      const r = await it.next();
      return r.done ? { done: true } : { value: r.value };
    },
    cancel: async () => it.return?.(),
  };
}
