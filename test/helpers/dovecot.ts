// A real Dovecot 2.3 (IMAP + LMTP) on loopback for the email tests: a throw-away config (as in
// shared/design/protocols/dovecot-gen-conf.sh), run in the foreground as this test's child, no
// system service. As root the mail and internal processes run as the `dovecot` account (Dovecot
// refuses mail uid 0); unprivileged, as the current user with chroot switched off.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { createTransport } from "nodemailer";
import { freePort } from "./bosun.ts";
import { waitUntil } from "./wait.ts";

export const DOVECOT = process.env.BOSUN_TEST_DOVECOT ?? "/usr/sbin/dovecot";

function idOf(flag: "-u" | "-g", user: string): number {
  return Number(spawnSync("id", [flag, user], { encoding: "utf8" }).stdout.trim());
}

/**
 * A temp directory Dovecot's own account can reach: as root its processes run as \`dovecot\`,
 * which needs search permission on every parent (a private /tmp, mode 0700, has none).
 */
function reachableTmp(): string {
  const searchable = (dir: string): boolean => {
    for (let d = dir; ; d = dirname(d)) {
      if ((statSync(d).mode & 0o001) === 0) return false;
      if (d === dirname(d)) return true;
    }
  };
  return [tmpdir(), "/var/tmp", "/dev/shm"].find((d) => process.getuid?.() !== 0 || searchable(d)) ?? tmpdir();
}

/** Whether a TCP connect to 127.0.0.1:port succeeds now. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

export interface MailToDeliver {
  from: string;
  to?: string;
  subject?: string;
  text?: string;
  html?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string | string[];
  headers?: Record<string, string>;
}

export class Dovecot {
  #child: ChildProcess | null = null;
  private constructor(
    readonly dir: string,
    readonly conf: string,
    readonly imapPort: number,
    readonly lmtpPort: number,
    readonly users: Record<string, string>,
  ) {}

  /** Write the config (users: address -> password) and start Dovecot; resolves once IMAP answers. */
  static async start(users: Record<string, string> = { "bot@example.test": "botpw" }): Promise<Dovecot> {
    const dir = mkdtempSync(join(reachableTmp(), "bosun-dovecot-"));
    chmodSync(dir, 0o755);
    for (const d of ["run", "state", "mail"]) mkdirSync(join(dir, d), { recursive: true });
    const root = process.getuid?.() === 0;
    const user = root ? "dovecot" : userInfo().username;
    const group = root ? "dovecot" : spawnSync("id", ["-gn"], { encoding: "utf8" }).stdout.trim();
    const uid = idOf("-u", user);
    const gid = idOf("-g", user);
    if (root) chownSync(join(dir, "mail"), uid, gid);
    // Two free ports, taken before writing the config (Dovecot's port 0 would mean "no listener").
    const imapPort = await freePort();
    let lmtpPort = await freePort();
    while (lmtpPort === imapPort) lmtpPort = await freePort();
    writeFileSync(join(dir, "passwd"), Object.entries(users).map(([u, p]) => `${u}:{PLAIN}${p}::::::\n`).join(""));
    const conf = join(dir, "dovecot.conf");
    writeFileSync(
      conf,
      `protocols = imap lmtp
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
instance_name = dovecot-test-${imapPort}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Refused logins are answered at once (the default waits 2 s, more per repeat): the tests try a few.
auth_failure_delay = 0
default_internal_user = ${user}
default_internal_group = ${group}
default_login_user = ${user}
first_valid_uid = ${uid}
last_valid_uid = 0
first_valid_gid = ${gid}
mail_location = maildir:${dir}/mail/%u/Maildir
mail_uid = ${uid}
mail_gid = ${gid}
lmtp_save_to_detail_mailbox = no
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${uid} gid=${gid} home=${dir}/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${imapPort}
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${lmtpPort}
  }
}
service auth {
  unix_listener auth-userdb {
    mode = 0666
  }
}
protocol imap {
  mail_max_userip_connections = 50
}
${root ? "" : "service anvil {\n  chroot =\n}\nservice imap-login {\n  chroot =\n}\n"}`,
    );
    const d = new Dovecot(dir, conf, imapPort, lmtpPort, users);
    await d.run();
    return d;
  }

  /** "127.0.0.1:port" of IMAP, for an adapter's `imap` key. */
  get imap(): string {
    return `127.0.0.1:${this.imapPort}`;
  }

  /** Start the server (again, after stop) and wait until IMAP and LMTP answer. */
  async run(): Promise<void> {
    if (this.#child) throw new Error("dovecot is already running");
    const child = spawn(DOVECOT, ["-F", "-c", this.conf], { stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
    let out = "";
    child.stdout!.on("data", (b) => (out += b));
    child.stderr!.on("data", (b) => (out += b));
    child.once("exit", () => {
      if (this.#child === child) this.#child = null;
    });
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`dovecot exited ${child.exitCode}: ${out}${this.log()}`);
        return (await answers(this.imapPort)) && (await answers(this.lmtpPort));
      },
      () => `dovecot to listen on ${this.imapPort}/${this.lmtpPort}: ${out}${this.log()}`,
      10_000,
      20,
    );
  }

  /** Stop the server: its IMAP sessions are dropped first (killing the master alone leaves them), then the master ends. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    spawnSync("doveadm", ["-c", this.conf, "kick", "*"], { encoding: "utf8" });
    child.kill("SIGTERM");
    if (child.exitCode === null) await new Promise((r) => child.once("exit", r));
    this.#child = null;
  }

  /** Rebuild a user's INBOX indexes so the folder gets a new UIDVALIDITY (the mail stays): stop, delete the uid list and indexes, start. */
  async renewUidValidity(user = Object.keys(this.users)[0]!): Promise<void> {
    await this.stop();
    const maildir = join(this.dir, "mail", user, "Maildir");
    for (const f of readdirSync(maildir)) if (f === "dovecot-uidlist" || f.startsWith("dovecot.index")) rmSync(join(maildir, f), { force: true });
    await this.run();
  }

  /** Stop and remove everything. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Deliver one mail to `to` (default the first user) over LMTP: it shows in IDLE at once. Returns its Message-ID. */
  async deliver(mail: MailToDeliver): Promise<string> {
    const to = mail.to ?? Object.keys(this.users)[0]!;
    const t = createTransport({ host: "127.0.0.1", port: this.lmtpPort, lmtp: true, ignoreTLS: true } as Parameters<typeof createTransport>[0]);
    try {
      const info = await t.sendMail({
        from: mail.from,
        to,
        subject: mail.subject ?? "hello",
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        inReplyTo: mail.inReplyTo,
        references: mail.references,
        headers: mail.headers,
      });
      return info.messageId as string;
    } finally {
      t.close();
    }
  }

  log(): string {
    try {
      return readFileSync(join(this.dir, "dovecot.log"), "utf8");
    } catch {
      return "";
    }
  }
}
