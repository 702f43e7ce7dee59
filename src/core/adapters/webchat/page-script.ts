/**
 * The chat page's script: the protocol client, the pending-message store, the reconnect loop, the
 * live view of a running turn and the stored history.
 *
 * Frames from the server (see ./index.ts, ./frames.ts):
 *   ack {id} · message {role, id?, text, at, replyTo?, error?} · error {message, id?, code?} · pong
 * With live=1 in the socket's address (this page sets it) also:
 *   history {messages: [{role, id, text, at, error?}]}: the conversation's stored messages, oldest
 *     first, sent on every connect; the page re-renders what it shows from it.
 *   typing {replyTo}: a turn answering replyTo started (an "agent is typing" bubble);
 *   delta {replyTo, text}: more of its answer (the bubble grows); restart {replyTo}: the text so
 *   far is void; typing_end {replyTo}: the turn finished. The final message with that replyTo
 *   then takes the bubble's place.
 *   heard {id, text} · audio {replyTo?, mime, durationMs, audio}: voice messages (./page-voice.ts).
 */
import { LIVE_SCRIPT } from "./page-live.ts";
import { VOICE_SCRIPT } from "./page-voice.ts";

// Plain JS, no backticks or dollar-brace (it sits inside a template literal) and no double backslashes needed.
export const SCRIPT = `
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var log = $("log"), state = $("state"), banner = $("banner"), bannerText = $("banner-text"),
      nextTry = $("next"), retryBtn = $("retry"), form = $("f"), input = $("t");
  var CONV_RE = /^[A-Za-z0-9_-]{1,128}$/;
  var MIN_DELAY = 500, MAX_DELAY = 10000, PING_EVERY = 25000;

  var store = {
    get: function (k) { try { return localStorage.getItem(k); } catch (e) { return null; } },
    set: function (k, v) { try { localStorage.setItem(k, v); } catch (e) {} },
    del: function (k) { try { localStorage.removeItem(k); } catch (e) {} }
  };
  // crypto.randomUUID exists only in secure contexts; a LAN address over http is not one.
  function newId() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)), s = "";
    for (var i = 0; i < b.length; i++) s += (b[i] + 256).toString(16).slice(1);
    return s;
  }

  var conv = store.get("bosun.conversation");
  if (!conv || !CONV_RE.test(conv)) { conv = newId(); store.set("bosun.conversation", conv); }
  var PENDING_KEY = "bosun.pending." + conv, TOKEN_KEY = "bosun.token";

  // The access token arrives as #token=T (preferred: never sent to the server in a request line)
  // or ?token=T; keep it for this origin and take it out of the address bar and history.
  function takeTokenFromUrl() {
    var h = new URLSearchParams(location.hash.slice(1)), q = new URLSearchParams(location.search);
    if (!h.has("token") && !q.has("token")) return false;
    var t = h.get("token") || q.get("token");
    if (t) store.set(TOKEN_KEY, t);
    h.delete("token"); q.delete("token");
    var qs = q.toString(), hs = h.toString();
    history.replaceState(history.state, "", location.pathname + (qs ? "?" + qs : "") + (hs ? "#" + hs : ""));
    return !!t;
  }
  takeTokenFromUrl();

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function when(at) {
    var d = new Date(at);
    if (isNaN(d.getTime())) d = new Date();
    return d;
  }

  var byId = new Map();
  var answered = new Set();
  var unanswered = new Map();
  function isPending(id) {
    for (var i = 0; i < pending.length; i++) if (pending[i].id === id) return true;
    return false;
  }
  function nearBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 80; }
  function bubble(role, text, at) {
    var d = when(at);
    var el = document.createElement("div");
    el.className = "msg " + role;
    var who = document.createElement("span");
    who.className = "sr";
    who.textContent = role === "user" ? "You: " : role === "agent" ? "Agent: " : "";
    var body = document.createElement("div");
    body.className = "text";
    body.textContent = text;
    var meta = document.createElement("div");
    meta.className = "meta";
    var time = document.createElement("time");
    time.dateTime = d.toISOString();
    time.title = d.toLocaleString();
    time.textContent = pad(d.getHours()) + ":" + pad(d.getMinutes());
    meta.appendChild(time);
    el.appendChild(who); el.appendChild(body); el.appendChild(meta);
    el.dataset.at = String(d.getTime());
    return el;
  }
  function add(role, text, at, id) {
    var stick = role === "user" || nearBottom();
    var el = bubble(role, text, at);
    log.appendChild(el);
    if (id) { byId.set(id, el); el.dataset.id = id; }
    if (id && role === "user" && !answered.has(id)) unanswered.set(id, text);
    if (stick) log.scrollTop = log.scrollHeight;
    return el;
  }
  function note(text) {
    var el = document.createElement("div");
    el.className = "msg note";
    el.textContent = text;
    el.dataset.at = String(Date.now());
    log.appendChild(el);
    log.scrollTop = log.scrollHeight;
  }
  function markPending(el) {
    el.classList.add("pending");
    var s = document.createElement("span");
    s.className = "status";
    s.textContent = "not sent yet";
    el.querySelector(".meta").appendChild(s);
  }
  function markSent(el) {
    el.classList.remove("pending");
    var s = el.querySelector(".status");
    if (s) s.remove();
  }

  // Unacked messages this tab shows, oldest first. localStorage holds those of every tab of this
  // conversation; changes are merged by id, so one tab never drops another's message.
  function loadPending() {
    try {
      var saved = JSON.parse(store.get(PENDING_KEY) || "[]");
      if (Array.isArray(saved)) return saved.filter(function (m) {
        return m && typeof m.id === "string" && typeof m.text === "string" && typeof m.at === "string";
      });
    } catch (e) {}
    return [];
  }
  function savePending(list) {
    if (list.length) store.set(PENDING_KEY, JSON.stringify(list)); else store.del(PENDING_KEY);
  }
  var pending = loadPending();
  function keep(m) {
    pending.push(m);
    var all = loadPending();
    all.push(m);
    savePending(all);
  }
  function forget(id) {
    pending = pending.filter(function (m) { return m.id !== id; });
    var all = loadPending(), rest = all.filter(function (m) { return m.id !== id; });
    if (rest.length !== all.length) savePending(rest);
  }
  function acked(id) {
    forget(id);
    voiceDone(id);
    var el = byId.get(id);
    if (el) markSent(el);
  }
  // The server refused this message for good (it said why; an ack may have come first): resending would not help.
  function refused(id, why) {
    forget(id);
    voiceDone(id);
    unanswered.delete(id);
    var el = byId.get(id);
    if (!el) return;
    if (!el.querySelector(".status")) markPending(el);
    el.querySelector(".status").textContent = "not sent: " + why;
  }
  // Another tab of this conversation kept a message (it may be offline, or about to close): show it
  // here too, and send it if this tab is connected. A copy sent twice is one message to the server.
  function adoptPending() {
    var all = loadPending();
    for (var i = 0; i < all.length; i++) {
      if (byId.has(all[i].id)) continue;
      pending.push(all[i]);
      markPending(add("user", all[i].text, all[i].at, all[i].id));
      sendFrame(all[i]);
    }
  }
  for (var i = 0; i < pending.length; i++) markPending(add("user", pending[i].text, pending[i].at, pending[i].id));

` + LIVE_SCRIPT + VOICE_SCRIPT + `
  var ws = null, delay = MIN_DELAY, retryTimer = 0, due = 0, tickTimer = 0, pingTimer = 0, heard = true, needToken = false;

  function setState(cls, text) { state.className = "state " + cls; state.textContent = text; }
  function showBanner(kind, text, canRetry) {
    banner.hidden = false;
    banner.className = kind;
    if (bannerText.textContent !== text) bannerText.textContent = text;
    retryBtn.hidden = !canRetry;
  }
  function hideBanner() { banner.hidden = true; nextTry.textContent = ""; stopTick(); }
  function stopTick() { if (tickTimer) clearInterval(tickTimer); tickTimer = 0; }
  function tick() {
    var s = Math.max(0, Math.ceil((due - Date.now()) / 1000));
    nextTry.textContent = ws ? "Trying now…" : "Next try in " + s + " s.";
  }

  function sendFrame(m) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: "message", id: m.id, text: m.text }));
  }

  function connect() {
    clearTimeout(retryTimer); retryTimer = 0;
    if (ws || needToken) return;
    var token = store.get(TOKEN_KEY);
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws?live=1&conversation=" + encodeURIComponent(conv) +
      (token ? "&token=" + encodeURIComponent(token) : "");
    var sock;
    try { sock = new WebSocket(url); } catch (e) { scheduleRetry(); return; }
    ws = sock;
    if (tickTimer) tick();
    sock.onopen = function () {
      if (ws !== sock) return;
      delay = MIN_DELAY; heard = true;
      setState("ok", "connected");
      hideBanner();
      for (var i = 0; i < pending.length; i++) sendFrame(pending[i]);
      resendVoice();
      // Messages this tab shows without their reply (sent while it was away, or answered while it
      // was reconnecting): asking again is safe, the server answers from its store.
      unanswered.forEach(function (text, id) {
        if (!answered.has(id) && !isPending(id) && !voiceIds.has(id)) sendFrame({ id: id, text: text });
      });
      pingTimer = setInterval(heartbeat, PING_EVERY);
    };
    sock.onmessage = function (ev) {
      if (ws !== sock) return;
      heard = true;
      var m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      if (!m || typeof m !== "object") return;
      if (m.type === "ack" && typeof m.id === "string") acked(m.id);
      else if (m.type === "message" && typeof m.text === "string") {
        if (m.role === "user") {
          // Sent from another tab of this conversation; if this tab holds it too, it is delivered.
          if (typeof m.id === "string" && byId.has(m.id)) acked(m.id);
          else if (m.voice === true) addVoiceUser(m.text, m.at, typeof m.id === "string" ? m.id : null);
          else add("user", m.text, m.at, typeof m.id === "string" ? m.id : null);
        } else if (typeof m.replyTo === "string") {
          // A reply comes again when a tab resends its message after a reconnect (one tab may
          // have been away when it was first sent): show each reply once.
          reply(m);
        } else markFailed(add("agent", m.text, m.at, null), m.error);
      } else if (m.type === "history" && Array.isArray(m.messages)) onHistory(m.messages);
      else if (m.type === "heard" && typeof m.id === "string" && typeof m.text === "string") onHeard(m);
      else if (m.type === "audio") onAudio(m);
      else if ((m.type === "typing" || m.type === "delta" || m.type === "restart" || m.type === "typing_end") && typeof m.replyTo === "string") onProgress(m);
      else if (m.type === "error" && typeof m.message === "string") {
        if (m.code === "unauthorized") tokenRequired();
        else if (typeof m.id === "string" && byId.has(m.id)) refused(m.id, m.message);
        else note(m.message);
      }
    };
    sock.onclose = function (ev) {
      if (ws !== sock) return;
      ws = null;
      clearInterval(pingTimer);
      // What a running turn says from now on is lost to this tab; the history sent on reconnect has its reply.
      dropLive();
      if (ev.code === 4401) tokenRequired();
      else scheduleRetry();
    };
  }

  // A socket can die without a close (sleep, a dropped network): no frame since the last ping means gone.
  function heartbeat() {
    if (!ws || ws.readyState !== 1) return;
    if (!heard) {
      var dead = ws;
      ws = null;
      clearInterval(pingTimer);
      dead.onclose = null;
      try { dead.close(); } catch (e) {}
      dropLive();
      scheduleRetry();
      return;
    }
    heard = false;
    ws.send(JSON.stringify({ type: "ping" }));
  }

  function scheduleRetry() {
    if (needToken) return;
    setState("down", "unreachable");
    showBanner("down", "The gateway is unreachable. Retrying — messages you send now are kept and sent when it is back.", true);
    due = Date.now() + delay;
    retryTimer = setTimeout(connect, delay);
    delay = Math.min(delay * 2, MAX_DELAY);
    if (!tickTimer) tickTimer = setInterval(tick, 500);
    tick();
  }
  function retryNow() {
    needToken = false;
    if (!ws) connect();
  }

  function tokenRequired() {
    needToken = true;
    if (ws) { var s = ws; ws = null; s.onclose = null; try { s.close(); } catch (e) {} }
    clearTimeout(retryTimer); clearInterval(pingTimer); stopTick();
    nextTry.textContent = "";
    setState("down", "access token needed");
    showBanner("token", "This chat needs its access token, or the one this browser has is wrong. Open this page as " + location.origin + "/#token=YOUR_TOKEN, with the access_token from the [adapters] table of bosun.toml.", true);
  }

  retryBtn.onclick = function () { delay = MIN_DELAY; retryNow(); };
  addEventListener("online", retryNow);
  // Pasting the link into this tab changes only the fragment: pick the token up.
  addEventListener("hashchange", function () { if (takeTokenFromUrl()) { delay = MIN_DELAY; retryNow(); } });
  addEventListener("storage", function (e) {
    // Another tab of this origin got a token.
    if (e.key === TOKEN_KEY && needToken) retryNow();
    if (e.key === PENDING_KEY) adoptPending();
  });

  function grow() {
    input.style.height = "auto";
    input.style.height = input.scrollHeight + 2 + "px";
  }
  function submit() {
    var text = input.value.trim();
    if (!text) return;
    var m = { id: newId(), text: text, at: new Date().toISOString() };
    keep(m);
    markPending(add("user", m.text, m.at, m.id));
    input.value = "";
    grow();
    sendFrame(m);
  }
  form.onsubmit = function (e) { e.preventDefault(); submit(); input.focus(); };
  input.addEventListener("input", grow);
  input.addEventListener("keydown", function (e) {
    // Enter sends; Shift+Enter is a newline; Enter that confirms an IME composition is not a send.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); submit(); }
  });

  connect();
})();
`;
