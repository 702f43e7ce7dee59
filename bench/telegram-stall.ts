// The sessions bench's Telegram: the test Bot API server with every getChat held unanswered, run as
// its own process so the bench's spawnSync calls never stall it (a stalled getMe would keep the
// adapter from starting). Prints "URL TOKEN" as one line; on SIGTERM prints "getChat N" and exits.
import { TelegramTestServer } from "../test/helpers/telegram-server.ts";

const server = await TelegramTestServer.start();
server.stallGetChat = true;
process.stdout.write(`${server.url} ${server.token}\n`);
process.on("SIGTERM", () => {
  process.stdout.write(`getChat ${server.requests.filter((r) => r.method === "getChat").length}\n`);
  process.exit(0);
});
