// Replies over SMTP with TLS: STARTTLS (smtp_tls = "starttls", required: a server that does not
// offer it gets nothing in the clear) and implicit TLS (smtp_tls = "tls"), against a local SMTP
// server with a self-signed certificate the binary is told to trust (NODE_EXTRA_CA_CERTS).
import { afterEach, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sandbox } from "../helpers/bosun.ts";
import { Dovecot } from "../helpers/dovecot.ts";
import { SmtpSink } from "../helpers/smtp-sink.ts";
import { waitUntil } from "../helpers/wait.ts";
import { statusUntil, upDetached } from "./exactly-once-helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

function selfSigned(): { key: string; cert: string; certFile: string } {
  const dir = mkdtempSync(join(tmpdir(), "bosun-tls-"));
  const r = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8"), certFile: join(dir, "cert.pem") };
}

for (const mode of ["starttls", "tls"] as const) {
  test(`a reply goes out over ${mode === "tls" ? "implicit TLS" : "STARTTLS"}`, async () => {
    const pki = selfSigned();
    const dovecot = await Dovecot.start({ "bot@example.test": "botpw" });
    const smtp = await SmtpSink.start({ "bot@example.test": "botpw" }, { key: pki.key, cert: pki.cert, implicit: mode === "tls" });
    cleanups.push(() => dovecot.close(), () => smtp.close());
    const sb = sandbox({ NODE_EXTRA_CA_CERTS: pki.certFile });
    cleanups.push(() => sb.runAsync(["down"], { timeoutMs: 15_000 }));
    sb.writeConfig(
      `[agent]\nprovider = "echo"\n[adapters.mail]\nkind = "email"\nimap = "${dovecot.imap}"\nimap_tls = false\nsmtp = "${smtp.address}"\nsmtp_tls = "${mode}"\n` +
        `username = "bot@example.test"\npassword = "botpw"\nfrom = "Bosun <bot@example.test>"\nallow_from = ["example.test"]\nbackoff_initial_ms = 50\nbackoff_max_ms = 300\nhealthy_after_ms = 200\n`,
    );
    await upDetached(sb);
    await statusUntil(sb, (s) => s.adapters.some((a) => a.name === "mail" && a.state === "running"), "mail running");
    const id = await dovecot.deliver({ from: "alice@example.test", subject: "Secure?", text: "over tls" });
    const reply = await waitUntil(() => smtp.mails.find((m) => m.parsed.inReplyTo === id), "the reply over TLS", 15_000, 20);
    expect(reply.secure).toBe(true);
    expect(reply.user).toBe("bot@example.test");
    expect(reply.parsed.text?.trim()).toBe("echo: over tls");
  }, 40_000);
}
