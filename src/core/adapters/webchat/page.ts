/** The chat page served at `/`: no build step, no external assets, works offline. */
export function chatPage(title: string): string {
  const safeTitle = title.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${safeTitle}</title>
<style>
:root{color-scheme:light dark;font-family:system-ui,sans-serif}
body{margin:0;display:flex;flex-direction:column;height:100vh}
header{padding:.6rem 1rem;border-bottom:1px solid #8884;display:flex;justify-content:space-between;align-items:center}
#state{font-size:.8rem;opacity:.7}
#log{flex:1;overflow-y:auto;padding:1rem;display:flex;flex-direction:column;gap:.5rem}
.msg{max-width:70ch;padding:.5rem .75rem;border-radius:.6rem;white-space:pre-wrap;word-wrap:break-word}
.user{align-self:flex-end;background:#2563eb;color:#fff}
.agent{align-self:flex-start;background:#8882}
.note{align-self:center;font-size:.8rem;opacity:.7}
form{display:flex;gap:.5rem;padding:.75rem;border-top:1px solid #8884}
input{flex:1;padding:.6rem;font:inherit;border-radius:.4rem;border:1px solid #8886}
button{padding:.6rem 1rem;font:inherit;border-radius:.4rem}
</style></head>
<body>
<header><strong>${safeTitle}</strong><span id="state">connecting…</span></header>
<main id="log" aria-live="polite"></main>
<form id="f"><input id="t" autocomplete="off" placeholder="Message the agent (/help for commands)" autofocus><button>Send</button></form>
<script>
const log=document.getElementById("log"),state=document.getElementById("state"),form=document.getElementById("f"),input=document.getElementById("t");
let conv=localStorage.getItem("bosun.conversation");
if(!conv){conv=crypto.randomUUID?crypto.randomUUID():String(Math.random()).slice(2);localStorage.setItem("bosun.conversation",conv);}
function add(cls,text){const d=document.createElement("div");d.className="msg "+cls;d.textContent=text;log.appendChild(d);log.scrollTop=log.scrollHeight;}
let ws,delay=500,pending=[];
function connect(){
  const proto=location.protocol==="https:"?"wss":"ws";
  ws=new WebSocket(proto+"://"+location.host+"/ws?conversation="+encodeURIComponent(conv));
  ws.onopen=()=>{state.textContent="connected";delay=500;for(const p of pending.splice(0))ws.send(p);};
  ws.onmessage=(ev)=>{const m=JSON.parse(ev.data);if(m.type==="message")add("agent",m.text);else if(m.type==="error")add("note",m.message);};
  ws.onclose=()=>{state.textContent="reconnecting…";setTimeout(connect,delay);delay=Math.min(delay*2,10000);};
}
form.onsubmit=(e)=>{e.preventDefault();const text=input.value.trim();if(!text)return;add("user",text);input.value="";
  const id=crypto.randomUUID?crypto.randomUUID():String(Date.now())+Math.random();
  const frame=JSON.stringify({type:"message",id,text});
  if(ws&&ws.readyState===1)ws.send(frame);else pending.push(frame);};
connect();
</script></body></html>`;
}
