/**
 * A failure that retrying soon cannot fix: a rejected token, a banned account, a refused login.
 * An adapter throws it from `start`; the supervisor shows the adapter `failed` at once with this
 * message and waits the longest backoff before trying again (cf. controller-runtime's
 * TerminalError). Any other error is a passing fault, retried with the normal backoff.
 */
export class TerminalError extends Error {
  override readonly name: string = "TerminalError";
}
