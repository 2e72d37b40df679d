// The page's only door to the console's JSON API (server/src/console): adds
// the CSRF token to every POST and turns error answers into ApiError with
// the server's Vietnamese message. Used by every page module.

let csrf = '';
export function setCsrf(token) { csrf = token || ''; }

export class ApiError extends Error {
  constructor(status, code, message, data = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.data = data;  // the whole answer (an import's per-row errors)
  }
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
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'UNAVAILABLE', 'Không liên lạc được với máy chủ của trường. Hãy kiểm tra mạng rồi thử lại.');
  }
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (!res.ok) {
    throw new ApiError(res.status, data?.code || 'ERROR', data?.error || `Lỗi máy chủ (${res.status})`, data);
  }
  return data;
}

export const get = (path, params) => request('GET', params ? `${path}?${new URLSearchParams(params)}` : path);
export const post = (path, body) => request('POST', path, body);

// A file from the server (a printed record): fetched with the session's
// cookie, then saved by the browser under the name the server gives
// (Content-Disposition filename*); a refusal as ApiError, like any call.
export async function download(path, params) {
  let res;
  try {
    res = await fetch(`${path}?${new URLSearchParams(params)}`, { credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'UNAVAILABLE', 'Không liên lạc được với máy chủ của trường. Hãy kiểm tra mạng rồi thử lại.');
  }
  if (!res.ok) {
    let data = null;
    try { data = await res.json(); } catch { data = null; }
    throw new ApiError(res.status, data?.code || 'ERROR', data?.error || `Lỗi máy chủ (${res.status})`, data);
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
