// The "🎤 what was heard" prefix of a reply ([voice] echo_transcript): put on by the runtime, taken
// off by the outbox before the reply is spoken. One owner of its shape, below both.

const ECHO_MARK = "🎤 ";

/**
 * The reply with what was heard in front, when [voice] echo_transcript asks for it. The echo is
 * one paragraph (the transcript's line breaks become spaces), so `unechoed` can take it off again.
 */
export function echoed(reply: string, transcript: string): string {
  return `${ECHO_MARK}${transcript.replace(/\s+/g, " ").trim()}\n\n${reply}`;
}

/**
 * A stored reply without the echo `echoed` put in front: what is spoken (a voice note that reads
 * back "microphone, what you said" is noise). A reply with no echo is returned as it is.
 */
export function unechoed(text: string): string {
  if (!text.startsWith(ECHO_MARK)) return text;
  const end = text.indexOf("\n\n");
  return end < 0 ? text : text.slice(end + 2);
}
