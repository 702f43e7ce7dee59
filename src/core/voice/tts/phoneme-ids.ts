/**
 * Phonemes → the ids a Piper model takes, by Piper's own rules (piper-phonemize phoneme_ids.cpp):
 * BOS "^" and a pad, then each phoneme's ids each followed by the pad "_", then EOS "$". Phonemes
 * are single codepoints of the NFD form (a nasal vowel is its letter and U+0303); ones the voice
 * does not know are skipped (and counted, for a log line).
 */
export interface PhonemeIds {
  ids: number[];
  /** Phonemes the map lacks, with how often each was skipped. */
  missing: Map<string, number>;
}

export function phonemesToIds(phonemes: string, idMap: ReadonlyMap<string, readonly number[]>): PhonemeIds {
  const pad = idMap.get("_")!;
  const ids: number[] = [...idMap.get("^")!, ...pad];
  const missing = new Map<string, number>();
  for (const p of phonemes.normalize("NFD")) {
    const mapped = idMap.get(p);
    if (!mapped) {
      missing.set(p, (missing.get(p) ?? 0) + 1);
      continue;
    }
    for (const id of mapped) ids.push(id, ...pad);
  }
  ids.push(...idMap.get("$")!);
  return { ids, missing };
}
