import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sidecarCachePath } from "../../scripts/whisper-sidecar.ts";
import { parseConfig } from "../../src/core/config/load.ts";
import { ControlClient } from "../../src/core/control/client.ts";
import { BosunError } from "../../src/core/errors.ts";
import { Gateway } from "../../src/core/gateway.ts";
import { createAudioDecoder } from "../../src/core/voice/decode.ts";
import { pickWhisperModel } from "../../src/core/voice/model.ts";
import { WhisperSidecar } from "../../src/core/voice/sidecar.ts";
import { WhisperTranscriber } from "../../src/core/voice/transcriber.ts";
import { writeHelloModel } from "../helpers/ggml-model.ts";
import { speechDir } from "../helpers/speech.ts";
import { installToneVoice, readToneIds, TONE_ID_MAP } from "../helpers/tone-voice.ts";
import { decodeAudio } from "../../src/core/voice/decode.ts";
import { parseWav } from "../../src/core/voice/wav.ts";
import { phonemesToIds } from "../../src/core/voice/tts/phoneme-ids.ts";
import { phonemizeClauses } from "../../src/core/voice/tts/phonemize.ts";

// The whisper-cli build.ts compiled and cached (npm test builds first).
const cached = sidecarCachePath();
if (!cached || !existsSync(cached.bin)) throw new Error("no cached whisper-cli: run `npx bun run build.ts` first (it needs cmake and g++)");
const embedded = { path: cached.bin, sha256: createHash("sha256").update(readFileSync(cached.bin)).digest("hex"), version: cached.version };

const MAX_BYTES = 200_000;
const speech = speechDir();
let wav: Uint8Array;
let ogg: Uint8Array;

interface Running {
  g: Gateway;
  token: string;
}
const gateways: Gateway[] = [];

/**
 * A real gateway on a unix socket whose Transcriber is the real whisper sidecar (the cached build) with
 * the gateway's own installer; `hello`: the "hello" model installed as a custom Whisper target.
 */
async function start(hello: boolean): Promise<Running> {
  const home = mkdtempSync(join(tmpdir(), "bosun-voice-api-"));
  let custom = "";
  if (hello) {
    const dir = join(home, "models", "whisper");
    mkdirSync(dir, { recursive: true });
    const bytes = readFileSync(writeHelloModel(join(dir, "ggml-hello.bin")));
    custom = installToneVoice(home).toml + installToneVoice(home, "голос").toml;
    custom += `[[installs.custom]]\ntarget = "whisper:hello"\nurl = "http://127.0.0.1:9/ggml-hello.bin"\nsize = ${bytes.length}\nsha256 = "${createHash("sha256").update(bytes).digest("hex")}"\n`;
  }
  const loaded = parseConfig(`[agent]\nprovider = "echo"\n[gateway]\nwatch_config = false\n[voice]\nmax_bytes = ${MAX_BYTES}\n${custom}`, "t.toml", {});
  let g!: Gateway;
  const transcriber = new WhisperTranscriber({
    sidecar: new WhisperSidecar({ embedded, binDir: join(home, "bin"), maxConcurrent: 1, threads: 1 }),
    decode: createAudioDecoder({ maxSeconds: loaded.config.voice.max_seconds }),
    model: (wanted) => pickWhisperModel(g.installer, wanted ?? loaded.config.voice.stt),
    config: () => loaded.config.voice,
  });
  g = new Gateway({ home, loaded, env: {}, version: "test", transcriber });
  gateways.push(g);
  await g.start();
  return { g, token: readFileSync(g.paths.token, "utf8").trim() };
}

interface Answer {
  status: number;
  type: string | undefined;
  json: { error?: { code: string; message: string; hint: string | null } } & Record<string, unknown>;
}

/** One request as any program would send it: raw bytes, any headers. */
function send(r: Running, path: string, body: Uint8Array | string | undefined, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: r.g.paths.socket, path, method: "POST", headers: { authorization: `Bearer ${r.token}`, ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], json: text ? JSON.parse(text) : {} }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

let withModel: Running;
let noModel: Running;
beforeAll(async () => {
  wav = speech.read(speech.wav("hello"));
  ogg = speech.read(speech.ogg(speech.wav("hello")));
  [withModel, noModel] = await Promise.all([start(true), start(false)]);
});
afterAll(async () => {
  for (const g of gateways) await g.stop();
  speech.cleanup();
});

describe("POST /v1/voice/transcribe", () => {
  test("the audio as the body is transcribed by the gateway's Transcriber: text, language, segments with times", async () => {
    const r = await send(withModel, "/v1/voice/transcribe?name=hello.ogg", ogg, { "content-type": "audio/ogg" });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ text: "hello", language: "en", model: "whisper:hello" });
    const segments = r.json.segments as Array<{ startMs: number; endMs: number; text: string }>;
    expect(segments).toHaveLength(1);
    expect(segments[0]!.endMs).toBeGreaterThan(segments[0]!.startMs);
    expect(r.json.audioMs as number).toBeGreaterThan(300);
    // The gateway's log says who asked.
    expect(readFileSync(withModel.g.paths.log, "utf8")).toContain("voice: transcribed");
  }, 60_000);

  test("the control client gets the same Transcription the in-process API does, and ?model= picks the model", async () => {
    const client = new ControlClient(withModel.g.paths.socket, withModel.token);
    const remote = await client.transcribe({ audio: { bytes: wav, name: "hello.wav" }, model: "whisper:hello" });
    expect(remote).toMatchObject({ text: "hello", model: "whisper:hello", language: "en" });
    const err = await client.transcribe({ audio: { bytes: wav }, model: "whisper:base.en" }).catch((e) => e);
    expect(err).toBeInstanceOf(BosunError);
    expect({ code: err.code, message: err.message, hint: err.hint, exit: err.exitCode }).toEqual({
      code: "voice_no_model",
      message: "the Whisper model whisper:base.en is not installed (missing)",
      hint: "install it with `bosun install whisper:base.en`",
      exit: 1,
    });
  }, 60_000);

  test("no model installed: 409 voice_no_model with the install command as its hint", async () => {
    const r = await send(noModel, "/v1/voice/transcribe", wav);
    expect(r.status).toBe(409);
    expect(r.json.error).toEqual({ code: "voice_no_model", message: "no Whisper model is installed", hint: "install one with `bosun install whisper:base.en` (`bosun catalog whisper` lists them)" });
  });

  test("too big: 413 before the audio is read past [voice] max_bytes, declared or streamed", async () => {
    const big = new Uint8Array(MAX_BYTES + 1);
    const declared = await send(withModel, "/v1/voice/transcribe", big);
    expect(declared.status).toBe(413);
    expect(declared.json.error?.code).toBe("voice_too_long");
    expect(declared.json.error?.message).toContain(`${MAX_BYTES} bytes`);
    // Chunked: no Content-Length to refuse it by.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request({ socketPath: withModel.g.paths.socket, path: "/v1/voice/transcribe", method: "POST", headers: { authorization: `Bearer ${withModel.token}`, "transfer-encoding": "chunked" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      for (let i = 0; i < 5; i++) req.write(new Uint8Array(MAX_BYTES / 2));
      req.end();
    });
    expect(chunked).toBe(413);
  });

  test("a bad body: empty is 400, corrupt audio is 400 voice_decode, a bad model name 400; the gateway keeps serving", async () => {
    const empty = await send(withModel, "/v1/voice/transcribe", "");
    expect({ status: empty.status, code: empty.json.error?.code }).toEqual({ status: 400, code: "bad_request" });
    const corrupt = await send(withModel, "/v1/voice/transcribe", "OggS garbage that is no voice note");
    expect({ status: corrupt.status, code: corrupt.json.error?.code }).toEqual({ status: 400, code: "voice_decode" });
    const badModel = await send(withModel, "/v1/voice/transcribe?model=piper:x", wav);
    expect({ status: badModel.status, code: badModel.json.error?.code }).toEqual({ status: 400, code: "bad_request" });
    const still = await send(withModel, "/v1/voice/transcribe", wav);
    expect(still.json.text).toBe("hello");
  }, 60_000);

  test("no or a wrong bearer token: 401, nothing transcribed", async () => {
    const r = await send({ ...withModel, token: "wrong" }, "/v1/voice/transcribe", wav);
    expect({ status: r.status, code: r.json.error?.code }).toEqual({ status: 401, code: "unauthorized" });
    const none = await new Promise<number>((resolve, reject) => {
      const req = request({ socketPath: withModel.g.paths.socket, path: "/v1/voice/speak", method: "POST" }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end('{"text":"hi"}');
    });
    expect(none).toBe(401);
  });
});

describe("POST /v1/voice/speak", () => {
  test("the gateway's Piper engine speaks the text: OGG/Opus by default, WAV with ?format=wav, both decoding back to the text's phonemes", async () => {
    const text = "Hello world.";
    const map = new Map(Object.entries(TONE_ID_MAP));
    const ids = (await phonemizeClauses(text, "en-us")).flatMap((c) => phonemesToIds(c, map).ids);
    const client = new ControlClient(withModel.g.paths.socket, withModel.token);
    const ogg = await client.speak({ text });
    expect({ mime: ogg.mime, voice: ogg.voice }).toEqual({ mime: "audio/ogg", voice: "piper:tone" });
    expect(ogg.durationMs).toBeGreaterThan(0);
    expect(readToneIds((await decodeAudio({ bytes: ogg.bytes }, new AbortController().signal)).samples, 16_000)).toEqual(ids);
    const wav = await client.speak({ text, format: "wav" });
    expect(wav.mime).toBe("audio/wav");
    const pcm = parseWav(wav.bytes, 60);
    expect(readToneIds(pcm.samples, pcm.sampleRate)).toEqual(ids);
    expect(readFileSync(withModel.g.paths.log, "utf8")).toContain("voice: spoke 12 characters with piper:tone");
    // A voice id with letters beyond Latin-1 still names itself in the answer (a header carries it encoded).
    expect((await client.speak({ text, voice: "piper:голос" })).voice).toBe("piper:голос");
    // No voice installed: 409 with the install command.
    const none = await new ControlClient(noModel.g.paths.socket, noModel.token).speak({ text }).catch((e) => e);
    expect({ code: none.code, message: none.message }).toEqual({ code: "voice_no_model", message: "no Piper voice is installed" });
  }, 60_000);

  test("a body that is not {text, voice?} is 400 naming the field", async () => {
    const empty = await send(withModel, "/v1/voice/speak", '{"text": "  "}', { "content-type": "application/json" });
    expect({ status: empty.status, code: empty.json.error?.code, message: empty.json.error?.message }).toEqual({ status: 400, code: "bad_request", message: "text: must not be empty" });
    const huge = await send(withModel, "/v1/voice/speak", JSON.stringify({ text: "a".repeat(100_001) }));
    expect({ status: huge.status, message: huge.json.error?.message }).toEqual({ status: 400, message: "text: at most 100000 characters" });
    // What the synthesizer speaks at most: the same error as in-process.
    const long = await send(withModel, "/v1/voice/speak", JSON.stringify({ text: "a".repeat(4_001) }));
    expect({ status: long.status, code: long.json.error?.code, message: long.json.error?.message }).toEqual({ status: 413, code: "voice_too_long", message: "the text is too long to speak (4001 characters; at most 4000)" });
    const voice = await send(withModel, "/v1/voice/speak", JSON.stringify({ text: "hi", voice: "whisper:x" }));
    expect(voice.json.error?.message).toStartWith("voice: ");
    const format = await send(withModel, "/v1/voice/speak?format=mp3", JSON.stringify({ text: "hi" }));
    expect(format.json.error?.message).toBe('format must be ogg or wav (got "mp3")');
  });

  test("a body past the cap is 413 as it streams in, before the client has sent it all", async () => {
    // Chunked, never ended: an answer can only come from a server that stopped reading at the cap.
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ socketPath: withModel.g.paths.socket, path: "/v1/voice/speak", method: "POST", headers: { authorization: `Bearer ${withModel.token}`, "content-type": "application/json", "transfer-encoding": "chunked" } }, (r) => {
        let body = "";
        r.on("data", (d) => (body += d));
        r.on("end", () => {
          resolve({ status: r.statusCode ?? 0, body });
          req.destroy();
        });
      });
      req.on("error", () => undefined);
      req.on("close", () => reject(new Error("closed without an answer")));
      req.write('{"text":"');
      const chunk = "a".repeat(64 * 1024);
      for (let i = 0; i < 12; i++) req.write(chunk);
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe("voice_too_long");
    // The gateway keeps serving.
    const still = await send(withModel, "/v1/voice/speak?format=mp3", JSON.stringify({ text: "hi" }));
    expect(still.status).toBe(400);
  });
});
