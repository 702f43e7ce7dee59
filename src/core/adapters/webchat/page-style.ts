/** The chat page's stylesheet (inlined: the CSP allows no external resources). */
export const STYLE = `
:root{color-scheme:light dark;font-family:system-ui,sans-serif;--line:#8884;--me:#1d4ed8;--accent:#1d4ed8;--warn:#b45309}
*{box-sizing:border-box}
body{margin:0;display:flex;flex-direction:column;height:100vh;height:100dvh}
header{padding:.5rem 1rem;border-bottom:1px solid var(--line);display:flex;flex-wrap:wrap;gap:.25rem 1rem;justify-content:space-between;align-items:center}
h1{font-size:1rem;margin:0}
.state{font-size:.8rem;opacity:.8}
.state::before{content:"";display:inline-block;width:.55rem;height:.55rem;border-radius:50%;margin-right:.35rem;background:#9ca3af;vertical-align:baseline}
.state.ok::before{background:#16a34a}
.state.down::before{background:#dc2626}
#banner{padding:.5rem 1rem;background:#fef3c7;color:#422006;border-bottom:1px solid #f59e0b;font-size:.9rem}
#banner.token{background:#fee2e2;color:#450a0a;border-color:#ef4444}
#banner button{font:inherit;font-size:.85rem;padding:.15rem .6rem;border-radius:.3rem;border:1px solid currentColor;background:transparent;color:inherit;cursor:pointer}
#next{opacity:.8}
#log{flex:1;overflow-y:auto;padding:1rem;display:flex;flex-direction:column;gap:.5rem}
.msg{max-width:min(70ch,88%);padding:.45rem .75rem;border-radius:.7rem;overflow-wrap:anywhere}
.msg .text{white-space:pre-wrap}
.msg .meta{display:flex;gap:.5rem;justify-content:flex-end;font-size:.72rem;opacity:.8;margin-top:.2rem}
.user{align-self:flex-end;background:var(--me);color:#fff}
.user.pending{background:transparent;color:inherit;border:1px dashed var(--accent)}
.pending .meta{opacity:1}
.pending .status{color:var(--warn);font-weight:600}
.agent{align-self:flex-start;background:#8882}
.agent.live .meta{font-style:italic}
.agent.typing .text::after{content:"\u2022\u2022\u2022";letter-spacing:.15em;animation:bosun-typing 1.2s ease-in-out infinite}
@keyframes bosun-typing{50%{opacity:.3}}
.agent.failed{border:1px solid #dc2626}
@media (prefers-reduced-motion:reduce){.agent.typing .text::after{animation:none}}
.note{align-self:center;font-size:.8rem;opacity:.8;text-align:center}
form{display:flex;gap:.5rem;align-items:flex-end;padding:.75rem .75rem .25rem;border-top:1px solid var(--line)}
textarea{flex:1;min-width:0;resize:none;max-height:40vh;overflow-y:auto;padding:.55rem .6rem;font:inherit;line-height:1.35;border-radius:.4rem;border:1px solid #8886;background:transparent;color:inherit}
form button{padding:.55rem 1rem;font:inherit;border-radius:.4rem;cursor:pointer}
textarea:focus-visible,button:focus-visible{outline:2px solid var(--accent);outline-offset:1px}
#mic.recording{background:#dc2626;color:#fff;border-color:#dc2626}
#rec{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;padding:.25rem .75rem;font-size:.8rem}
#rec[hidden]{display:none}
#rec button{font:inherit;padding:.1rem .5rem;border-radius:.3rem;cursor:pointer}
.rec-dot{width:.6rem;height:.6rem;border-radius:50%;background:#dc2626;animation:bosun-typing 1.2s ease-in-out infinite}
.msg audio{display:block;max-width:100%;margin-top:.35rem}
.hint{margin:0;padding:0 .75rem .5rem;font-size:.72rem;opacity:.7}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (prefers-color-scheme:dark){:root{--accent:#60a5fa;--warn:#fbbf24}#banner{background:#422006;color:#fef3c7}#banner.token{background:#450a0a;color:#fee2e2}}
@media (max-width:480px){header,#banner{padding:.4rem .6rem}#log{padding:.6rem}.msg{max-width:94%}}
`;
