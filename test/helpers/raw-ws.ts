import { connect, type Socket } from "node:net";
import { randomBytes } from "node:crypto";

/** One frame read from the server. */
export interface RawFrame {
  opcode: number;
  payload: Buffer;
}

/**
 * A WebSocket client over a raw TCP socket, for what real clients refuse to send: any Host and
 * Origin header, invalid UTF-8 in a text frame, oversize frames. RFC 6455 framing, client-masked.
 */
export class RawWs {
  #socket: Socket;
  #buf: Buffer = Buffer.alloc(0);
  #frames: RawFrame[] = [];
  #waiters: Array<() => void> = [];
  closed = false;
  /** The HTTP status of the upgrade answer (101 when upgraded). */
  status = 0;
  /** The body of a refused upgrade. */
  body = "";

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Open a connection and send the upgrade request with the given headers. Resolves once the server answered. */
  static open(port: number, path: string, headers: Record<string, string> = {}): Promise<RawWs> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      const ws = new RawWs(socket);
      let upgraded = false;
      const all: Record<string, string> = { Host: `127.0.0.1:${port}`, ...headers };
      const lines = [`GET ${path} HTTP/1.1`, ...Object.entries(all).map(([k, v]) => `${k}: ${v}`), "Upgrade: websocket", "Connection: Upgrade", `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`, "Sec-WebSocket-Version: 13"];
      socket.once("connect", () => socket.write(lines.join("\r\n") + "\r\n\r\n"));
      socket.on("error", (e) => (upgraded ? undefined : reject(e)));
      socket.on("close", () => {
        ws.closed = true;
        if (!upgraded) resolve(ws);
        ws.#wake();
      });
      socket.on("data", (d) => {
        ws.#buf = Buffer.concat([ws.#buf, d as Buffer]);
        if (!upgraded) {
          const end = ws.#buf.indexOf("\r\n\r\n");
          if (end === -1) return;
          const head = ws.#buf.subarray(0, end).toString("latin1");
          ws.status = Number(head.split(" ")[1]);
          ws.#buf = ws.#buf.subarray(end + 4);
          upgraded = true;
          if (ws.status !== 101) {
            ws.body = ws.#buf.toString("utf8");
            socket.end();
          }
          resolve(ws);
        }
        if (ws.status === 101) ws.#parse();
      });
    });
  }

  /** Send one frame (text = opcode 1, binary = 2, close = 8), masked as a client must. */
  send(payload: Buffer | string, opcode = 1): void {
    const data = typeof payload === "string" ? Buffer.from(payload, "utf8") : payload;
    const mask = randomBytes(4);
    let header: Buffer;
    if (data.length < 126) header = Buffer.from([0x80 | opcode, 0x80 | data.length]);
    else if (data.length < 65536) {
      header = Buffer.alloc(4);
      header[0] = 0x80 | opcode;
      header[1] = 0x80 | 126;
      header.writeUInt16BE(data.length, 2);
    } else {
      header = Buffer.alloc(10);
      header[0] = 0x80 | opcode;
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(data.length), 2);
    }
    const masked = Buffer.alloc(data.length);
    for (let i = 0; i < data.length; i++) masked[i] = data[i]! ^ mask[i % 4]!;
    this.#socket.write(Buffer.concat([header, mask, masked]));
  }

  /** The next frame, or null once the connection is closed with nothing more to read. */
  async next(timeoutMs = 5_000): Promise<RawFrame | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.#frames.length === 0) {
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no frame from the server in time");
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.#frames.shift()!;
  }

  /** The next text frame parsed as JSON (skipping pings). */
  async nextJson(timeoutMs?: number): Promise<any> {
    for (;;) {
      const f = await this.next(timeoutMs);
      if (!f) throw new Error("connection closed");
      if (f.opcode === 1) return JSON.parse(f.payload.toString("utf8"));
      if (f.opcode === 8) throw new Error(`closed by the server: ${closeCode(f)}`);
    }
  }

  /** Wait for the server's close frame; its code (or null when the TCP connection just ended). */
  async closeCode(timeoutMs = 5_000): Promise<number | null> {
    for (;;) {
      const f = await this.next(timeoutMs);
      if (!f) return null;
      if (f.opcode === 8) return closeCode(f);
    }
  }

  end(): void {
    this.#socket.destroy();
  }

  /** Stop reading (the server's frames pile up in its send buffer), and start again. */
  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  /** Every frame until the connection closes (or `idleMs` passes without one). */
  async drain(idleMs = 2_000): Promise<RawFrame[]> {
    const all: RawFrame[] = [];
    for (;;) {
      let f: RawFrame | null;
      try {
        f = await this.next(idleMs);
      } catch {
        return all;
      }
      if (!f) return all;
      all.push(f);
      if (f.opcode === 8) return all;
    }
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  #parse(): void {
    for (;;) {
      if (this.#buf.length < 2) return;
      const opcode = this.#buf[0]! & 0x0f;
      let len = this.#buf[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.#buf.length < 4) return;
        len = this.#buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.#buf.length < 10) return;
        len = Number(this.#buf.readBigUInt64BE(2));
        off = 10;
      }
      if (this.#buf.length < off + len) return;
      this.#frames.push({ opcode, payload: Buffer.from(this.#buf.subarray(off, off + len)) });
      this.#buf = this.#buf.subarray(off + len);
      this.#wake();
    }
  }
}

function closeCode(f: RawFrame): number | null {
  return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : null;
}
