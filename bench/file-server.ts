// A file server for the install bench, run as its own process so the bench's own work (spawnSync,
// the in-process download) never stalls it: every GET/HEAD answers 200 with the whole file.
// Usage: bun bench/file-server.ts --sendfile|--stream FILE — prints its port (127.0.0.1) as one line.
//   --sendfile  Bun.serve with Bun.file: the kernel's sendfile, as static file servers do.
//   --stream    node:http piping fs.createReadStream (8 MiB reads): every byte passes through JS, so
//               the server itself keeps a core busy while it serves.
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";

const READ_BYTES = 8 << 20;

const [mode, file] = process.argv.slice(2);
if (!file || (mode !== "--sendfile" && mode !== "--stream")) {
  process.stderr.write("usage: bun bench/file-server.ts --sendfile|--stream FILE\n");
  process.exit(2);
}
const size = statSync(file).size;

if (mode === "--sendfile") {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(Bun.file(file)) });
  process.stdout.write(`${server.port}\n`);
} else {
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
}
process.once("SIGTERM", () => process.exit(0));
