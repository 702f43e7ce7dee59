import { createHash, randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statfsSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { download } from "../src/core/installs/download/index.ts";
import { freePort, percentile, progress, round, sleep } from "./lib.ts";
import type { Sandbox } from "./sandbox.ts";

type Algo = "sha256" | "sha1" | "md5";
const ALGOS: readonly Algo[] = ["sha256", "sha1", "md5"];
/** One custom target per algorithm, on the engine whose catalogue uses it (whisper.cpp SHA-1, Piper MD5). */
const TARGETS: Record<Algo, { engine: "whisper" | "piper"; target: string; file: string }> = {
  sha256: { engine: "whisper", target: "whisper:bench-sha256", file: "bench-sha256.bin" },
  sha1: { engine: "whisper", target: "whisper:bench-sha1", file: "bench-sha1.bin" },
  md5: { engine: "piper", target: "piper:bench-md5", file: "bench-md5.bin" },
};
/** The acceptance bar: bosun's throughput over curl's. */
const MIN_RATIO = 0.9;
/** Generation and hash-only reads (hash-only matches the downloader's own 4 MiB file reads). */
const GEN_BYTES = 8 << 20;
const READ_BYTES = 4 << 20;
/** Room needed besides the source file: one download at a time, plus slack for the sandbox. */
const SLACK_BYTES = 512 << 20;
const TIME = "/usr/bin/time";
const RUN_TIMEOUT_MS = 300_000;
const SERVER = resolve(import.meta.dir, "file-server.ts");

/** Seconds to the millisecond. */
const secs = (ms: number): number => Math.round(ms) / 1000;

export interface TransferFigures {
  medianS: number;
  /** MiB/s over the median run. */
  mbPerS: number;
  /** user+sys CPU seconds, median over the runs. */
  cpuS: number;
  runsS: number[];
}

export interface InstallFigures {
  sizeMiB: number;
  checksumAlgo: Algo;
  /** The server of the main comparison: nginx when installed, else Bun's sendfile server. */
  server: string;
  curl: TransferFigures & { fsyncS: number };
  bosun: TransferFigures & { maxRssMb: number | null };
  /** bosun MiB/s over curl MiB/s (curl's median time over bosun's). */
  ratio: number;
  minRatio: number;
  meetsTarget: boolean;
  /** download() called in the bench process: the downloader without the CLI around it. */
  downloadFn: TransferFigures;
  otherAlgos: Record<"sha1" | "md5", TransferFigures & { maxRssMb: number | null }>;
  /**
   * The same curl / `bosun install` (sha256) pairing against a server that pushes every byte through
   * JS, so it needs a core of its own on the same machine as the client.
   */
  cpuBoundServer: { server: string; curl: TransferFigures; bosun: TransferFigures; ratio: number };
  hashOnly: { sha256S: number; sha1S: number; md5S: number };
}

interface ChildRun {
  ms: number;
  cpuS: number;
  maxRssMb: number | null;
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run a program to completion: wall ms around the spawn, user+sys CPU from its rusage (wait4, so it
 * includes what it waited for) and its max RSS from /usr/bin/time's %M when that exists. Bun's own
 * maxRSS can't be used: it counts the forked bench process before the exec.
 */
function childRun(argv: string[], cwd: string, env: Record<string, string>, scratch: string): ChildRun {
  const timeFile = join(scratch, "time.out");
  const withTime = existsSync(TIME);
  rmSync(timeFile, { force: true });
  const full = withTime ? [TIME, "-f", "%e %U %S %M", "-o", timeFile, ...argv] : argv;
  const t0 = performance.now();
  const r = Bun.spawnSync(full, { cwd, env, stdout: "pipe", stderr: "pipe", timeout: RUN_TIMEOUT_MS });
  const ms = performance.now() - t0;
  const cpu = r.resourceUsage?.cpuTime;
  let cpuS = cpu ? Number(cpu.user + cpu.system) / 1e6 : NaN;
  let maxRssMb: number | null = null;
  if (withTime && existsSync(timeFile)) {
    const f = readFileSync(timeFile, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
    if (f.length === 4 && f.every(Number.isFinite)) {
      maxRssMb = round(f[3]! / 1024);
      if (!Number.isFinite(cpuS)) cpuS = f[1]! + f[2]!;
    }
  }
  return { ms, cpuS, maxRssMb, code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** Flush dirty pages left by the previous run, so no run pays for another one's writeback. */
function settle(): void {
  spawnSync("sync");
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/** Write `bytes` of random data to `path`, hashing it with every algorithm on the way. */
function generate(path: string, bytes: number): Record<Algo, string> {
  const hashes = ALGOS.map((a) => createHash(a));
  const fd = openSync(path, "w", 0o600);
  try {
    for (let done = 0; done < bytes; ) {
      const chunk = randomBytes(Math.min(GEN_BYTES, bytes - done));
      for (const h of hashes) h.update(chunk);
      for (let off = 0; off < chunk.byteLength; ) off += writeSync(fd, chunk, off, chunk.byteLength - off);
      done += chunk.byteLength;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hashes[0]!.digest("hex"), sha1: hashes[1]!.digest("hex"), md5: hashes[2]!.digest("hex") };
}

/** Wall ms to hash the whole file with one algorithm (node:crypto, 4 MiB reads, page cache warm). */
function hashOnly(path: string, algo: Algo, expect: string): number {
  const buf = Buffer.allocUnsafe(READ_BYTES);
  const t0 = performance.now();
  const h = createHash(algo);
  const fd = openSync(path, "r");
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  const hex = h.digest("hex");
  const ms = performance.now() - t0;
  if (hex !== expect) throw new Error(`hash-only ${algo} of the source file is ${hex}, expected ${expect}`);
  return ms;
}

/** Where the bench serves the file from: nginx when installed, else one of bench/file-server.ts's modes. */
type ServerKind = "nginx" | "sendfile" | "stream";

interface FileServer {
  kind: ServerKind;
  /** What the JSON says the server was. */
  label: string;
  port: number;
  stop(): Promise<void>;
}

const LABELS: Record<ServerKind, string> = {
  nginx: "nginx (sendfile), one worker process",
  sendfile: "Bun.serve with Bun.file (sendfile) in its own bun process",
  stream: "node:http piping fs.createReadStream (8 MiB reads) in its own bun process: every byte passes through JS",
};

function nginxBinary(): string | null {
  return Bun.which("nginx") ?? ["/usr/sbin/nginx", "/usr/local/sbin/nginx"].find((p) => existsSync(p)) ?? null;
}

/** Print-the-port servers: resolves once bench/file-server.ts printed its port. */
async function startBunServer(kind: "sendfile" | "stream", file: string): Promise<FileServer> {
  const proc = Bun.spawn([process.execPath, SERVER, `--${kind}`, file], { stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  let text = "";
  const deadline = setTimeout(() => proc.kill(), 15_000);
  try {
    while (!text.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`file server exited before printing its port (code ${await proc.exited})`);
      text += new TextDecoder().decode(value);
    }
  } finally {
    clearTimeout(deadline);
    reader.releaseLock();
  }
  const port = Number(text.trim());
  if (!Number.isInteger(port) || port <= 0) throw new Error(`file server printed "${text.trim()}" instead of a port`);
  return { kind, label: LABELS[kind], port, stop: async () => void (proc.kill(), await proc.exited) };
}

/** nginx in the foreground on a free port, serving `file` for every path; resolves once it answers. */
async function startNginx(bin: string, file: string, scratch: string): Promise<FileServer> {
  const port = await freePort();
  const prefix = mkdtempSync(join(scratch, "nginx-"));
  const conf = join(prefix, "nginx.conf");
  // master_process off: one process that keeps the bench's user, so it can read the 0700 temp dir.
  writeFileSync(
    conf,
    [
      "daemon off;",
      "master_process off;",
      `pid ${prefix}/nginx.pid;`,
      `error_log ${prefix}/error.log warn;`,
      "events { worker_connections 64; }",
      "http {",
      "  access_log off;",
      "  sendfile on;",
      "  default_type application/octet-stream;",
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `  ${t}_temp_path ${prefix};`),
      `  server { listen 127.0.0.1:${port}; root ${dirname(file)}; location / { try_files /${basename(file)} =404; } }`,
      "}",
    ].join("\n"),
  );
  const proc = Bun.spawn([bin, "-p", prefix, "-c", conf], { stdout: "ignore", stderr: "pipe" });
  const stop = async () => void (proc.kill(), await proc.exited);
  const deadline = performance.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nginx exited ${proc.exitCode}: ${(await new Response(proc.stderr).text()).trim()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/probe`, { method: "HEAD" }).then((r) => r.ok, () => false);
    if (ok) return { kind: "nginx", label: LABELS.nginx, port, stop };
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`nginx did not answer on 127.0.0.1:${port} within 10 s`);
    }
    await sleep(50);
  }
}

/** BENCH_INSTALL_SERVER=nginx|sendfile picks the main comparison's server; by default nginx when installed. */
function mainServerKind(): ServerKind {
  const want = process.env.BENCH_INSTALL_SERVER;
  if (want === "nginx" || want === "sendfile") return want;
  if (want) throw new Error(`BENCH_INSTALL_SERVER must be nginx or sendfile, not "${want}"`);
  return nginxBinary() ? "nginx" : "sendfile";
}

function startFileServer(kind: ServerKind, file: string, scratch: string): Promise<FileServer> {
  if (kind !== "nginx") return startBunServer(kind, file);
  const bin = nginxBinary();
  if (!bin) throw new Error("nginx is not installed");
  return startNginx(bin, file, scratch);
}

function config(port: number, bytes: number, sums: Record<Algo, string>): string {
  const out = ['[agent]\nprovider = "echo"\n'];
  for (const algo of ALGOS) {
    const t = TARGETS[algo];
    out.push(`[[installs.custom]]\ntarget = "${t.target}"\nurl = "http://127.0.0.1:${port}/${t.file}"\nsize = ${bytes}\n${algo} = "${sums[algo]}"\n`);
  }
  return out.join("\n");
}

function figures(ms: number[], cpuS: number[], sizeMiB: number): TransferFigures {
  const med = percentile(ms, 50);
  return { medianS: secs(med), mbPerS: round(sizeMiB / (med / 1000)), cpuS: round(percentile(cpuS, 50)), runsS: ms.map(secs) };
}

type Samples = { ms: number[]; cpu: number[]; rss: number[] };
const samples = (): Samples => ({ ms: [], cpu: [], rss: [] });

/**
 * Model downloads against curl: a `sizeMiB` file of random bytes served from 127.0.0.1 (by nginx
 * when installed, else by Bun's sendfile server), fetched `runs` times each by `curl -s -o`, by
 * `bosun install TARGET --force` (sha256, then sha1 and md5) and by download() in this process,
 * interleaved, with `sync` (untimed) before every run. Then curl and `bosun install` (sha256) again
 * against a server that streams every byte through JS, `runs` times each.
 */
export async function benchInstall(sb: Sandbox, bin: string, sizeMiB: number, runs: number): Promise<InstallFigures> {
  const bytes = sizeMiB * 1024 * 1024;
  const srcDir = mkdtempSync(join(tmpdir(), "bosun-bench-install-src-"));
  const models = join(sb.env.BOSUN_HOME!, "models");
  const curlOut = join(sb.dir, "curl-out.bin");
  const fnOut = join(sb.dir, "download-fn-out.bin");
  let server: FileServer | undefined;
  try {
    const need = 2 * bytes + SLACK_BYTES;
    for (const dir of new Set([srcDir, sb.dir])) {
      const free = freeBytes(dir);
      if (free < need) throw new Error(`${dir} has ${Math.floor(free / 2 ** 20)} MiB free; the install bench needs ${Math.ceil(need / 2 ** 20)} MiB`);
    }
    const src = join(srcDir, "bench.bin");
    progress(`install: generating ${sizeMiB} MiB of random bytes in ${srcDir}`);
    const sums = generate(src, bytes);
    const dest = (algo: Algo) => join(models, TARGETS[algo].engine, TARGETS[algo].file);

    const curl = () => {
      rmSync(curlOut, { force: true });
      settle();
      const r = childRun(["curl", "-s", "-o", curlOut, `http://127.0.0.1:${server!.port}/bench.bin`], sb.dir, sb.env, sb.dir);
      if (r.code !== 0 || sizeOf(curlOut) !== bytes) throw new Error(`curl exited ${r.code} with ${sizeOf(curlOut)} of ${bytes} bytes: ${r.stderr.trim()}`);
      // What durability would add to curl: bosun's .part is on disk before its rename.
      const t0 = performance.now();
      const fd = openSync(curlOut, "r");
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      const fsyncMs = performance.now() - t0;
      rmSync(curlOut, { force: true });
      return { ...r, fsyncMs };
    };
    const bosun = (algo: Algo) => {
      rmSync(dest(algo), { force: true });
      settle();
      const r = childRun([bin, "install", TARGETS[algo].target, "--force", "--json", "--config", sb.config], sb.dir, sb.env, sb.dir);
      const size = sizeOf(dest(algo));
      if (r.code !== 0 || !/"ok":\s*true/.test(r.stdout) || size !== bytes) {
        throw new Error(`\`bosun install ${TARGETS[algo].target} --force --json\` exited ${r.code}, file has ${size} of ${bytes} bytes\nstdout: ${r.stdout.trim().slice(-800)}\nstderr: ${r.stderr.trim().slice(-800)}`);
      }
      rmSync(dest(algo), { force: true });
      return r;
    };
    const inProcess = async () => {
      rmSync(fnOut, { force: true });
      settle();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await download({
        url: `http://127.0.0.1:${server!.port}/download-fn-out.bin`,
        dest: fnOut,
        size: bytes,
        checksum: { algo: "sha256", hex: sums.sha256 },
        connectTimeoutMs: 15_000,
        idleTimeoutMs: 45_000,
        signal: new AbortController().signal,
      });
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      if (r.sha !== sums.sha256 || sizeOf(fnOut) !== bytes) throw new Error(`download() gave sha256 ${r.sha} and ${sizeOf(fnOut)} bytes`);
      rmSync(fnOut, { force: true });
      return { ms, cpuS: (cpu.user + cpu.system) / 1e6 };
    };
    const use = async (kind: ServerKind) => {
      await server?.stop();
      server = undefined;
      server = await startFileServer(kind, src, srcDir);
      sb.writeConfig(config(server.port, bytes, sums));
      progress(`install: serving from ${server.label}; warm-up (curl to /dev/null, one bosun install)`);
      const warm = childRun(["curl", "-s", "-o", "/dev/null", `http://127.0.0.1:${server.port}/bench.bin`], sb.dir, sb.env, sb.dir);
      if (warm.code !== 0) throw new Error(`curl warm-up exited ${warm.code}: ${warm.stderr.trim()}`);
      bosun("sha256");
      return server;
    };

    const main = await use(mainServerKind());
    const c = { ...samples(), fsync: [] as number[] };
    const b = Object.fromEntries(ALGOS.map((a) => [a, samples()])) as Record<Algo, Samples>;
    const fn = samples();
    for (let i = 0; i < runs; i++) {
      progress(`install: run ${i + 1}/${runs}: curl, bosun install (sha256), download(), bosun install (sha1, md5)`);
      const cr = curl();
      c.ms.push(cr.ms), c.cpu.push(cr.cpuS), c.fsync.push(cr.fsyncMs);
      for (const algo of ALGOS) {
        const br = bosun(algo);
        b[algo].ms.push(br.ms), b[algo].cpu.push(br.cpuS);
        if (br.maxRssMb !== null) b[algo].rss.push(br.maxRssMb);
        if (algo === "sha256") {
          const fr = await inProcess();
          fn.ms.push(fr.ms), fn.cpu.push(fr.cpuS);
        }
      }
    }

    const busy = await use("stream");
    const bc = samples();
    const bb = samples();
    for (let i = 0; i < runs; i++) {
      progress(`install: cpu-bound server, run ${i + 1}/${runs}: curl, bosun install (sha256)`);
      const cr = curl();
      bc.ms.push(cr.ms), bc.cpu.push(cr.cpuS);
      const br = bosun("sha256");
      bb.ms.push(br.ms), bb.cpu.push(br.cpuS);
    }

    progress(`install: hashing the file alone (sha256, sha1, md5) x${runs}`);
    const hashMs = Object.fromEntries(ALGOS.map((a) => [a, [] as number[]])) as Record<Algo, number[]>;
    for (let i = 0; i < runs; i++) for (const algo of ALGOS) hashMs[algo].push(hashOnly(src, algo, sums[algo]));

    const withRss = (algo: Algo) => ({ ...figures(b[algo].ms, b[algo].cpu, sizeMiB), maxRssMb: b[algo].rss.length ? Math.max(...b[algo].rss) : null });
    const ratio = round(percentile(c.ms, 50) / percentile(b.sha256.ms, 50));
    return {
      sizeMiB,
      checksumAlgo: "sha256",
      server: main.label,
      curl: { ...figures(c.ms, c.cpu, sizeMiB), fsyncS: secs(percentile(c.fsync, 50)) },
      bosun: withRss("sha256"),
      ratio,
      minRatio: MIN_RATIO,
      meetsTarget: ratio >= MIN_RATIO,
      downloadFn: figures(fn.ms, fn.cpu, sizeMiB),
      otherAlgos: { sha1: withRss("sha1"), md5: withRss("md5") },
      cpuBoundServer: {
        server: busy.label,
        curl: figures(bc.ms, bc.cpu, sizeMiB),
        bosun: figures(bb.ms, bb.cpu, sizeMiB),
        ratio: round(percentile(bc.ms, 50) / percentile(bb.ms, 50)),
      },
      hashOnly: { sha256S: secs(percentile(hashMs.sha256, 50)), sha1S: secs(percentile(hashMs.sha1, 50)), md5S: secs(percentile(hashMs.md5, 50)) },
    };
  } finally {
    await server?.stop();
    // The big files go whatever happened; a failed section keeps only the small sandbox.
    rmSync(srcDir, { recursive: true, force: true });
    rmSync(models, { recursive: true, force: true });
    for (const f of [curlOut, fnOut, `${fnOut}.part`]) rmSync(f, { force: true });
  }
}
