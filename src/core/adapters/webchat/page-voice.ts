/**
 * The chat page's microphone and spoken replies (page-script.ts inserts it inside its closure,
 * where `ws`, `add`, `byId`, `note` and the other helpers are in scope).
 *
 * Recording uses the Web Audio API: the microphone's PCM is captured, averaged down to 16 kHz
 * mono in the page and written as a 16-bit WAV, which the gateway decodes without ffmpeg
 * (Chrome's MediaRecorder makes WebM/Opus, which it cannot). A ScriptProcessorNode, not an
 * AudioWorklet: a worklet's module needs a script URL, which the page's CSP refuses.
 *
 * Frames: → {"type":"voice","id","audio":"<base64 WAV>"} (keys in this order: the server lets
 * only a frame starting so be bigger than a typed message's). ← heard {id, text} once the reply
 * to a recording goes out (its transcription, as stored); audio {replyTo?, mime, durationMs,
 * audio} a spoken reply, shown as a player under the reply's text, played at once only when it
 * answers a recording made in this page. A recording not acked is kept in memory (not in
 * localStorage: it is too big) and sent again on reconnect; a reload loses it.
 */
// Plain JS, no backticks or dollar-brace (it sits inside a template literal).
export const VOICE_SCRIPT = `
  var mic = $("mic"), recBox = $("rec"), recTime = $("rec-time"), recCancel = $("rec-cancel");
  var MAX_REC = Number(mic.dataset.max) || 120, VOICE_RATE = 16000, MIN_REC = 0.3;
  var AC = window.AudioContext || window.webkitAudioContext;
  // getUserMedia exists only in secure contexts (https, or http on loopback).
  var canRecord = !!(window.isSecureContext && navigator.mediaDevices && navigator.mediaDevices.getUserMedia && AC);
  mic.hidden = !canRecord;
  var rec = null;
  var voiceOut = [];
  var voiceIds = new Set();
  var recordedHere = new Set();
  var audioFor = new Map();

  function voiceText(t) { return "\u{1F3A4} " + (t ? t : "\u2026"); }
  function clock(s) { s = Math.floor(s); return Math.floor(s / 60) + ":" + pad(s % 60); }
  function showRec(on) {
    recBox.hidden = !on;
    mic.classList.toggle("recording", on);
    mic.textContent = on ? "\u25A0" : "\u{1F3A4}";
    mic.setAttribute("aria-pressed", on ? "true" : "false");
    mic.setAttribute("aria-label", on ? "Send the voice message" : "Record a voice message");
    mic.title = mic.getAttribute("aria-label");
    recTime.textContent = clock(0);
  }
  function release(r) {
    clearInterval(r.timer);
    try { if (r.proc) { r.proc.onaudioprocess = null; r.proc.disconnect(); } if (r.src) r.src.disconnect(); } catch (e) {}
    if (r.stream) r.stream.getTracks().forEach(function (t) { t.stop(); });
    if (r.ctx) try { r.ctx.close(); } catch (e) {}
  }
  function startRec() {
    if (rec) return;
    var r = { chunks: [], frames: 0, rate: 0 };
    rec = r;
    showRec(true);
    navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true } }).then(function (stream) {
      if (rec !== r) { stream.getTracks().forEach(function (t) { t.stop(); }); return; }
      var ctx = new AC();
      var src = ctx.createMediaStreamSource(stream), proc = ctx.createScriptProcessor(4096, 1, 1);
      r.stream = stream; r.ctx = ctx; r.src = src; r.proc = proc; r.rate = ctx.sampleRate;
      proc.onaudioprocess = function (e) {
        if (rec !== r) return;
        var d = e.inputBuffer.getChannelData(0);
        r.chunks.push(new Float32Array(d));
        r.frames += d.length;
        recTime.textContent = clock(r.frames / r.rate);
        if (r.frames / r.rate >= MAX_REC) stopRec(true);
      };
      // The processor runs only when connected to the output; it writes nothing, so nothing is heard.
      src.connect(proc); proc.connect(ctx.destination);
    }, function (err) {
      if (rec === r) { rec = null; showRec(false); }
      note("The microphone is not available: " + ((err && err.message) || err));
    });
  }
  function stopRec(send) {
    var r = rec;
    if (!r) return;
    rec = null;
    showRec(false);
    release(r);
    if (!send || !r.rate) return;
    if (r.frames / r.rate < MIN_REC) { note("Too short to send: press the microphone, speak, then press it again."); return; }
    var pcm = downsample(r.chunks, r.frames, r.rate, VOICE_RATE);
    sendVoice(wavBytes(pcm, VOICE_RATE));
  }
  // A box filter down to 16 kHz: enough against aliasing for speech recognition.
  function downsample(chunks, n, from, to) {
    var all = new Float32Array(n), o = 0;
    for (var i = 0; i < chunks.length; i++) { all.set(chunks[i].subarray(0, n - o), o); o += chunks[i].length; if (o >= n) break; }
    if (from === to) return all;
    var ratio = from / to, len = Math.floor(n / ratio), out = new Float32Array(len);
    for (var k = 0; k < len; k++) {
      var a = Math.floor(k * ratio), b = Math.min(n, Math.floor((k + 1) * ratio)), s = 0;
      if (b <= a) { out[k] = all[Math.min(a, n - 1)]; continue; }
      for (var j = a; j < b; j++) s += all[j];
      out[k] = s / (b - a);
    }
    return out;
  }
  function wavBytes(pcm, rate) {
    var buf = new ArrayBuffer(44 + pcm.length * 2), v = new DataView(buf);
    function str(off, s) { for (var i = 0; i < s.length; i++) v.setUint8(off + i, s.charCodeAt(i)); }
    str(0, "RIFF"); v.setUint32(4, 36 + pcm.length * 2, true); str(8, "WAVE");
    str(12, "fmt "); v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true);
    v.setUint32(24, rate, true); v.setUint32(28, rate * 2, true); v.setUint16(32, 2, true); v.setUint16(34, 16, true);
    str(36, "data"); v.setUint32(40, pcm.length * 2, true);
    for (var i = 0; i < pcm.length; i++) {
      var x = Math.max(-1, Math.min(1, pcm[i]));
      v.setInt16(44 + i * 2, x < 0 ? x * 32768 : x * 32767, true);
    }
    return new Uint8Array(buf);
  }
  function toBase64(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }
  function sendVoice(wav) {
    var m = { id: newId(), at: new Date().toISOString(), audio: toBase64(wav) };
    voiceIds.add(m.id);
    recordedHere.add(m.id);
    voiceOut.push(m);
    var el = add("user", voiceText(""), m.at, m.id);
    unanswered.delete(m.id);
    el.classList.add("voice");
    markPending(el);
    sendVoiceFrame(m);
  }
  function sendVoiceFrame(m) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: "voice", id: m.id, audio: m.audio }));
  }
  function resendVoice() { for (var i = 0; i < voiceOut.length; i++) sendVoiceFrame(voiceOut[i]); }
  function voiceDone(id) { voiceOut = voiceOut.filter(function (m) { return m.id !== id; }); }
  // A user message that is a voice note (stored, mirrored from another tab, or recorded here).
  function addVoiceUser(text, at, id) {
    if (id) voiceIds.add(id);
    var el = add("user", voiceText(text), at, id);
    if (id) unanswered.delete(id);
    el.classList.add("voice");
    return el;
  }
  function onHeard(m) {
    voiceIds.add(m.id);
    var el = byId.get(m.id);
    if (el) el.querySelector(".text").textContent = voiceText(m.text);
  }
  function agentBubbleOf(replyTo) {
    var list = log.querySelectorAll(".msg.agent");
    for (var i = list.length - 1; i >= 0; i--) if (!list[i].classList.contains("live") && list[i].dataset.replyTo === replyTo) return list[i];
    return null;
  }
  function attachAudio(host, url) {
    var a = host.querySelector("audio");
    if (!a) {
      a = document.createElement("audio");
      a.controls = true;
      a.preload = "metadata";
      host.insertBefore(a, host.querySelector(".meta"));
    }
    if (a.src !== url) a.src = url;
    return a;
  }
  function onAudio(m) {
    if (typeof m.audio !== "string" || m.audio.length > 16000000) return;
    var bin;
    try { bin = atob(m.audio); } catch (e) { return; }
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var type = typeof m.mime === "string" && /^audio\\/[a-z0-9.+-]+$/i.test(m.mime) ? m.mime : "audio/ogg";
    var url = URL.createObjectURL(new Blob([bytes], { type: type }));
    var key = typeof m.replyTo === "string" ? m.replyTo : "";
    if (key) { var old = audioFor.get(key); if (old) URL.revokeObjectURL(old); audioFor.set(key, url); }
    // The reply's text comes first; a spoken message without one gets a bubble of its own.
    var host = key ? agentBubbleOf(key) : null;
    if (!host) host = add("agent", "", new Date().toISOString(), null);
    var a = attachAudio(host, url);
    if (key && recordedHere.has(key)) { var p = a.play(); if (p && p.catch) p.catch(function () {}); }
  }
  // After the history re-rendered the log: spoken replies this tab received keep their player.
  function reattachAudio() {
    audioFor.forEach(function (url, replyTo) { var host = agentBubbleOf(replyTo); if (host) attachAudio(host, url); });
  }

  mic.onclick = function () { if (rec) stopRec(true); else startRec(); };
  recCancel.onclick = function () { stopRec(false); mic.focus(); };
  addEventListener("keydown", function (e) { if (rec && e.key === "Escape") { e.preventDefault(); stopRec(false); } });
`;
