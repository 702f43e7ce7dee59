/**
 * The chat page served at `/`: one file, no build step, no external assets (the CSP allows only
 * 'self'), works offline. It speaks the protocol of ./index.ts:
 *   → {"type":"message","id","text"}, {"type":"voice","id","audio"}, {"type":"ping"}
 *   ← {"type":"ack","id"}, {"type":"message","role":"agent"|"user","id"?,"text","at","replyTo"?}, {"type":"error","message"}, {"type":"pong"},
 *     with live=1: {"type":"history","messages":[...]} on connect, and while a turn runs {"type":"typing"|"delta"|"restart"|"typing_end","replyTo","text"?}
 *     (the frames are described in ./page-script.ts)
 * A message is "not sent yet" until the server acks its id. Unacked messages live in localStorage,
 * so they survive a reload and are resent (same id: the server de-duplicates) on every reconnect.
 */

import { SCRIPT } from "./page-script.ts";
import { STYLE } from "./page-style.ts";

export interface ChatPageOptions {
  /** Longest message the server accepts; the textarea refuses more, so nothing unsendable stays pending. */
  maxChars?: number;
  /** Longest recording the microphone button makes, in seconds. */
  maxRecordSeconds?: number;
}

const escapeHtml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function chatPage(title: string, opts: ChatPageOptions = {}): string {
  const safeTitle = escapeHtml(title);
  const maxChars = Math.max(1, Math.floor(opts.maxChars ?? 16_000));
  const maxRecord = Math.max(1, Math.floor(opts.maxRecordSeconds ?? 120));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<title>${safeTitle}</title>
<style>${STYLE}</style></head>
<body>
<header><h1>${safeTitle}</h1><span id="state" class="state">connecting…</span></header>
<div id="banner" role="status" aria-live="polite" hidden><span id="banner-text"></span> <span id="next" aria-hidden="true"></span> <button id="retry" type="button" hidden>Retry now</button></div>
<main id="log" role="log" aria-live="polite" aria-label="Conversation"></main>
<form id="f">
<label for="t" class="sr">Message</label>
<textarea id="t" rows="1" maxlength="${maxChars}" autocomplete="off" placeholder="Message the agent" aria-describedby="hint" enterkeyhint="send" autofocus></textarea>
<button id="mic" type="button" aria-label="Record a voice message" title="Record a voice message" aria-pressed="false" data-max="${maxRecord}" hidden>\u{1F3A4}</button>
<button type="submit">Send</button>
</form>
<div id="rec" role="status" hidden><span class="rec-dot" aria-hidden="true"></span> Recording <span id="rec-time">0:00</span> (at most ${Math.floor(maxRecord / 60)}:${String(maxRecord % 60).padStart(2, "0")}) · press \u25A0 to send · Esc cancels <button id="rec-cancel" type="button">Cancel</button></div>
<p id="hint" class="hint">Enter sends · Shift+Enter adds a line · /help lists commands</p>
<script>${SCRIPT}</script></body></html>`;
}
