import { percentile, round } from "./lib.ts";

const REPLY_TIMEOUT_MS = 10_000;

/** One WebSocket to the webchat adapter that sends a message and awaits the agent's reply. */
class ChatClient {
  private waiting: { resolve: (text: string) => void; reject: (e: Error) => void } | null = null;
  private closedError: Error | null = null;

  private constructor(private ws: WebSocket) {
    ws.onmessage = (ev) => {
      const frame = JSON.parse(String(ev.data)) as { type?: string; role?: string; text?: string; message?: string };
      if (frame.type === "error") return this.fail(new Error(`webchat error frame: ${frame.message}`));
      if (frame.type !== "message" || frame.role !== "agent") return;
      const w = this.waiting;
      this.waiting = null;
      w?.resolve(frame.text ?? "");
    };
    ws.onclose = (ev) => this.fail(new Error(`websocket closed (${ev.code} ${ev.reason})`));
  }

  static open(port: number, conversation: string): Promise<ChatClient> {
    return new Promise((res, rej) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?conversation=${conversation}`);
      ws.onopen = () => res(new ChatClient(ws));
      ws.onerror = () => rej(new Error(`cannot open websocket to 127.0.0.1:${port} (conversation ${conversation})`));
    });
  }

  private fail(e: Error): void {
    this.closedError ??= e;
    const w = this.waiting;
    this.waiting = null;
    w?.reject(e);
  }

  /** Send `text`, resolve with the wall ms until the agent's reply arrived; checks the reply echoes it. */
  async turn(text: string): Promise<number> {
    if (this.closedError) throw this.closedError;
    const t0 = performance.now();
    const reply = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to "${text}" within ${REPLY_TIMEOUT_MS} ms`)), REPLY_TIMEOUT_MS);
      this.waiting = {
        resolve: (t) => (clearTimeout(timer), resolve(t)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.ws.send(JSON.stringify({ type: "message", id: crypto.randomUUID(), text }));
    });
    const ms = performance.now() - t0;
    if (reply !== `echo: ${text}`) throw new Error(`reply out of order: sent "${text}", got "${reply}"`);
    return ms;
  }

  close(): void {
    this.ws.onclose = null;
    this.ws.close();
  }
}

/** Send `count` messages one after another on one connection; returns their round-trip times. */
async function sequential(client: ChatClient, label: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await client.turn(`${label} message ${i}`));
  return times;
}

export interface WebchatFigures {
  messages: number;
  p50Ms: number;
  p99Ms: number;
  throughputPerSec: number;
  concurrent: { conversations: number; messagesEach: number; p50Ms: number; p99Ms: number; throughputPerSec: number };
}

/** Round-trip latency over `messages` sequential messages, then `conversations` x `each` in parallel. */
export async function benchWebchat(port: number, messages: number, conversations: number, each: number): Promise<WebchatFigures> {
  // Connections are opened before the clock starts: the figures are about turns, not handshakes.
  const clients = [await ChatClient.open(port, "bench-seq")];
  try {
    await sequential(clients[0]!, "warmup", 20);
    let t0 = performance.now();
    const seq = await sequential(clients[0]!, "seq", messages);
    const seqWall = performance.now() - t0;

    const parClients = await Promise.all(Array.from({ length: conversations }, (_, i) => ChatClient.open(port, `bench-par-${i}`)));
    clients.push(...parClients);
    t0 = performance.now();
    const par = (await Promise.all(parClients.map((c, i) => sequential(c, `par-${i}`, each)))).flat();
    const parWall = performance.now() - t0;
    return figures(seq, seqWall, par, parWall, conversations, each);
  } finally {
    for (const c of clients) c.close();
  }
}

function figures(seq: number[], seqWall: number, par: number[], parWall: number, conversations: number, each: number): WebchatFigures {
  const messages = seq.length;
  return {
    messages,
    p50Ms: round(percentile(seq, 50)),
    p99Ms: round(percentile(seq, 99)),
    throughputPerSec: round(messages / (seqWall / 1000)),
    concurrent: {
      conversations,
      messagesEach: each,
      p50Ms: round(percentile(par, 50)),
      p99Ms: round(percentile(par, 99)),
      throughputPerSec: round(par.length / (parWall / 1000)),
    },
  };
}
