import { splitOnBoundaries } from "../../util/split.ts";

/** Longest message text the Bot API accepts, in UTF-16 code units (what it counts). */
export const TELEGRAM_MAX_TEXT = 4096;

/** Split text into Bot API-sized chunks on line/word boundaries (see splitOnBoundaries). */
export function splitText(text: string, max = TELEGRAM_MAX_TEXT): string[] {
  return splitOnBoundaries(text, max);
}
