// The page's only door to `sodiem ui`'s JSON API (client/ui/API.md): adds the
// CSRF header to POSTs and turns error answers into ApiError with the
// server's Vietnamese message. Saves (save()) go over the page's channel, a
// WebSocket to the ui whose first message carries the CSRF token, when it
// is open, else as a POST. Used by every screen module.

let csrf = '';
export function setCsrf(token) { csrf = token || ''; }

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

// A GET that early.js already sent, taken once (later ones ask again).
function takeEarly(path) {
  const early = window.sodiemEarly;
  const p = early?.get(path);
  if (p) early.delete(path);
  return p;
}

const NO_LOCAL_SERVER = 'Không liên lạc được với chương trình Sổ điểm trên máy này. Hãy kiểm tra chương trình còn chạy.';

// An answer (status, parsed JSON) → its data, or the ApiError it stands for.
function answered(status, data) {
  if (status >= 200 && status < 300) return data ?? {};
  if (status === 401) {
    throw new ApiError(401, 'UNAUTHORIZED',
      'Phiên làm việc đã hết hiệu lực (chương trình vừa khởi động lại?). Hãy mở lại địa chỉ mà chương trình Sổ điểm vừa in ra.', data);
  }
  const msg = (data && data.error) || `Lỗi của chương trình trên máy (HTTP ${status}).`;
  throw new ApiError(status, (data && data.code) || 'HTTP_' + status, msg, data);
}

async function request(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (method === 'POST') {
    init.headers['Content-Type'] = 'application/json';
    init.headers['X-CSRF-Token'] = csrf;
    init.body = JSON.stringify(body ?? {});
  }
  let res;
  try {
    res = await (method === 'GET' && takeEarly(path) || fetch(path, init));
  } catch (err) {
    throw new ApiError(0, 'NO_LOCAL_SERVER', NO_LOCAL_SERVER);
  }
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  return answered(res.status, data);
}

export function get(path, params) {
  const q = params ? '?' + new URLSearchParams(params).toString() : '';
  return request('GET', path + q);
}

export function post(path, body) {
  return request('POST', path, body);
}

// ---- the save channel (GET /api/ws, see API.md) ----
// One WebSocket per page: a save travels as one message and its answer
// arrives as one, without a request's round of work in the browser on each
// side. Opened once the first screen is up (openChannel), used once the ui
// accepted its CSRF token, opened again (at most every RETRY_MS) after it
// closed. A save sent on it whose answer never comes fails like a POST whose
// connection broke.
const RETRY_MS = 3000;
const channel = { ws: null, ready: false, next: 1, pending: new Map(), tried: -Infinity };
// Per save on the channel, for the benchmark (tests/browser/bench-ui.mjs):
// sent and received (performance.now()), ui_ms (the ui's own work).
const timings = ((window.sodiemPerf ||= { saves: [], grids: [] }).channel = []);

export function openChannel() {
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
    for (const p of channel.pending.values()) p.reject(new ApiError(0, 'NO_LOCAL_SERVER', NO_LOCAL_SERVER));
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
