import { StringDecoder } from "node:string_decoder";
import { formatWithOptions } from "node:util";

type Write = typeof process.stderr.write;

/**
 * Route every JavaScript-level write to `stream` (process.stderr by default) through `redact`: a
 * library's `process.stderr.write`, the runtime's warnings (`process.emitWarning` writes there)
 * and `console.error`/`console.warn` (which Bun writes to fd 2 natively, past process.stderr). The
 * detached daemon's fd 2 is the log file; this keeps secrets out of what reaches it that way. What
 * the runtime itself writes to fd 2 (a panic) cannot be caught here. A secret split across two
 * writes is not recognised. Returns a function that undoes the wrapping.
 */
export function redactStderr(redact: (text: string) => string, stream: NodeJS.WriteStream = process.stderr): () => void {
  const original = stream.write;
  const write = original.bind(stream) as (chunk: string, cb?: (err?: Error | null) => void) => boolean;
  // Bytes may end inside a UTF-8 sequence; the decoder keeps the tail for the next write.
  const decoder = new StringDecoder("utf8");
  const wrapped = (chunk: unknown, encoding?: unknown, cb?: unknown): boolean => {
    const done = (typeof encoding === "function" ? encoding : cb) as ((err?: Error | null) => void) | undefined;
    const enc = typeof encoding === "string" ? (encoding as BufferEncoding) : undefined;
    let text: string;
    if (typeof chunk === "string") text = enc && !/^utf-?8$/i.test(enc) ? decoder.write(Buffer.from(chunk, enc)) : chunk;
    else if (chunk instanceof Uint8Array) text = decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    else text = String(chunk);
    return write(redact(text), done);
  };
  stream.write = wrapped as Write;
  const consoleErr = console.error;
  const consoleWarn = console.warn;
  const toStream = (...args: unknown[]) => void stream.write(formatWithOptions({ colors: false }, ...args) + "\n");
  console.error = toStream;
  console.warn = toStream;
  return () => {
    stream.write = original;
    console.error = consoleErr;
    console.warn = consoleWarn;
  };
}
