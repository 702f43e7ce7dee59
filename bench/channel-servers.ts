// The channels bench's servers, in their own process so the bench's spawnSync calls never stall
// them: the test Discord (gateway + REST, Discord's real heartbeat interval), the test Slack (Web
// API + Socket Mode), a real Dovecot (IMAP + LMTP) and the SMTP sink. Prints one JSON line with
// what a config needs; on SIGTERM prints one JSON line of counters, stops Dovecot and exits.
import { DiscordTestServer } from "../test/helpers/discord-server.ts";
import { Dovecot } from "../test/helpers/dovecot.ts";
import { SlackTestServer } from "../test/helpers/slack-server.ts";
import { SmtpSink } from "../test/helpers/smtp-sink.ts";

/** Discord's own HELLO interval (the test server's 250 ms default would make the heartbeat the whole figure). */
const DISCORD_HEARTBEAT_MS = 41_250;

const discord = await DiscordTestServer.start({ heartbeatIntervalMs: DISCORD_HEARTBEAT_MS });
const slack = await SlackTestServer.start();
const dovecot = await Dovecot.start({ "bot@example.test": "botpw" });
const smtp = await SmtpSink.start();

process.stdout.write(
  `${JSON.stringify({
    discord: { token: discord.token, apiRoot: discord.apiRoot, heartbeatIntervalMs: DISCORD_HEARTBEAT_MS },
    slack: { appToken: slack.appToken, botToken: slack.botToken, url: slack.url },
    email: { imap: dovecot.imap, smtp: smtp.address, username: "bot@example.test", password: "botpw" },
  })}\n`,
);

let stopping = false;
process.on("SIGTERM", () => {
  if (stopping) return;
  stopping = true;
  const counters = {
    discord: { connections: discord.connections, identifies: discord.identifies, resumes: discord.resumes },
    slack: { requests: slack.requests.length, envelopes: slack.envelopes.length },
  };
  process.stdout.write(`${JSON.stringify(counters)}\n`);
  void dovecot
    .close()
    .catch(() => {})
    .finally(() => process.exit(0));
});
