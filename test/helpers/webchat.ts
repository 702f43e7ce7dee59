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
