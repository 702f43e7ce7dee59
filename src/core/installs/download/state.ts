import type { Clock } from "../../util/clock.ts";
import type { DownloadError, DownloadErrorCode } from "./errors.ts";
import type { DownloadOptions } from "./options.ts";
import type { StreamHasher } from "./stream-hasher.ts";

// What the body writers and the finaliser share with the request loop (transfer.ts), as an
// interface so that they depend on it and not on the loop that calls them.

/** What a body writer tells the request loop: the file is whole, or ask for the rest. */
export type Step = "complete" | "again";

/** One request's cancellation: `stop` aborts it with a reason, `why` tells which stopped it first. */
export interface RequestControl {
  ctrl: AbortController;
  stop: (code: DownloadErrorCode) => void;
  why: () => DownloadErrorCode | undefined;
}

/** One download's state across its requests. */
export interface TransferState {
  readonly o: DownloadOptions;
  /** `o.clock`, or the real one. */
  readonly clock: Clock;
  /** `${dest}.part`. */
  readonly part: string;
  /** The URL as messages may show it. */
  readonly safeUrl: string;
  hash: StreamHasher;
  /** Verified-in-order bytes of the `.part` (hashed and on disk). */
  have: number;
  /** Bytes of an existing `.part` that were kept. */
  resumedFrom: number;
  /** Bytes that came over the network. */
  received: number;
  /** true once a Range request was honoured. */
  resumed: boolean;
  via: "native" | "stream";
  writebacks: number;
  /** Forget the `.part` and its hash; the next request fetches from byte zero. */
  restart(): void;
  /** Report progress (throttled unless `final`). */
  progress(final: boolean): void;
  /** Map a fetch/read rejection: our own stop reason wins, else the network failed. */
  failure(why: DownloadErrorCode | undefined, err: unknown): DownloadError;
}
