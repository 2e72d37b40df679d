// The ui's save channel (GET /api/ws, see API.md), over the shared api.js:
// one WebSocket per page, so a save travels as one message and its answer
// arrives as one, without a request's round of work in the browser on each
// side. Opened once the first screen is up (openChannel), used once the ui
// accepted its CSRF token, opened again (at most every RETRY_MS) after it
// closed. A save sent on it whose answer never comes fails like a POST
// whose connection broke. Used by app.js (open) and grid.js (save).
import { answered, csrfToken, post, unreachable } from './api.js';

const RETRY_MS = 3000;
const channel = { ws: null, ready: false, next: 1, pending: new Map(), tried: -Infinity };
// Per save on the channel, for the benchmark (tests/browser/bench-ui.mjs):
// sent and received (performance.now()), ui_ms (the ui's own work).
const timings = ((window.sodiemPerf ||= { saves: [], grids: [] }).channel = []);

export function openChannel() {
  const csrf = csrfToken();
  if (channel.ws || !csrf || !window.WebSocket) return;
  channel.tried = performance.now();
  let ws;
  try { ws = new WebSocket(`ws://${location.host}/api/ws`); } catch { return; }
  channel.ws = ws;
  ws.onopen = () => ws.send(JSON.stringify({ csrf }));
  ws.onmessage = (e) => {
    let msg;
    try { msg = JSON.parse(e.data); } catch { ws.close(); return; }
    if (msg.hello !== undefined) { channel.ready = msg.hello === true; return; }
    const p = channel.pending.get(msg.id);
    if (!p) return;
    channel.pending.delete(msg.id);
    if (timings.length >= 1000) timings.splice(0, 500);
    timings.push({ sent: p.sent, received: performance.now(), ui_ms: msg.ui_us / 1000 });
    try { p.resolve(answered(msg.status, msg.body)); } catch (err) { p.reject(err); }
  };
  ws.onclose = () => {
    if (channel.ws !== ws) return;
    channel.ws = null;
    channel.ready = false;
    for (const p of channel.pending.values()) p.reject(unreachable());
    channel.pending.clear();
  };
}

// A save (POST path with body): on the channel when it is ready, else over HTTP.
export function save(path, body) {
  if (!channel.ready || channel.ws?.readyState !== WebSocket.OPEN) {
    if (!channel.ws && performance.now() - channel.tried > RETRY_MS) openChannel();
    return post(path, body);
  }
  const id = channel.next++;
  const sent = performance.now();
  const answer = new Promise((resolve, reject) => channel.pending.set(id, { resolve, reject, sent }));
  channel.ws.send(JSON.stringify({ id, path, body: JSON.stringify(body ?? {}) }));
  return answer;
}
