/**
 * One webchat exchange over a real WebSocket: send `text`, resolve with the agent's reply.
 * Runtime-neutral (Bun and Deno): the Deno smoke check uses it too.
 */
export function webchatTurn(port: number, conversation: string, text: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((res, rej) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?conversation=${conversation}`);
    const timer = setTimeout(() => {
      ws.close();
      rej(new Error("no reply from webchat"));
    }, timeoutMs);
    ws.onopen = () => ws.send(JSON.stringify({ type: "message", id: crypto.randomUUID(), text }));
    ws.onmessage = (ev) => {
      const m = JSON.parse(String(ev.data));
      if (m.type === "message") {
        clearTimeout(timer);
        ws.close();
        res(m.text);
      }
    };
    ws.onerror = () => {
      clearTimeout(timer);
      rej(new Error("websocket error"));
    };
  });
}

/** A browser-less chat client: every frame the server sends, in order, and waits on them. */
export class WebchatClient {
  readonly frames: Array<Record<string, unknown>> = [];
  #waiters: Array<() => void> = [];
  private constructor(readonly ws: WebSocket) {
    ws.onmessage = (ev) => {
      this.frames.push(JSON.parse(String(ev.data)) as Record<string, unknown>);
      for (const w of [...this.#waiters]) w();
    };
    ws.onclose = () => {
      for (const w of [...this.#waiters]) w();
    };
  }

  /** Connect to conversation `conversation` of the webchat on `port` (asking for history and live turn frames unless told not to); resolves once open. */
  static open(port: number, conversation: string, opts: { live?: boolean; timeoutMs?: number } = {}): Promise<WebchatClient> {
    const timeoutMs = opts.timeoutMs ?? 5_000;
    return new Promise((res, rej) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?conversation=${conversation}${opts.live === false ? "" : "&live=1"}`);
      const client = new WebchatClient(ws);
      const timer = setTimeout(() => rej(new Error("webchat socket did not open")), timeoutMs);
      ws.onopen = () => {
        clearTimeout(timer);
        res(client);
      };
      ws.onerror = () => {
        clearTimeout(timer);
        rej(new Error("websocket error"));
      };
    });
  }

  /** Resolve with the first frame (from the start) matching `pred`. */
  waitFor(pred: (f: Record<string, unknown>) => boolean, timeoutMs = 5_000): Promise<Record<string, unknown>> {
    return new Promise((res, rej) => {
      const check = () => {
        const hit = this.frames.find(pred);
        if (!hit && this.ws.readyState !== WebSocket.CLOSED) return;
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w !== check);
        if (hit) res(hit);
        else rej(new Error(`socket closed; frames: ${JSON.stringify(this.frames)}`));
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== check);
        rej(new Error(`no matching frame within ${timeoutMs} ms; frames: ${JSON.stringify(this.frames)}`));
      }, timeoutMs);
      this.#waiters.push(check);
      check();
    });
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  close(): void {
    this.ws.close();
  }
}

/** A WAV as the page writes it: 16-bit PCM mono at `rate`, `seconds` long (a quiet ramp). */
export function pageWav(seconds: number, rate = 16_000, opts: { channels?: number; bits?: number; format?: number } = {}): Uint8Array {
  const n = Math.round(seconds * rate);
  const b = new Uint8Array(44 + n * 2);
  const v = new DataView(b.buffer);
  const str = (off: number, s: string) => [...s].forEach((c, i) => v.setUint8(off + i, c.charCodeAt(0)));
  str(0, "RIFF");
  v.setUint32(4, 36 + n * 2, true);
  str(8, "WAVE");
  str(12, "fmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, opts.format ?? 1, true);
  v.setUint16(22, opts.channels ?? 1, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, opts.bits ?? 16, true);
  str(36, "data");
  v.setUint32(40, n * 2, true);
  for (let i = 0; i < n; i++) v.setInt16(44 + i * 2, (i % 200) * 10, true);
  return b;
}
