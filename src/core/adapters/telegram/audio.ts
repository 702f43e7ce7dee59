import { VoiceError, type AudioInput } from "../../voice/types.ts";
import { FileTooBigError, TelegramApiError, type TelegramApi } from "./api.ts";
import { parseFile } from "./wire.ts";

/** Deadline of getFile and of the download of one voice message. */
const FILE_TIMEOUT_MS = 60_000;

const tooLong = (bytes: number, max: number) =>
  new VoiceError("voice_too_long", `the voice message is too big (${mb(bytes)} MB; the limit is ${mb(max)} MB)`, "raise [voice] max_bytes to accept bigger ones");
const mb = (n: number) => (n / 1_000_000).toFixed(1);

/**
 * A voice message's bytes, again from Telegram: getFile names the file's path, then the file URL
 * under api_root gives its bytes. The size is checked on getFile's answer, on the download's
 * Content-Length and while reading, so a file past `maxBytes` is never held in memory.
 */
export async function fetchTelegramAudio(api: TelegramApi, fileId: string, maxBytes: number, signal: AbortSignal): Promise<AudioInput> {
  let file;
  try {
    file = parseFile(await api.call("getFile", { file_id: fileId }, { timeoutMs: FILE_TIMEOUT_MS, signal }));
  } catch (err) {
    // Bots may fetch files up to 20 MB; Telegram says so with a 400.
    if (err instanceof TelegramApiError && /too big/i.test(err.description)) throw tooLong(20_000_001, maxBytes);
    throw err;
  }
  if (!file) throw new Error("Telegram API getFile returned something that is not a File");
  if (file.file_size !== undefined && file.file_size > maxBytes) throw tooLong(file.file_size, maxBytes);
  if (!file.file_path) throw new Error("Telegram API getFile gave no usable file_path for the voice message");
  let bytes: Uint8Array;
  try {
    bytes = await api.download(file.file_path, maxBytes, { timeoutMs: FILE_TIMEOUT_MS, signal });
  } catch (err) {
    if (err instanceof FileTooBigError) throw tooLong(err.bytes, maxBytes);
    throw err;
  }
  const name = file.file_path.split("/").at(-1);
  return { bytes, ...(name ? { name } : {}) };
}
