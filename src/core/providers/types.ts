/** One turn of chat history. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** An LLM backend (or the echo stand-in): history in, reply text out. */
export interface Provider {
  /** Short name shown in status: "echo", "openai (llama3.2 @ http://…)". */
  readonly label: string;
  readonly name: "echo" | "openai";
  /** Produce the assistant's reply to the conversation so far. */
  complete(messages: ChatMessage[], signal: AbortSignal): Promise<string>;
}
