import { safeUrl } from "../../util/url.ts";

/** Why a download failed. */
export type DownloadErrorCode =
  | "http"
  | "size_mismatch"
  | "checksum_mismatch"
  | "connect_timeout"
  | "idle_timeout"
  | "network"
  | "aborted"
  | "disk";

/** Failures that discard the `.part` (its bytes are known to be wrong); every other failure keeps it. */
const DISCARDS_PART: ReadonlySet<DownloadErrorCode> = new Set(["size_mismatch", "checksum_mismatch"]);

/** A failed download; messages never contain URL credentials or query strings. */
export class DownloadError extends Error {
  readonly code: DownloadErrorCode;
  /** HTTP status for code "http" (absent when the URL itself was unusable). */
  readonly status: number | undefined;
  constructor(code: DownloadErrorCode, message: string, opts: { status?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "DownloadError";
    this.code = code;
    this.status = opts.status;
  }
  /** true when any `.part` file was kept, so a retry continues where this attempt stopped. */
  get partKept(): boolean {
    return !DISCARDS_PART.has(this.code);
  }
}

/** A URL safe to show: scheme, host and path only (userinfo, query and fragment can carry tokens). */
export const redactUrl = (url: string): string => safeUrl(url, "<invalid url>");

/** Reject anything but an absolute http(s) URL before touching the network. */
export function checkUrl(url: string, safe: string): void {
  let proto = "";
  try {
    proto = new URL(url).protocol;
  } catch {
    throw new DownloadError("http", `invalid download URL ${safe}`);
  }
  if (proto !== "http:" && proto !== "https:") throw new DownloadError("http", `unsupported URL scheme in ${safe}`);
}

/** host[:port] of a URL, for messages. */
export function hostOf(safeUrl: string): string {
  try {
    return new URL(safeUrl).host;
  } catch {
    return safeUrl;
  }
}

/** The error of a download its caller aborted. */
export function aborted(): DownloadError {
  return new DownloadError("aborted", "download aborted");
}
