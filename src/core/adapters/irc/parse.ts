/** The sender of an IRC message: a server name, or `nick!user@host`. */
export interface IrcPrefix {
  raw: string;
  nick: string;
  user?: string;
  host?: string;
}

/** One parsed IRC line (RFC 1459/2812 with IRCv3 message tags). */
export interface IrcMessage {
  /** Unescaped tag values; a tag sent without a value maps to "". */
  tags: Record<string, string>;
  prefix?: IrcPrefix;
  /** Upper-cased verb or three-digit numeric. */
  command: string;
  /** Middle params followed by the trailing one (its leading ":" removed). */
  params: string[];
}

/** Thrown for a line that is not valid IRC; the message describes the problem, not the content. */
export class IrcParseError extends Error {
  override name = "IrcParseError";
}

const COMMAND_RE = /^(?:[A-Za-z]+|[0-9]{3})$/;
const TAG_KEY_RE = /^\+?(?:[A-Za-z0-9.-]+\/)?[A-Za-z0-9-]+$/;

const UNESCAPES: Record<string, string> = { ":": ";", s: " ", "\\": "\\", r: "\r", n: "\n" };

/** Undo IRCv3 tag-value escaping; an unknown escape drops its backslash, a trailing lone one is dropped. */
export function unescapeTagValue(value: string): string {
  if (!value.includes("\\")) return value;
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = value[i + 1];
    i++;
    if (next === undefined) break;
    out += UNESCAPES[next] ?? next;
  }
  return out;
}

/** Apply IRCv3 tag-value escaping (`;` space `\` CR LF). */
export function escapeTagValue(value: string): string {
  return value.replace(/[; \\\r\n]/g, (c) => {
    switch (c) {
      case ";":
        return "\\:";
      case " ":
        return "\\s";
      case "\\":
        return "\\\\";
      case "\r":
        return "\\r";
      case "\n":
        return "\\n";
      default:
        return c;
    }
  });
}

/** Split `nick!user@host` (or a bare server name) into its parts. */
export function parsePrefix(raw: string): IrcPrefix {
  const bang = raw.indexOf("!");
  const at = raw.indexOf("@", bang === -1 ? 0 : bang);
  if (bang === -1 && at === -1) return { raw, nick: raw };
  if (bang === -1) return { raw, nick: raw.slice(0, at), host: raw.slice(at + 1) };
  if (at === -1) return { raw, nick: raw.slice(0, bang), user: raw.slice(bang + 1) };
  return { raw, nick: raw.slice(0, bang), user: raw.slice(bang + 1, at), host: raw.slice(at + 1) };
}

/** Parse one line (without its CRLF). Throws IrcParseError for malformed input. */
export function parseMessage(line: string): IrcMessage {
  if (/[\r\n\0]/.test(line)) throw new IrcParseError("line contains CR, LF or NUL");
  let rest = line;
  const tags: Record<string, string> = {};
  if (rest.startsWith("@")) {
    const sp = rest.indexOf(" ");
    if (sp === -1) throw new IrcParseError("tags without a command");
    for (const part of rest.slice(1, sp).split(";")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const key = eq === -1 ? part : part.slice(0, eq);
      if (!TAG_KEY_RE.test(key)) throw new IrcParseError("invalid tag name");
      tags[key] = eq === -1 ? "" : unescapeTagValue(part.slice(eq + 1));
    }
    rest = rest.slice(sp + 1).replace(/^ +/, "");
  }
  let prefix: IrcPrefix | undefined;
  if (rest.startsWith(":")) {
    const sp = rest.indexOf(" ");
    if (sp === -1) throw new IrcParseError("prefix without a command");
    const raw = rest.slice(1, sp);
    if (raw === "") throw new IrcParseError("empty prefix");
    prefix = parsePrefix(raw);
    rest = rest.slice(sp + 1).replace(/^ +/, "");
  }
  const params: string[] = [];
  let command = "";
  while (rest !== "") {
    if (command !== "" && rest.startsWith(":")) {
      params.push(rest.slice(1));
      break;
    }
    const sp = rest.indexOf(" ");
    const word = sp === -1 ? rest : rest.slice(0, sp);
    rest = sp === -1 ? "" : rest.slice(sp + 1).replace(/^ +/, "");
    if (command === "") command = word;
    else params.push(word);
  }
  if (!COMMAND_RE.test(command)) throw new IrcParseError(command === "" ? "no command" : "invalid command");
  return prefix ? { tags, prefix, command: command.toUpperCase(), params } : { tags, command: command.toUpperCase(), params };
}

/**
 * Build one line (without CRLF). Only the last param may contain spaces, start with ":" or be
 * empty. Errors never quote the params: they may be passwords.
 */
export function formatMessage(command: string, params: readonly string[] = [], tags?: Record<string, string>): string {
  if (!COMMAND_RE.test(command)) throw new IrcParseError("invalid command");
  let line = "";
  if (tags && Object.keys(tags).length > 0) {
    const parts = Object.entries(tags).map(([k, v]) => {
      if (!TAG_KEY_RE.test(k)) throw new IrcParseError("invalid tag name");
      return v === "" ? k : `${k}=${escapeTagValue(v)}`;
    });
    line = `@${parts.join(";")} `;
  }
  line += command;
  params.forEach((p, i) => {
    if (/[\r\n\0]/.test(p)) throw new IrcParseError(`parameter ${i + 1} of ${command} contains CR, LF or NUL`);
    const last = i === params.length - 1;
    if (last && (p === "" || p.includes(" ") || p.startsWith(":"))) line += ` :${p}`;
    else if (p === "" || p.includes(" ") || p.startsWith(":")) throw new IrcParseError(`parameter ${i + 1} of ${command} must be the last one`);
    else line += ` ${p}`;
  });
  return line;
}

/** `PRIVMSG target :text`, always with the ":" (the split budget counts it; some servers insist). */
export function formatPrivmsg(target: string, text: string): string {
  if (/[\r\n\0]/.test(text)) throw new IrcParseError("message text contains CR, LF or NUL");
  return `${formatMessage("PRIVMSG", [target])} :${text}`;
}

/** ASCII lower case; used for channel names and nick comparison in conversation ids. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** RFC 1459 case folding (`[]\~` are the upper case of `{}|^`), the default IRC casemapping. */
export function ircLower(s: string): string {
  return s.replace(/[A-Z[\]\\~]/g, (c) => (c === "[" ? "{" : c === "]" ? "}" : c === "\\" ? "|" : c === "~" ? "^" : c.toLowerCase()));
}

/** True when two nicks are the same under RFC 1459 case folding. */
export function sameNick(a: string, b: string): boolean {
  return ircLower(a) === ircLower(b);
}

/** True for channel targets (`#`, `&`, `!`, `+` prefixes). */
export function isChannel(target: string): boolean {
  return /^[#&!+]/.test(target);
}
