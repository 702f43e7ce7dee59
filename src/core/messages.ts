// The messages that cross the gateway. Adapters produce and deliver them, the inbox stores them
// and the agent answers them: they belong to none of those features, so they sit below all three.

/** One message received on a channel. `id` is the platform's message id (used for de-duplication). */
export interface InboundMessage {
  id: string;
  conversation: string;
  thread?: string;
  user: string;
  text: string;
}

/** The agent's failure, when the reply is the user-facing message about it. */
export interface ReplyError {
  type: string;
  retryable: boolean;
}

/** A message to deliver through a channel. */
export interface OutboundMessage {
  conversation: string;
  thread?: string;
  text: string;
  /** The inbound message id this answers (request/response channels such as webhook need it). */
  replyTo?: string;
  /** Set when `text` is the user-facing message of a failed turn. */
  error?: ReplyError | null;
}
