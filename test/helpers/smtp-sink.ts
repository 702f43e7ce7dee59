// A local SMTP server (the smtp-server package) that records every message it is given, for
// the replies of the email adapter. Plain SMTP on loopback with AUTH PLAIN/LOGIN checked.
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface SunkMail {
  /** Envelope recipients. */
  rcpt: string[];
  mailFrom: string;
  /** The authenticated user. */
  user: string | undefined;
  raw: string;
  parsed: ParsedMail;
}

export class SmtpSink {
  readonly mails: SunkMail[] = [];
  private constructor(
    readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(users: Record<string, string> = { "bot@example.test": "botpw" }): Promise<SmtpSink> {
    let sink: SmtpSink | null = null;
    const server = new SMTPServer({
      secure: false,
      disabledCommands: ["STARTTLS"],
      allowInsecureAuth: true,
      authMethods: ["PLAIN", "LOGIN"],
      logger: false,
      onAuth(auth, _session, cb) {
        if (auth.username && users[auth.username] === auth.password) cb(null, { user: auth.username });
        else cb(new Error("Invalid username or password"));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          simpleParser(raw).then(
            (parsed) => {
              sink!.mails.push({
                rcpt: session.envelope.rcptTo.map((r) => r.address),
                mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
                user: typeof session.user === "string" ? session.user : undefined,
                raw,
                parsed,
              });
              cb();
            },
            (err: Error) => cb(err),
          );
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve((server.server.address() as { port: number }).port));
    });
    sink = new SmtpSink(server, port);
    return sink;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
