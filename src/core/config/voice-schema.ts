import { z } from "zod";
import { timeoutMs } from "./fields.ts";

/** [voice]: local speech to text and text to speech with installed models. */
export const voiceSchema = z
  .strictObject({
    stt: z
      .string()
      .regex(/^whisper:[\p{L}\p{N}][\p{L}\p{N}._-]{0,127}$/u, { error: 'must be "whisper:ID", e.g. "whisper:base.en"' })
      .optional()
      .describe("The installed Whisper model that transcribes voice messages; absent = the first installed one."),
    language: z.string().regex(/^[a-z]{2,3}$/, { error: 'must be a language code such as "en" or "de"' }).optional().describe("The spoken language; absent = detected (or English for *.en models)."),
    max_concurrent: z.number().int().min(1).max(64).default(1).describe("Transcriptions running at once, and (apart from them) spoken replies being made at once (each uses the CPU fully)."),
    timeout_ms: timeoutMs(120_000, "Longest one transcription, or making and sending one spoken reply, may take, in milliseconds (a spoken reply past it stays text only)."),
    max_seconds: z.number().int().min(1).max(3600).default(300).describe("Longest voice message transcribed, in seconds; longer ones get a reply saying so."),
    max_bytes: z.number().int().min(1024).max(100_000_000).default(20_000_000).describe("Biggest voice message fetched, in bytes."),
    echo_transcript: z.boolean().default(false).describe('Start the reply with what was heard ("🎤 …").'),
    tts: z
      .string()
      .regex(/^piper:[\p{L}\p{N}][\p{L}\p{N}._-]{0,127}$/u, { error: 'must be "piper:ID", e.g. "piper:en_US-lessac-medium"' })
      .optional()
      .describe("The installed Piper voice that speaks replies; absent = the first installed one."),
    speak_replies: z.enum(["voice-in", "always", "never"]).default("voice-in").describe('When replies are also sent as a voice note (after their text): "voice-in" (answer a voice note with one), "always" or "never".'),
  })
  .describe("Local voice: transcribe voice messages with an installed Whisper model, speak replies with an installed Piper voice.");

export type VoiceConfig = z.output<typeof voiceSchema>;
