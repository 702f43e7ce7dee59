/**
 * The installer as voice work done at start-up waits for it: a voice message or spoken reply the
 * gateway replays before its installer is ready waits a while, then fails plainly instead of
 * hanging its turn.
 */
import { AbortedError, raceAbort } from "../util/abort.ts";
import type { ModelSource } from "./model.ts";
import { VoiceError } from "./types.ts";

/** How long voice work at start waits for the installer. */
export const START_WAIT_MS = 30_000;

export async function installsOnceStarted(installs: () => Promise<ModelSource>, waitMs = START_WAIT_MS): Promise<ModelSource> {
  const late = AbortSignal.timeout(waitMs);
  try {
    return await raceAbort(installs(), late);
  } catch (err) {
    if (err instanceof AbortedError && late.aborted) throw new VoiceError("voice_failed", "the gateway is still starting", "send it again in a moment");
    throw err;
  }
}
