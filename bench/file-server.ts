// A file server for the install bench, run as its own process so the bench's own work (spawnSync,
// the in-process download) never stalls it: every GET/HEAD answers 200 with the whole file.
// Usage: bun bench/file-server.ts FILE — prints the port it listens on (127.0.0.1) as one line.
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";

/** Big reads keep the syscalls and stream hops per GiB rare (measured as fast as Bun.file's sendfile here). */
const READ_BYTES = 8 << 20;

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: bun bench/file-server.ts FILE\n");
  process.exit(2);
}
const size = statSync(file).size;

const server = createServer((req, res) => {
  res.writeHead(200, { "content-length": String(size), "content-type": "application/octet-stream" });
  if (req.method === "HEAD") return void res.end();
  res.socket?.setNoDelay(true);
  const body = createReadStream(file, { highWaterMark: READ_BYTES });
  body.once("error", () => res.destroy());
  body.pipe(res);
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as { port: number }).port}\n`);
});
process.once("SIGTERM", () => process.exit(0));
