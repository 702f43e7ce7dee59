import { Buffer } from "node:buffer";
import type { ConsolaInstance } from "consola";
import { TerminalError } from "../errors.ts";
import type { IrcClientOptions } from "./options.ts";
import type { IrcMessage } from "./parse.ts";

/** Writes one command; params are never logged (PASS and AUTHENTICATE carry secrets). */
export type WriteFn = (command: string, params: string[]) => void;

/** Outcome of one pre-registration message. */
export type RegistrationStep = "pending" | "registered" | Error;

const MAX_NICK_ATTEMPTS = 6;
/** SASL payloads go out in chunks of this many base64 characters (IRCv3 SASL). */
const SASL_CHUNK = 400;
const NICK_TAKEN = new Set(["432", "433", "436", "437"]);
const SASL_FAILED = new Set(["902", "904", "905", "906"]);
const LOGIN_FAILED_RE = /login authentication failed|improperly formatted auth|login unsuccessful/i;

/** A credentials failure: terminal, since retrying soon won't help. */
export function authError(message: string): TerminalError {
  return new TerminalError(message);
}

/** Server-provided text, shortened and stripped of control characters before it goes into an error. */
export function serverText(s: string | undefined): string {
  const clean = (s ?? "").replace(/[\x00-\x1f\x7f]/g, "").trim();
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

/**
 * Client registration: CAP negotiation, SASL PLAIN, PASS/NICK/USER and nick collisions,
 * up to the 001 welcome; then NickServ and the channel joins.
 */
export class Registration {
  /** The nick we are registering with (the server's final word comes with 001). */
  nick: string;
  /** Our `nick!user@host` when the server told us (001 text). */
  selfPrefix: string | null = null;
  readonly acked = new Set<string>();
  #attempt = 0;
  #shortNicks = false;
  #offered = new Map<string, string>();
  #lastNotice = "";

  constructor(
    private readonly opts: IrcClientOptions,
    private readonly write: WriteFn,
    private readonly log: ConsolaInstance,
    private readonly random: () => number = Math.random,
  ) {
    this.nick = opts.nick;
  }

  /** The opening burst: CAP, PASS, NICK, USER. */
  begin(): void {
    const { cap } = this.opts;
    if (cap.mode === "ls") this.write("CAP", ["LS", "302"]);
    else if (cap.want.length > 0) this.write("CAP", ["REQ", cap.want.join(" ")]);
    if (this.opts.password !== undefined) this.write("PASS", [this.opts.password]);
    this.write("NICK", [this.nick]);
    this.write("USER", [this.opts.username, "0", "*", this.opts.realname]);
  }

  /** Consume one message received before 001. */
  handle(msg: IrcMessage): RegistrationStep {
    const p = msg.params;
    switch (msg.command) {
      case "001": {
        if (p[0]) this.nick = p[0];
        const last = p[p.length - 1]?.split(" ").pop() ?? "";
        if (/^[^\s!@]+![^\s@]+@\S+$/.test(last) && last.startsWith(`${this.nick}!`)) this.selfPrefix = last;
        return "registered";
      }
      case "CAP":
        return this.#cap(msg);
      case "AUTHENTICATE":
        if (p[0] === "+" && this.opts.sasl) this.#saslPayload();
        return "pending";
      case "903":
      case "907":
        this.write("CAP", ["END"]);
        return "pending";
      case "421":
        return this.#unknownCommand(p[1] ?? "");
      case "464":
        return authError("the server rejected the password (464)");
      case "465":
        return new Error(`banned from this server (465): ${serverText(p[p.length - 1])}`);
      case "NOTICE": {
        this.#lastNotice = serverText(p[p.length - 1]);
        if (LOGIN_FAILED_RE.test(this.#lastNotice)) return authError(`login failed: ${this.#lastNotice}`);
        return "pending";
      }
      default:
        if (SASL_FAILED.has(msg.command)) return authError(`SASL authentication failed (${msg.command})`);
        if (NICK_TAKEN.has(msg.command)) return this.#nickTaken(msg.command);
        return "pending";
    }
  }

  /** The error for a connection that closed before 001. */
  closedError(): Error {
    return new Error(`the server closed the connection before registration completed${this.#lastNotice ? ` (last notice: ${this.#lastNotice})` : ""}`);
  }

  /** After 001: identify to NickServ, then join the channels (several per JOIN line). */
  afterWelcome(): void {
    const { nickservPassword, nick } = this.opts;
    if (nickservPassword !== undefined) {
      // Name the account explicitly: after a nick fallback the current nick isn't the account.
      const params = this.nick === nick ? [nickservPassword] : [nick, nickservPassword];
      this.write("PRIVMSG", ["NickServ", `IDENTIFY ${params.join(" ")}`]);
    }
    let batch: string[] = [];
    for (const ch of this.opts.channels) {
      if (batch.length > 0 && [...batch, ch].join(",").length > 400) {
        this.write("JOIN", [batch.join(",")]);
        batch = [];
      }
      batch.push(ch);
    }
    if (batch.length > 0) this.write("JOIN", [batch.join(",")]);
  }

  #cap(msg: IrcMessage): RegistrationStep {
    const sub = (msg.params[1] ?? "").toUpperCase();
    const list = msg.params[msg.params.length - 1] ?? "";
    const { cap, sasl } = this.opts;
    if (sub === "LS" && cap.mode === "ls") {
      for (const tok of list.split(" ")) {
        if (tok === "") continue;
        const eq = tok.indexOf("=");
        this.#offered.set(eq === -1 ? tok : tok.slice(0, eq), eq === -1 ? "" : tok.slice(eq + 1));
      }
      // "CAP * LS * :..." announces more lines to come.
      if (msg.params.length >= 4 && msg.params[2] === "*") return "pending";
      if (sasl) {
        const mechs = this.#offered.get("sasl");
        if (mechs === undefined || (mechs !== "" && !mechs.split(",").includes("PLAIN"))) {
          return new Error("the server does not offer SASL PLAIN, but sasl_username is set");
        }
      }
      const req = cap.want.filter((c) => this.#offered.has(c));
      if (req.length === 0) this.write("CAP", ["END"]);
      else this.write("CAP", ["REQ", req.join(" ")]);
      return "pending";
    }
    if (sub === "ACK") {
      for (const c of list.split(" ")) if (c !== "") this.acked.add(c.replace(/^[-~=]/, ""));
      if (cap.mode === "ls" && sasl && this.acked.has("sasl")) this.write("AUTHENTICATE", ["PLAIN"]);
      else this.write("CAP", ["END"]);
      return "pending";
    }
    if (sub === "NAK") {
      if (cap.mode === "ls" && sasl) return new Error("the server refused the SASL capability");
      this.log.info(`the server does not support the capabilities: ${serverText(list)}`);
      this.write("CAP", ["END"]);
      return "pending";
    }
    return "pending";
  }

  #saslPayload(): void {
    const { username, password } = this.opts.sasl!;
    const b64 = Buffer.from(`\0${username}\0${password}`, "utf8").toString("base64");
    for (let i = 0; i < b64.length; i += SASL_CHUNK) this.write("AUTHENTICATE", [b64.slice(i, i + SASL_CHUNK)]);
    // A payload that is an exact multiple of the chunk size is terminated by "+".
    if (b64.length % SASL_CHUNK === 0) this.write("AUTHENTICATE", ["+"]);
  }

  #unknownCommand(command: string): RegistrationStep {
    if (command.toUpperCase() !== "CAP") return "pending";
    if (this.opts.sasl) return new Error("the server does not support capability negotiation, so SASL can't be used");
    return "pending";
  }

  #nickTaken(numeric: string): RegistrationStep {
    const tried = this.nick;
    if (numeric === "432" && this.#attempt === 0) return new Error(`the server rejects the nickname ${tried} as invalid (432)`);
    if (!this.opts.nickFallback) return new Error(`nickname ${tried} is not available (${numeric})`);
    // A rejected fallback is most likely over the server's NICKLEN: retry within the RFC's 9.
    if (numeric === "432") this.#shortNicks = true;
    this.#attempt++;
    if (this.#attempt > MAX_NICK_ATTEMPTS) return new Error(`no free nickname: ${this.opts.nick} and its fallbacks are taken`);
    const suffix = this.#attempt === 1 ? "_" : this.#attempt === 2 ? "__" : String(1000 + Math.floor(this.random() * 9000));
    const base = this.#shortNicks ? this.opts.nick.slice(0, Math.max(1, 9 - suffix.length)) : this.opts.nick;
    this.nick = base + suffix;
    this.log.warn(`nickname ${tried} is ${numeric === "432" ? "rejected" : "in use"}; trying ${this.nick}`);
    this.write("NICK", [this.nick]);
    return "pending";
  }
}
