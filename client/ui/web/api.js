// The page's only door to `sodiem ui`'s JSON API (client/ui/API.md): adds the
// CSRF header to POSTs and turns error answers into ApiError with the
// server's Vietnamese message. Used by every screen module.

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
    throw new ApiError(0, 'NO_LOCAL_SERVER',
      'Không liên lạc được với chương trình Sổ điểm trên máy này. Hãy kiểm tra chương trình còn chạy.');
  }
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (!res.ok) {
    if (res.status === 401) {
      throw new ApiError(401, 'UNAUTHORIZED',
        'Phiên làm việc đã hết hiệu lực (chương trình vừa khởi động lại?). Hãy mở lại địa chỉ mà chương trình Sổ điểm vừa in ra.', data);
    }
    const msg = (data && data.error) || `Lỗi của chương trình trên máy (HTTP ${res.status}).`;
    throw new ApiError(res.status, (data && data.code) || 'HTTP_' + res.status, msg, data);
  }
  return data ?? {};
}

export function get(path, params) {
  const q = params ? '?' + new URLSearchParams(params).toString() : '';
  return request('GET', path + q);
}

export function post(path, body) {
  return request('POST', path, body);
}
