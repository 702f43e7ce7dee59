import { AbortedError } from "../util/abort.ts";
/**
 * Sample-rate conversion: to 16 kHz for whisper.cpp, and a Piper voice's rate to Opus's 48 kHz. A windowed-sinc (Blackman, 16 zero crossings
 * each side) interpolator whose cutoff follows the lower of the two rates, so downsampling low-passes
 * first and a 44.1 kHz recording does not fold its 8-22 kHz content back into the speech band.
 * The kernel is tabulated once and read with linear interpolation (no sin() per tap).
 */

const ZEROS = 16;
const RESOLUTION = 512;
/** Keep the passband a little under Nyquist: the window's transition band sits below it, not across it. */
const ROLLOFF = 0.92;

let table: Float32Array | null = null;

function kernelTable(): Float32Array {
  if (table) return table;
  const n = ZEROS * RESOLUTION;
  const t = new Float32Array(n + 2);
  for (let i = 0; i <= n; i++) {
    const u = i / RESOLUTION; // in zero crossings
    const sinc = i === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
    const w = 0.42 + 0.5 * Math.cos((Math.PI * u) / ZEROS) + 0.08 * Math.cos((2 * Math.PI * u) / ZEROS);
    t[i] = sinc * w;
  }
  table = t; // t[n + 1] stays 0 so interpolation at the edge reads zero
  return t;
}

/** Output samples computed between two yields to the event loop (a few ms of work). */
const YIELD_EVERY = 8_192;

/**
 * `input` (mono, at `from` Hz) resampled to `to` Hz. Returns `input` itself when the rates match.
 * Async: a 20 MB WAV at 44.1 kHz is a second of filtering, which must not hold every channel,
 * the control API and the heartbeat still for that long, so it yields every YIELD_EVERY outputs.
 */
export async function resample(input: Float32Array, from: number, to: number, signal?: AbortSignal): Promise<Float32Array> {
  if (from === to || input.length === 0) return input;
  const k = kernelTable();
  const ratio = to / from;
  const fc = 0.5 * Math.min(1, ratio) * ROLLOFF; // cycles per input sample
  const scale = 2 * fc; // kernel argument in zero crossings per input sample, and its gain
  const halfWidth = ZEROS / scale; // in input samples
  const outLength = Math.floor((input.length * to) / from);
  const out = new Float32Array(outLength);
  const last = input.length - 1;
  for (let n = 0; n < outLength; n++) {
    if (n % YIELD_EVERY === YIELD_EVERY - 1) {
      await new Promise((r) => setTimeout(r, 0));
      if (signal?.aborted) throw new AbortedError();
    }
    const center = (n * from) / to;
    const lo = Math.max(0, Math.ceil(center - halfWidth));
    const hi = Math.min(last, Math.floor(center + halfWidth));
    let acc = 0;
    for (let i = lo; i <= hi; i++) {
      const pos = Math.abs(center - i) * scale * RESOLUTION;
      const j = pos | 0;
      if (j >= ZEROS * RESOLUTION) continue;
      const frac = pos - j;
      acc += input[i]! * (k[j]! + (k[j + 1]! - k[j]!) * frac);
    }
    out[n] = acc * scale;
  }
  return out;
}
