/**
 * The chat page in a real browser (Debian's Chromium driven by playwright-core) against the real
 * dist/bosun: send and answer, multi-line input, timestamps, a second tab, the gateway going away
 * and coming back, the favicon, and a page on another origin that must not reach the gateway.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { freePort, sandbox, type Sandbox } from "../helpers/bosun.ts";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
// In CI the browser test must run (.ci/run installs chromium); elsewhere a missing browser skips it, saying so.
const runIt = haveChromium || process.env.CI === "true";
if (!runIt) console.warn(`test/e2e/browser.test.ts skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const WAIT = { timeout: 10_000 };

/** The agent replies and user messages currently on a page. */
const texts = (page: Page, role: "agent" | "user") => page.locator(`.msg.${role} .text`).allTextContents();

async function sendFrom(page: Page, text: string) {
  await page.locator("#t").fill(text);
  await page.locator("#t").press("Enter");
}

async function waitConnected(page: Page) {
  await page.locator("#state", { hasText: /^connected$/ }).waitFor(WAIT);
}

(runIt ? describe : describe.skip)("chat page in Chromium against dist/bosun", () => {
  let sb: Sandbox;
  let port: number;
  /** A second webchat that requires an access token. */
  let lockedPort: number;
  const TOKEN = "tok-e2e-0123456789abcdef";
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let tab2: Page;

  beforeAll(async () => {
    sb = sandbox({ WEB_TOKEN: TOKEN });
    [port, lockedPort] = await Promise.all([freePort(), freePort()]);
    sb.writeConfig(
      `[agent]\nprovider = "echo"\n\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n\n` +
        `[adapters.locked]\nkind = "webchat"\nlisten = "127.0.0.1:${lockedPort}"\naccess_token = "\${WEB_TOKEN}"\n`,
    );
    // launch() gives every run a fresh temporary profile (user-data-dir), removed on close.
    const [up, b] = await Promise.all([sb.runAsync(["up", "--detach"]), chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })]);
    browser = b;
    expect(up.code).toBe(0);
    ctx = await browser.newContext({ viewport: { width: 900, height: 640 } });
    ctx.setDefaultTimeout(WAIT.timeout);
    page = await ctx.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await waitConnected(page);
  });

  afterAll(async () => {
    await browser?.close();
    await sb?.runAsync(["down"]);
  });

  test("a message is answered; both carry a local HH:MM timestamp and the sent mark clears", async () => {
    await sendFrom(page, "hello bosun");
    await page.locator(".msg.agent .text", { hasText: "echo: hello bosun" }).waitFor(WAIT);
    const times = await page.locator(".msg time").evaluateAll((els) =>
      els.map((e) => ({ text: e.textContent, at: (e as HTMLTimeElement).dateTime })),
    );
    expect(times.length).toBe(2);
    for (const t of times) {
      expect(t.text).toMatch(/^\d\d:\d\d$/);
      expect(Math.abs(Date.parse(t.at) - Date.now())).toBeLessThan(60_000);
      const d = new Date(t.at);
      expect(t.text).toBe(`${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`);
    }
    // Acked by the server: no longer "not sent yet".
    await page.locator(".msg.user.pending").waitFor({ state: "detached", ...WAIT });
    expect(await page.locator(".msg.user", { hasText: "not sent yet" }).count()).toBe(0);
  });

  test("Shift+Enter adds a line (the box grows), Enter sends the whole message", async () => {
    const box = page.locator("#t");
    const oneLine = (await box.boundingBox())!.height;
    await box.fill("line one");
    await box.press("Shift+Enter");
    await box.pressSequentially("line two");
    expect(await box.inputValue()).toBe("line one\nline two");
    expect((await box.boundingBox())!.height).toBeGreaterThan(oneLine);
    await box.press("Enter");
    await page.locator(".msg.agent .text", { hasText: "line two" }).waitFor(WAIT);
    expect((await texts(page, "user")).at(-1)).toBe("line one\nline two");
    expect((await texts(page, "agent")).at(-1)).toBe("echo: line one\nline two");
    expect(await box.inputValue()).toBe("");
    expect((await box.boundingBox())!.height).toBe(oneLine);
  });

  test("a second tab of the same conversation sees the user's message and the reply", async () => {
    tab2 = await ctx.newPage();
    await tab2.goto(`http://127.0.0.1:${port}/`);
    await waitConnected(tab2);
    await sendFrom(page, "from tab one");
    await tab2.locator(".msg.user .text", { hasText: "from tab one" }).waitFor(WAIT);
    await tab2.locator(".msg.agent .text", { hasText: "echo: from tab one" }).waitFor(WAIT);
    await expect(tab2.locator(".msg.user", { hasText: "from tab one" }).locator("time").textContent()).resolves.toMatch(/^\d\d:\d\d$/);
    // The sending tab shows its own message once (the server does not echo it back to the sender).
    await page.locator(".msg.agent .text", { hasText: "echo: from tab one" }).waitFor(WAIT);
    expect((await texts(page, "user")).filter((t) => t === "from tab one").length).toBe(1);
  });

  test("the page links a favicon and /favicon.svg serves it", async () => {
    expect(await page.locator('link[rel="icon"]').getAttribute("href")).toBe("/favicon.svg");
    const res = await fetch(`http://127.0.0.1:${port}/favicon.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("image/svg+xml");
    expect(await res.text()).toContain("<svg");
  });

  test("a page served from another origin cannot talk to the gateway", async () => {
    const html = `<!doctype html><title>start</title><script>
      const ws = new WebSocket("ws://127.0.0.1:${port}/ws?conversation=evil");
      ws.onopen = () => { document.title = "open"; ws.send(JSON.stringify({ type: "message", id: "x1", text: "from evil" })); };
      ws.onmessage = (e) => { document.title = "reply:" + e.data; };
      ws.onclose = (e) => { if (!document.title.startsWith("reply")) document.title = "closed:" + e.code; };
    </script>`;
    const evil = Bun.serve({ hostname: "127.0.0.2", port: 0, fetch: () => new Response(html, { headers: { "content-type": "text/html" } }) });
    const other = await browser.newPage();
    other.setDefaultTimeout(WAIT.timeout);
    try {
      await other.goto(`http://127.0.0.2:${evil.port}/`);
      await other.waitForFunction(() => /^(closed|reply)/.test(document.title), null, WAIT);
      expect(await other.title()).toMatch(/^closed:/);
    } finally {
      await other.close();
      evil.stop(true);
    }
    // The same gateway still serves its own page.
    await sendFrom(page, "still here");
    await page.locator(".msg.agent .text", { hasText: "echo: still here" }).waitFor(WAIT);
  });

  test("gateway down: the page says unreachable and keeps typed messages; back up: each sent once and answered once", async () => {
    // A second browser profile with one tab, closed while the gateway is away (its localStorage stays).
    const other = await browser.newContext();
    other.setDefaultTimeout(WAIT.timeout);
    const solo = await other.newPage();
    await solo.goto(`http://127.0.0.1:${port}/`);
    await waitConnected(solo);
    expect((await sb.runAsync(["down"])).code).toBe(0);
    try {
      for (const p of [page, tab2, solo]) await p.locator("#banner", { hasText: "unreachable" }).waitFor();
      expect(await page.locator("#banner").textContent()).toContain("Retrying");
      expect(await page.locator("#state").textContent()).toBe("unreachable");

      await sendFrom(page, "sent while away");
      const notSent = (p: Page, text: string) => expect(p.locator(".msg.user", { hasText: text }).textContent()).resolves.toContain("not sent yet");
      await notSent(page, "sent while away");
      // Typed in another tab that is then closed: the open tab shows it too and will send it.
      await sendFrom(tab2, "typed in a closed tab");
      await notSent(tab2, "typed in a closed tab");
      await page.locator(".msg.user.pending", { hasText: "typed in a closed tab" }).waitFor();
      await tab2.close();
      // Typed in the only tab, which is then closed: kept for the next time the page is opened.
      await sendFrom(solo, "typed before closing the browser");
      await notSent(solo, "typed before closing the browser");
      await solo.close();

      expect((await sb.runAsync(["up", "--detach"])).code).toBe(0);
      await waitConnected(page);
      for (const t of ["sent while away", "typed in a closed tab"]) await page.locator(".msg.agent .text", { hasText: `echo: ${t}` }).waitFor();
      await page.locator(".msg .status").first().waitFor({ state: "detached" });
      expect(await page.locator("#banner").isHidden()).toBe(true);

      const reopened = await other.newPage();
      await reopened.goto(`http://127.0.0.1:${port}/`);
      await reopened.locator(".msg.user .text", { hasText: "typed before closing the browser" }).waitFor();
      await reopened.locator(".msg.agent .text", { hasText: "echo: typed before closing the browser" }).waitFor();
      await reopened.locator(".msg .status").first().waitFor({ state: "detached" });

      // A conversation is answered in order: once "after" is answered, any duplicate would have arrived.
      await sendFrom(page, "after");
      await page.locator(".msg.agent .text", { hasText: "echo: after" }).waitFor();
      await sendFrom(reopened, "after, too");
      await reopened.locator(".msg.agent .text", { hasText: "echo: after, too" }).waitFor();
      const agent = await texts(page, "agent");
      const user = await texts(page, "user");
      for (const t of ["sent while away", "typed in a closed tab"]) {
        expect(agent.filter((a) => a === `echo: ${t}`).length).toBe(1);
        expect(user.filter((u) => u === t).length).toBe(1);
      }
      expect((await texts(reopened, "agent")).filter((a) => a === "echo: typed before closing the browser").length).toBe(1);
      for (const p of [page, reopened]) {
        expect(await p.locator(".msg .status").count()).toBe(0);
        expect(await p.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("bosun.pending.")))).toEqual([]);
      }

      await page.locator("#t").fill("a draft\nof two lines");
      await page.locator("#t").dispatchEvent("input");
      await page.screenshot({ path: "/tmp/webchat.png" });
    } finally {
      await other.close();
      // Whatever failed above, the tests after this one need a gateway (exits 1 if it is already running).
      await sb.runAsync(["up", "--detach"]);
    }
  });

  test("a tab that comes back after the reply went out still gets it, once", async () => {
    // Tab B's timers run only when the test says: it reconnects well after tab A's exchange is over.
    const b = await ctx.newPage();
    await b.clock.install();
    await b.goto(`http://127.0.0.1:${port}/`);
    await waitConnected(b);
    expect((await sb.runAsync(["down"])).code).toBe(0);
    try {
      for (const p of [page, b]) await p.locator("#banner", { hasText: "unreachable" }).waitFor();
      await sendFrom(page, "typed in A while down");
      // B shows A's message too (the tabs share the conversation's store)...
      await b.locator(".msg.user .text", { hasText: "typed in A while down" }).waitFor();
      expect((await sb.runAsync(["up", "--detach"])).code).toBe(0);
      await page.locator(".msg.agent .text", { hasText: "echo: typed in A while down" }).waitFor();
      // ...and when B is back, it asks for the reply it never saw.
      await b.clock.runFor(30_000);
      await waitConnected(b);
      await b.locator(".msg.agent .text", { hasText: "echo: typed in A while down" }).waitFor();
      // Once a later message is answered, any duplicate would have arrived.
      await sendFrom(page, "later");
      for (const p of [page, b]) await p.locator(".msg.agent .text", { hasText: "echo: later" }).waitFor();
      for (const p of [page, b]) expect((await texts(p, "agent")).filter((t) => t === "echo: typed in A while down")).toHaveLength(1);
    } finally {
      await b.close();
      await sb.runAsync(["up", "--detach"]);
    }
  });

  test("an access token in the link is kept, taken out of the address bar, and lets the page in", async () => {
    const fresh = await browser.newContext();
    fresh.setDefaultTimeout(WAIT.timeout);
    try {
      const p = await fresh.newPage();
      const sockets: string[] = [];
      p.on("websocket", (ws) => sockets.push(ws.url()));
      await p.goto(`http://127.0.0.1:${lockedPort}/#token=${TOKEN}`);
      await waitConnected(p);
      expect(p.url()).toBe(`http://127.0.0.1:${lockedPort}/`);
      expect(await p.evaluate(() => localStorage.getItem("bosun.token"))).toBe(TOKEN);
      expect(sockets[0]).toContain(`&token=${TOKEN}`);
      await sendFrom(p, "with the token");
      await p.locator(".msg.agent .text", { hasText: "echo: with the token" }).waitFor();
      // A reload (no token in the address any more) still gets in.
      await p.reload();
      await waitConnected(p);
    } finally {
      await fresh.close();
    }
  });

  test("without the token the page says how to get in and stops retrying; opening the link gets in", async () => {
    const fresh = await browser.newContext();
    fresh.setDefaultTimeout(WAIT.timeout);
    try {
      const p = await fresh.newPage();
      let attempts = 0;
      p.on("websocket", () => attempts++);
      await p.clock.install();
      await p.goto(`http://127.0.0.1:${lockedPort}/`);
      await p.locator("#banner", { hasText: "#token=" }).waitFor();
      expect(await p.locator("#banner").textContent()).toContain("access token");
      expect(await p.locator("#state").textContent()).toBe("access token needed");
      // Retrying with the same missing or wrong token is pointless: a minute of page time brings no new attempt.
      await p.clock.runFor(60_000);
      expect(attempts).toBe(1);
      // Pasting the printed link into the same tab changes only the fragment: the page picks the token up.
      await p.evaluate((t) => (location.hash = "#token=" + t), TOKEN);
      await waitConnected(p);
      expect(await p.locator("#banner").isHidden()).toBe(true);
      expect(p.url()).toBe(`http://127.0.0.1:${lockedPort}/`);
      await sendFrom(p, "let in");
      await p.locator(".msg.agent .text", { hasText: "echo: let in" }).waitFor();
    } finally {
      await fresh.close();
    }
  });
});
