/**
 * The part of the chat page's script (page-script.ts inserts it inside its closure, where `log`,
 * `add`, `bubble` and the other helpers are in scope) that shows a running turn as it streams
 * (typing, delta, restart, typing_end frames) and renders the stored history on every connect.
 */
// Plain JS, no backticks or dollar-brace (it sits inside a template literal).
export const LIVE_SCRIPT = `
  // Turns running now, by the id of the message they answer: their bubble and whether it shows
  // the whole answer so far (a tab that connected mid-turn saw only the later deltas: it shows
  // "typing" until the turn restarts or the final message comes).
  var live = new Map();
  function liveBubble(replyTo, whole) {
    var t = live.get(replyTo);
    if (t) return t;
    var stick = nearBottom();
    var el = bubble("agent", "", new Date().toISOString());
    el.classList.add("live", "typing");
    el.dataset.replyTo = replyTo;
    el.querySelector(".meta").textContent = "typing…";
    el.setAttribute("aria-busy", "true");
    log.appendChild(el);
    if (stick) log.scrollTop = log.scrollHeight;
    t = { el: el, text: "", whole: whole };
    live.set(replyTo, t);
    return t;
  }
  function liveText(t, text) {
    var stick = nearBottom();
    t.text = text;
    t.el.querySelector(".text").textContent = text;
    t.el.classList.toggle("typing", text === "");
    if (stick) log.scrollTop = log.scrollHeight;
  }
  function endLive(replyTo) {
    var t = live.get(replyTo);
    if (!t) return;
    live.delete(replyTo);
    t.el.remove();
  }
  function dropLive() { live.forEach(function (t, id) { endLive(id); }); }
  function onProgress(m) {
    var id = m.replyTo;
    if (answered.has(id)) return endLive(id);
    if (m.type === "typing") {
      var t = liveBubble(id, true);
      t.whole = true;
      liveText(t, "");
    } else if (m.type === "delta" && typeof m.text === "string") {
      var t2 = liveBubble(id, false);
      if (t2.whole) liveText(t2, t2.text + m.text);
    } else if (m.type === "restart") {
      var t3 = liveBubble(id, true);
      t3.whole = true;
      liveText(t3, "");
    } else if (m.type === "typing_end") {
      // Text stays until the reply replaces it; a turn that showed nothing leaves nothing.
      var t4 = live.get(id);
      if (t4 && (!t4.whole || t4.text === "")) endLive(id);
      else if (t4) { t4.el.querySelector(".meta").textContent = ""; t4.el.removeAttribute("aria-busy"); }
    }
  }
  function markFailed(el, error) { if (typeof error === "string" && error) el.classList.add("failed"); }
  // The reply to replyTo: shown once, where its live bubble was (if any).
  function reply(m) {
    if (answered.has(m.replyTo)) return endLive(m.replyTo);
    answered.add(m.replyTo);
    unanswered.delete(m.replyTo);
    var t = live.get(m.replyTo);
    var el = add("agent", m.text, m.at, null);
    el.dataset.replyTo = m.replyTo;
    markFailed(el, m.error);
    if (t) { log.insertBefore(el, t.el); endLive(m.replyTo); }
  }

  // The stored conversation, oldest first, replaces what this tab shows. Kept besides it: what
  // the store cannot know yet (messages not acked, notes, operator messages, running turns),
  // each placed by its time.
  function onHistory(list) {
    var stick = nearBottom();
    var fresh = [], seenUser = new Set(), seenReply = new Set();
    for (var i = 0; i < list.length; i++) {
      var e = list[i];
      if (!e || typeof e.id !== "string" || typeof e.text !== "string") continue;
      if (e.role === "user" && !seenUser.has(e.id)) {
        seenUser.add(e.id);
        fresh.push({ role: "user", e: e });
      } else if (e.role === "agent" && !seenReply.has(e.id)) {
        seenReply.add(e.id);
        fresh.push({ role: "agent", e: e });
      }
    }
    var kept = [];
    var children = Array.prototype.slice.call(log.children);
    for (var j = 0; j < children.length; j++) {
      var el = children[j];
      var id = el.dataset.id;
      if (el.classList.contains("user") && id && seenUser.has(id)) continue;
      if (el.classList.contains("agent") && el.dataset.replyTo && seenReply.has(el.dataset.replyTo)) continue;
      if (el.classList.contains("live") && el.dataset.replyTo && seenReply.has(el.dataset.replyTo)) continue;
      kept.push(el);
    }
    log.textContent = "";
    byId.forEach(function (el, id) { if (seenUser.has(id)) byId.delete(id); });
    for (var k = 0; k < fresh.length; k++) {
      var f = fresh[k];
      if (f.role === "user") {
        // A voice note (or one still waiting for its transcription: only those have no text).
        var u = f.e.voice === true || f.e.text === "" ? addVoiceUser(f.e.text, f.e.at, f.e.id) : add("user", f.e.text, f.e.at, f.e.id);
        u.dataset.id = f.e.id;
        // Stored means delivered, whatever this tab's pending list says.
        if (isPending(f.e.id)) forget(f.e.id);
        if (seenReply.has(f.e.id)) unanswered.delete(f.e.id);
      } else {
        answered.add(f.e.id);
        unanswered.delete(f.e.id);
        var a = add("agent", f.e.text, f.e.at, null);
        a.dataset.replyTo = f.e.id;
        markFailed(a, f.e.error);
      }
    }
    live.forEach(function (t, id) { if (seenReply.has(id)) live.delete(id); });
    // Each kept element goes before the first stored message younger than it.
    for (var n = 0; n < kept.length; n++) {
      var at = Number(kept[n].dataset.at) || 0, before = null;
      for (var c = log.firstElementChild; c; c = c.nextElementSibling) {
        if (kept.indexOf(c) < 0 && (Number(c.dataset.at) || 0) > at) { before = c; break; }
      }
      log.insertBefore(kept[n], before);
    }
    reattachAudio();
    if (stick) log.scrollTop = log.scrollHeight;
  }
`;
