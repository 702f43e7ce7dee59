import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeAudio } from "../../src/core/voice/decode.ts";
import { phonemesToIds } from "../../src/core/voice/tts/phoneme-ids.ts";
import { phonemizeClauses } from "../../src/core/voice/tts/phonemize.ts";
import { sandbox } from "../helpers/bosun.ts";
import { installToneVoice, readToneIds, TONE_ID_MAP } from "../helpers/tone-voice.ts";

const signal = new AbortController().signal;

describe("bosun speak with a gateway running", () => {
  test("goes through the gateway (its config's voice, its log), with the same --json shape and audio as in-process", async () => {
    const box = sandbox();
    box.writeConfig(`[agent]\nprovider = "echo"\n${installToneVoice(box.home).toml}`);
    const text = "Hello world.";
    const map = new Map(Object.entries(TONE_ID_MAP));
    const ids = (await phonemizeClauses(text, "en-us")).flatMap((c) => phonemesToIds(c, map).ids);
    const aloneOut = join(box.dir, "alone.ogg");
    const alone = box.run(["speak", text, "--out", aloneOut, "--json"], { timeoutMs: 60_000 });
    expect(alone.stderr).toBe("");
    expect(alone.code).toBe(0);

    let missing: { code: number; stdout: string; stderr: string } | undefined;
    const up = await box.runAsync(["up", "--detach"], { timeoutMs: 30_000 });
    expect(up.code).toBe(0);
    try {
      const viaOut = join(box.dir, "via.ogg");
      const via = box.run(["speak", text, "--out", viaOut, "--json"], { timeoutMs: 60_000 });
      expect(via.stderr).toBe("");
      expect(via.code).toBe(0);
      const a = JSON.parse(alone.stdout);
      const v = JSON.parse(via.stdout);
      expect(Object.keys(v).sort()).toEqual(Object.keys(a).sort());
      expect({ ...v, out: null }).toEqual({ ...a, out: null });
      expect(v.out).toBe(viaOut);
      expect(readToneIds((await decodeAudio({ bytes: readFileSync(viaOut) }, signal)).samples, 16_000)).toEqual(ids);
      // A config that knows no piper:tone: in this process there is no voice; the gateway's config has one.
      const other = join(box.dir, "other.toml");
      writeFileSync(other, '[agent]\nprovider = "echo"\n');
      const wav = join(box.dir, "via.wav");
      const viaOther = box.run(["--config", other, "speak", text, "--out", wav], { timeoutMs: 60_000 });
      expect(viaOther.stdout).toBe(`wrote ${wav} (${(v.durationMs / 1000).toFixed(1)} s, piper:tone)\n`);
      expect(readFileSync(wav).subarray(0, 4).toString()).toBe("RIFF");
      const log = readFileSync(join(box.home, "logs", "bosun.log"), "utf8");
      expect(log.split("\n").filter((l) => l.includes("voice: spoke 12 characters with piper:tone (cli)")).length).toBe(2);
      // The gateway's errors read as in-process ones.
      missing = box.run(["speak", text, "--voice", "piper:nope", "--out", join(box.dir, "x.ogg")]);
    } finally {
      expect(box.run(["down"], { timeoutMs: 30_000 }).code).toBe(0);
    }
    expect(box.run(["speak", text, "--voice", "piper:nope", "--out", join(box.dir, "x.ogg")])).toEqual(missing!);
    expect(missing!.code).toBe(2);
    expect(missing!.stderr).toStartWith('error: unknown install target "piper:nope"\n');
    const after = box.run(["--config", join(box.dir, "other.toml"), "speak", text, "--out", join(box.dir, "after.ogg")]);
    expect(after.code).toBe(1);
    expect(after.stderr).toStartWith("error: no Piper voice is installed");
  }, 180_000);
});
