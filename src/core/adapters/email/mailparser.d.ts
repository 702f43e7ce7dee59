// mailparser ships no types; this declares the part of simpleParser the email adapter uses.
declare module "mailparser" {
  export interface AddressObject {
    value: Array<{ address?: string; name?: string }>;
    text?: string;
  }
  export interface ParsedMail {
    headers: Map<string, unknown>;
    subject?: string;
    from?: AddressObject;
    messageId?: string;
    inReplyTo?: string;
    references?: string | string[];
    text?: string;
    html?: string | false;
    date?: Date;
  }
  export function simpleParser(source: Buffer | string, options?: Record<string, unknown>): Promise<ParsedMail>;
}
