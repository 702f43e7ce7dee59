import { describe, expect, test } from "bun:test";
import { openDatabase } from "../../src/core/db.ts";
import { ENRICH_COOLDOWN_MS, ENRICH_DEADLINE_MS, LIST_TTL_MS, SessionListing, type Enricher, type Enrichment } from "../../src/core/sessions/listing.ts";
import { SqliteSessionStore } from "../../src/core/sessions/sqlite-store.ts";
import type { SessionPage, SessionQuery, SessionStore } from "../../src/core/sessions/store.ts";
import { FakeClock, settle } from "../helpers/fake-clock.ts";

/** A promise the test settles by hand (to choose the order lookups finish in). */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Whether `p` has settled by now (without waiting for it). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await settle();
  return done;
}

async function storeWith(clock: FakeClock, conversations: string[]): Promise<SqliteSessionStore> {
  const store = new SqliteSessionStore(openDatabase(":memory:"));
  for (const [i, c] of conversations.entries()) await store.accept("tg", { id: `m${i}`, conversation: c, user: "u", text: "hi" }, clock.now() + i);
  return store;
}

/** An enricher whose lookups the test answers (or never does); it counts the calls per conversation. */
function heldEnricher() {
  const calls: string[] = [];
  const pending = new Map<string, Array<(v: Enrichment | null) => void>>();
  const enrich: Enricher = (s) => {
    calls.push(s.conversation);
    const d = deferred<Enrichment | null>();
    pending.set(s.conversation, [...(pending.get(s.conversation) ?? []), d.resolve]);
    return d.promise;
  };
  const answer = (conversation: string, found: Enrichment | null) => {
    for (const r of pending.get(conversation) ?? []) r(found);
    pending.delete(conversation);
  };
  return { enrich, calls, answer };
}

describe("SessionListing", () => {
  test("an enrichment that never resolves: listCached answers at once from the store, get within the deadline without a title", async () => {
    const clock = new FakeClock();
    const store = await storeWith(clock, ["1", "2", "3"]);
    const { enrich, calls } = heldEnricher();
    const listing = new SessionListing(store, enrich, clock);

    // Cold: the stored page, with no fake time passing at all.
    const page = listing.listCached();
    expect(await settled(page)).toBe(true);
    expect((await page).sessions.map((s) => s.conversation).sort()).toEqual(["1", "2", "3"]);
    // A second read while the background refresh is stuck is answered from the cache.
    expect(await settled(listing.listCached())).toBe(true);
    expect(calls.sort()).toEqual(["1", "2", "3"]);

    // get(): the refresh's lookups time out at the deadline; a new session's lookup is get's own.
    await store.accept("tg", { id: "m9", conversation: "4", user: "u", text: "hi" }, clock.now());
    const one = listing.get("tg:4");
    expect(await settled(one)).toBe(false);
    await clock.advance(ENRICH_DEADLINE_MS - 1);
    expect(await settled(one)).toBe(false);
    await clock.advance(1);
    expect(await settled(one)).toBe(true);
    const got = await one;
    expect(got?.key).toBe("tg:4");
    expect(got?.title).toBeNull();
  });

  test("concurrent get() of one session share one lookup, and both see its title", async () => {
    const clock = new FakeClock();
    const store = await storeWith(clock, ["-100"]);
    const { enrich, calls, answer } = heldEnricher();
    const listing = new SessionListing(store, enrich, clock);
    const a = listing.get("tg:-100");
    const b = listing.get("tg:-100");
    await settle();
    expect(calls).toEqual(["-100"]);
    answer("-100", { title: "Ops room" });
    expect((await a)?.title).toBe("Ops room");
    expect((await b)?.title).toBe("Ops room");
    expect(calls).toEqual(["-100"]);
  });

  test("a lookup that timed out puts the session on a 15 s cooldown: no lookup until it ends", async () => {
    const clock = new FakeClock();
    const store = await storeWith(clock, ["7"]);
    const { enrich, calls } = heldEnricher();
    const listing = new SessionListing(store, enrich, clock);
    const first = listing.get("tg:7");
    await clock.advance(ENRICH_DEADLINE_MS);
    expect((await first)?.title).toBeNull();
    expect(calls).toEqual(["7"]);

    // During the cooldown get() answers at once, without asking the platform.
    await clock.advance(ENRICH_COOLDOWN_MS - 1);
    const during = listing.get("tg:7");
    expect(await settled(during)).toBe(true);
    expect(calls).toEqual(["7"]);
    // A listing refresh skips it too.
    await listing.listCached();
    await settle();
    expect(calls).toEqual(["7"]);

    await clock.advance(1);
    void listing.get("tg:7");
    await settle();
    expect(calls).toEqual(["7", "7"]);
  });

  test("titles found are stored: listStored shows them without asking again", async () => {
    const clock = new FakeClock();
    const store = await storeWith(clock, ["1", "2"]);
    const { enrich, calls, answer } = heldEnricher();
    const listing = new SessionListing(store, enrich, clock);
    await listing.listCached();
    await settle();
    answer("1", { title: "Alice" });
    answer("2", null);
    await settle();
    const titles = Object.fromEntries((await listing.listStored()).sessions.map((s) => [s.conversation, s.title]));
    expect(titles).toEqual({ "1": "Alice", "2": null });
    // The refreshed cache shows it as well, and get() of a titled session asks nobody.
    expect((await listing.listCached()).sessions.find((s) => s.conversation === "1")?.title).toBe("Alice");
    const n = calls.length;
    expect((await listing.get("tg:1"))?.title).toBe("Alice");
    expect(calls.length).toBe(n);
  });

  test("a stale refresh never overwrites a newer cache (two refreshes finishing out of order)", async () => {
    const clock = new FakeClock();
    const real = await storeWith(clock, ["old"]);
    await real.setTitle("tg:old", "Old chat");
    // The store's reads are real; the test only decides when each read's answer arrives.
    const held: Array<{ release: () => void }> = [];
    let hold = false;
    const store: SessionStore = Object.create(real, {
      listStored: {
        value: (q?: SessionQuery): Promise<SessionPage> => {
          const read = real.listStored(q);
          if (!hold) return read;
          const gate = deferred<void>();
          held.push({ release: () => gate.resolve() });
          return gate.promise.then(() => read);
        },
      },
    });
    const listing = new SessionListing(store, () => Promise.resolve(null), clock);
    await listing.listCached();
    await settle();

    // Refresh A reads the store now (one session) and its answer is held back.
    await clock.advance(LIST_TTL_MS);
    hold = true;
    await listing.listCached();
    expect(held.length).toBe(1);
    hold = false;
    // A new session arrives; refresh B reads it and finishes first.
    await real.accept("tg", { id: "n1", conversation: "new", user: "u", text: "hi" }, clock.now());
    await real.setTitle("tg:new", "New chat");
    await clock.advance(LIST_TTL_MS);
    await listing.listCached();
    await settle();
    const newer = (await listing.listCached()).sessions.map((s) => s.conversation);
    expect(newer).toEqual(["new", "old"]);

    // Refresh A's older page arrives last: the cache keeps B's.
    held[0]!.release();
    await settle();
    expect((await listing.listCached()).sessions.map((s) => s.conversation)).toEqual(["new", "old"]);
  });

  test("invalidate: the next listing reads the store (a stopped session shows stopped), and a refresh begun before cannot bring the old page back", async () => {
    const clock = new FakeClock();
    const real = await storeWith(clock, ["1"]);
    await real.setTitle("tg:1", "Alice");
    const held: Array<() => void> = [];
    let hold = false;
    const store: SessionStore = Object.create(real, {
      listStored: {
        value: (q?: SessionQuery): Promise<SessionPage> => {
          const read = real.listStored(q);
          if (!hold) return read;
          const gate = deferred<void>();
          held.push(() => gate.resolve());
          return gate.promise.then(() => read);
        },
      },
    });
    const listing = new SessionListing(store, () => Promise.resolve(null), clock);
    await listing.listCached();
    await settle();
    await clock.advance(LIST_TTL_MS);
    // A stale read starts a refresh whose read (of the active session) is held back.
    hold = true;
    expect((await listing.listCached()).sessions[0]?.state).toBe("active");
    hold = false;
    expect(held.length).toBe(1);
    await real.setState("tg:1", "stopped", clock.now());
    listing.invalidate();
    held[0]!();
    await settle();
    expect((await listing.listCached()).sessions[0]?.state).toBe("stopped");
  });

  test("a lookup that throws, at once or later, is a lookup without a title: get() still answers", async () => {
    const clock = new FakeClock();
    const store = await storeWith(clock, ["1", "2"]);
    const listing = new SessionListing(
      store,
      (s) => {
        if (s.conversation === "1") throw new Error("boom");
        return Promise.reject(new Error("later"));
      },
      clock,
    );
    expect((await listing.get("tg:1"))?.title).toBeNull();
    expect((await listing.get("tg:2"))?.title).toBeNull();
    expect((await listing.listCached()).sessions.length).toBe(2);
  });
});
