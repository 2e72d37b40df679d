// Small helpers of the console's page: building elements from text (never
// from HTML strings), Vietnamese dates and role names, the status line. No state.

// The school's role codes in Vietnamese.
export const ROLE_NAMES = { HT: 'Hiệu trưởng', PHT: 'Phó hiệu trưởng', TTCM: 'Tổ trưởng chuyên môn', ADMIN: 'Quản trị',
  VANTHU: 'Văn thư', GVCN: 'Giáo viên chủ nhiệm', GVBM: 'Giáo viên bộ môn' };

// el('td', {class: 'num'}, '5', child…): text children become text nodes.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// "2026-11-02" → "02/11/2026".
export function dateVN(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || '');
  return m ? `${m[3]}/${m[2]}/${m[1]}` : String(iso ?? '');
}

export function say(text, isError = false) {
  const box = document.getElementById('message');
  box.textContent = text;
  box.classList.toggle('error', isError);
  box.hidden = !text;
}

export function setMain(...children) {
  const main = document.getElementById('main');
  main.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

// Any page's error: a lost session (401) sends the page back to the login
// form (app.js listens), anything else is said in the status line.
export function failed(err) {
  if (err?.status === 401) window.dispatchEvent(new CustomEvent('signed-out', { detail: err.message }));
  else say(err?.message || String(err), true);
}
