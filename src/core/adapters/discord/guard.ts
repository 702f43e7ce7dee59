import { WebSocketShard } from "@discordjs/ws";

/**
 * A gateway frame must not be able to stop bosun. @discordjs/ws handles each frame in an async
 * method it calls with `void`, so a frame it does not expect (op 9 without `d`, a dispatch whose
 * `d` is null) throws inside it and becomes an unhandled rejection: the process would exit. The
 * shard's frame handler is wrapped once, process-wide: frames that are not the documented shape
 * are dropped before the library sees them, and anything it still throws is reported instead.
 */

/** Gateway opcodes a client receives, and what their `d` must be. */
const RECEIVED: Record<number, (d: unknown) => boolean> = {
  0: (d) => d !== null && typeof d === "object" && !Array.isArray(d),
  1: () => true,
  7: () => true,
  9: (d) => typeof d === "boolean",
  10: (d) => d !== null && typeof d === "object" && typeof (d as { heartbeat_interval?: unknown }).heartbeat_interval === "number" && (d as { heartbeat_interval: number }).heartbeat_interval > 0,
  11: () => true,
};

/** Why a text frame is not one the library may be given, or null when it is. */
export function frameProblem(text: string): string | null {
  let f: unknown;
  try {
    f = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  if (f === null || typeof f !== "object" || Array.isArray(f)) return "not a JSON object";
  const { op, d, t, s } = f as { op?: unknown; d?: unknown; t?: unknown; s?: unknown };
  if (typeof op !== "number" || !Object.hasOwn(RECEIVED, op)) return `unknown op ${JSON.stringify(op)?.slice(0, 20)}`;
  if (!RECEIVED[op]!(d)) return `op ${op} with a malformed d`;
  if (op === 0 && (typeof t !== "string" || (s !== null && typeof s !== "number"))) return "a dispatch without t or s";
  return null;
}

const reporters = new Set<(problem: string) => void>();
let installed = false;
let guarded = false;

/** Wrap the shard's frame handler (once); `report` hears every frame dropped or failure caught until the returned function is called. */
export function guardShards(report: (problem: string) => void): () => void {
  if (!installed) {
    installed = true;
    const proto: object = WebSocketShard.prototype;
    const original: unknown = Reflect.get(proto, "onMessage");
    if (typeof original === "function") {
      const tell = (problem: string) => {
        for (const r of reporters) r(problem);
      };
      guarded = true;
      Reflect.set(proto, "onMessage", async function guardedOnMessage(this: unknown, data: unknown, isBinary: unknown) {
        if (isBinary !== true) {
          const text = typeof data === "string" ? data : data instanceof ArrayBuffer ? new TextDecoder().decode(data) : null;
          const problem = text === null ? "a frame that is neither text nor binary" : frameProblem(text);
          if (problem) return tell(`ignored a gateway frame: ${problem}`);
        }
        try {
          await Reflect.apply(original, this, [data, isBinary]);
        } catch (err) {
          tell(`the gateway library failed on a frame: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300));
        }
      });
    }
  }
  // After a library upgrade that renamed the handler the guard would be gone: say so, every start.
  if (typeof Reflect.get(WebSocketShard.prototype, "onMessage") !== "function" || !guarded) report("the Discord gateway library has no frame handler to guard (a new version?): a malformed frame could stop bosun");
  reporters.add(report);
  return () => reporters.delete(report);
}
