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
  /** The message came over TLS (STARTTLS or implicit). */
  secure: boolean;
}

export class SmtpSink {
  readonly mails: SunkMail[] = [];
  private constructor(
    readonly server: SMTPServer,
    readonly port: number,
  ) {}

  /**
   * `tls`: a key and certificate (PEM) to speak TLS with: STARTTLS offered (and AUTH only after it),
   * or `implicit` TLS from the first byte (port 465 style). Without it, plain SMTP.
   */
  static async start(users: Record<string, string> = { "bot@example.test": "botpw" }, tls?: { key: string; cert: string; implicit?: boolean }): Promise<SmtpSink> {
    let sink: SmtpSink | null = null;
    const server = new SMTPServer({
      ...(tls ? { secure: tls.implicit === true, key: tls.key, cert: tls.cert, allowInsecureAuth: false } : { secure: false, disabledCommands: ["STARTTLS"], allowInsecureAuth: true }),
      authMethods: ["PLAIN", "LOGIN"],
      logger: false,
      onAuth(auth, _session, cb) {
        if (auth.username && users[auth.username] === auth.password) cb(null, { user: auth.username });
        else cb(new Error("Invalid username or password"));
      },
      onData(stream, session, cb) {
        const secure = session.secure === true;
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
                secure,
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
