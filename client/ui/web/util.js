// Small helpers of the page (escaping, Vietnamese formatting, DOM building).
// Imported by every module of client/ui/web; no state, no side effects.

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function esc(text) {
  return String(text ?? '').replace(/[&<>"']/g, (ch) => ESC[ch]);
}

// "8.5" → "8,5" (marks and averages are shown with a decimal comma).
export function comma(value) {
  return String(value ?? '').replace('.', ',');
}

const pad = (n) => String(n).padStart(2, '0');

// "2026-11-02" → "02/11/2026".
export function dateVN(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || '');
  return m ? `${m[3]}/${m[2]}/${m[1]}` : String(iso ?? '');
}

// An ISO instant → local "dd/mm/yyyy hh:mm".
export function dateTimeVN(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const WEEKDAY = ['CN', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7'];
export function weekdayVN(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return WEEKDAY[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
}

export const TERM_NAMES = { HK1: 'Học kì I', HK2: 'Học kì II', CN: 'Cả năm' };

// A cell column id in words: "HK1.TX2" → "TX2 · Học kì I".
export function columnVN(id) {
  const s = String(id ?? '');
  if (s.startsWith('CC.')) {
    const session = { S: ', buổi sáng', C: ', buổi chiều' }[s.slice(14)] || '';
    return `Chuyên cần ${dateVN(s.slice(3, 13))}${session}`;
  }
  // "HK1.PC2.GK": a quality or competence at mid-term (TT27).
  const [term, rest, when] = s.split('.');
  const names = { GK: 'Giữa kì', CK: 'Cuối kì', NX: 'Nhận xét', RL: 'Rèn luyện', NXCN: 'Nhận xét GVCN',
                  KTGK: 'Bài kiểm tra giữa kì', KTCK: 'Bài kiểm tra cuối kì', MIEN: 'Miễn học',
                  KTL: 'Kiểm tra lại', RLH: 'Rèn luyện trong hè', TB: 'Khen thưởng Học sinh Tiêu biểu' };
  const numbered = /^(PC|NL)(\d+)$/.exec(rest || '');
  const what = names[rest] || (numbered ? `${numbered[1] === 'PC' ? 'Phẩm chất' : 'Năng lực'} ${numbered[2]}` +
               (when === 'GK' ? ' giữa kì' : term === 'HK2' ? ' cuối năm' : ' cuối kì') : '') || rest || s;
  return TERM_NAMES[term] ? `${what} · ${TERM_NAMES[term]}` : s;
}

// h('button.primary', {type: 'submit'}, 'Lưu') → an element. Attributes
// starting with "on" are listeners; `hidden`/`disabled` booleans.
export function h(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// A labelled form field.
export function field(label, input, hint) {
  return h('label.field', {}, h('span.label', {}, label), input, hint ? h('span.hint', {}, hint) : null);
}

export function currentMonth() {
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}`;
}

export function shiftMonth(month, delta) {
  const [y, m] = month.split('-').map(Number);
  const t = y * 12 + (m - 1) + delta;
  return `${Math.floor(t / 12)}-${pad((t % 12) + 1)}`;
}

export function monthVN(month) {
  const [y, m] = month.split('-');
  return `Tháng ${Number(m)}/${y}`;
}
