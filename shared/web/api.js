// The page's only door to its JSON API, one file for both of Sổ điểm's web
// pages (embedded from shared/web/ into `sodiem ui` and the school server's
// console at build time): adds the CSRF header to every POST, takes a GET
// that the page's early script already sent (window.sodiemEarly, the ui's
// early.js), turns error answers into ApiError with the server's Vietnamese
// message, and downloads a file (a printed record). What it says when the
// program cannot be reached or a session has ended is each page's own
// (api_site.js beside it). The ui's save channel builds on it (channel.js).
import { SIGNED_OUT, UNREACHABLE } from './api_site.js';

let csrf = '';
export function setCsrf(token) { csrf = token || ''; }
export function csrfToken() { return csrf; }

export class ApiError extends Error {
  constructor(status, code, message, data = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.data = data;  // the whole answer (an import's per-row errors)
  }
}

export const unreachable = () => new ApiError(0, UNREACHABLE.code, UNREACHABLE.message);

// A GET that an early script already sent, taken once (later ones ask again).
function takeEarly(path) {
  const early = window.sodiemEarly;
  const p = early?.get(path);
  if (p) early.delete(path);
  return p;
}

// An answer (status, parsed JSON) → its data, or the ApiError it stands for.
export function answered(status, data) {
  if (status >= 200 && status < 300) return data ?? {};
  const message = (status === 401 && SIGNED_OUT) || data?.error || UNREACHABLE.http(status);
  throw new ApiError(status, data?.code || `HTTP_${status}`, message, data);
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
  } catch {
    throw unreachable();
  }
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  return answered(res.status, data);
}

export const get = (path, params) => request('GET', params ? `${path}?${new URLSearchParams(params)}` : path);
export const post = (path, body) => request('POST', path, body);

// A file (a printed record): fetched with the session's cookie, then saved
// by the browser under the name the server gives (Content-Disposition
// filename*); a refusal as ApiError, like any call. Resolves to the name.
export async function download(path, params) {
  let res;
  try {
    res = await fetch(`${path}?${new URLSearchParams(params)}`, { credentials: 'same-origin' });
  } catch {
    throw unreachable();
  }
  if (!res.ok) {
    let data = null;
    try { data = await res.json(); } catch { data = null; }
    answered(res.status, data);
  }
  const named = /filename\*=UTF-8''([^;]+)/.exec(res.headers.get('Content-Disposition') || '');
  const name = named ? decodeURIComponent(named[1]) : 'ho-so.pdf';
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}
