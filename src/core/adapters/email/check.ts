import { ImapFlow } from "imapflow";
import { errorMessage } from "../../errors.ts";
import { parseHostPort } from "../../util/listen.ts";
import { Redactor } from "../../util/redact.ts";
import type { KindCheck } from "../kind.ts";
import { folderMissing, loginRefused } from "./login.ts";
import type { EmailAdapterConfig } from "./kind.ts";

/**
 * `bosun doctor`'s check: log in to IMAP and open the folder (what the adapter does at start),
 * then log out. Never throws; SMTP is not tried (it would need a message to send).
 */
export async function checkEmail(config: EmailAdapterConfig, signal: AbortSignal): Promise<KindCheck> {
  const hp = parseHostPort(config.imap)!;
  const redactor = new Redactor();
  redactor.set([config.password]);
  const c = new ImapFlow({ host: hp.host, port: hp.port, secure: config.imap_tls, auth: { user: config.username, pass: config.password }, logger: false, connectionTimeout: 10_000, greetingTimeout: 10_000, disableAutoIdle: true });
  c.on("error", () => {});
  const onAbort = () => c.close();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    await c.connect();
    const box = await c.mailboxOpen(config.folder, { readOnly: true });
    await c.logout().catch(() => c.close());
    return { outcome: "ok", detail: `IMAP login accepted (${config.username.slice(0, 100)}), folder "${config.folder}" has ${box.exists} message(s)` };
  } catch (err) {
    c.close();
    if (signal.aborted) return { outcome: "fail", detail: `IMAP server ${config.imap} did not answer in time` };
    if (loginRefused(err)) return { outcome: "fail", detail: `IMAP login refused for ${config.username.slice(0, 100)} (AUTHENTICATIONFAILED)`, hint: "check username and password (an app password where the provider requires one)" };
    if (folderMissing(err)) return { outcome: "fail", detail: `IMAP folder "${config.folder}" does not exist`, hint: 'folder names the IMAP folder to watch (default "INBOX")' };
    return { outcome: "fail", detail: `IMAP server ${config.imap} not usable: ${redactor.apply(errorMessage(err)).slice(0, 200)}` };
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
