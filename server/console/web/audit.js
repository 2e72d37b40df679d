// Nhật ký: the audit trail searched by person, kind, class, subject,
// student, column, dates and refusals, newest first, a bounded page at a
// time (the server reads a bounded window of the trail per request and says
// where it stopped); each entry in Vietnamese as the server tells it, the
// cells it names each opening their history; the chain's verdict on top
// (the same check as `sodiem-server audit verify`). Printable.
import { get } from './api.js';
import { el, failed, say, setMain } from './dom.js';
import { cellName, historyToggle } from './history.js';

const FIELDS = [
  ['actor', 'Người thực hiện', 'tên đăng nhập'],
  ['class', 'Lớp', 'vd. 6A'],
  ['subject', 'Môn', 'vd. Toán'],
  ['student', 'Mã học sinh', 'vd. HS6A01'],
  ['column', 'Cột', 'vd. HK1.TX1'],
  ['from', 'Từ ngày', 'dd/mm/yyyy'],
  ['until', 'Đến ngày', 'dd/mm/yyyy'],
];

let filter = {};      // the last search's parameters (without the cursor)
let cursors = [];     // `before` of each page shown so far (0 = newest)
let kinds = [];

async function verdict(box) {
  box.replaceChildren(el('p', { class: 'muted' }, 'Đang kiểm tra chuỗi nhật ký…'));
  try {
    const v = await get('/api/audit/verify');
    const again = el('button', { type: 'button', id: 'audit-verify-again', class: 'no-print' }, 'Kiểm tra lại');
    again.addEventListener('click', () => verdict(box));
    box.className = `card verdict ${v.intact ? 'ok' : 'bad'}`;
    box.dataset.intact = String(v.intact);
    box.replaceChildren(...[
      el('strong', { id: 'audit-verdict' }, v.intact
        ? `Chuỗi nhật ký nguyên vẹn: ${v.entries} mục; ${v.versions} phiên bản điểm khớp nhật ký.`
        : 'Chuỗi nhật ký KHÔNG nguyên vẹn.'),
      v.problems.length ? el('ul', {}, v.problems.map((p) => el('li', {}, p))) : null,
      v.warnings.length ? el('details', {}, el('summary', {}, `${v.warnings.length} cảnh báo`),
        el('ul', {}, v.warnings.map((w) => el('li', {}, w)))) : null,
      ' ', again].filter((c) => c !== null));
  } catch (err) { failed(err); box.replaceChildren(); }
}

function row(r) {
  const cells = r.cells.map((c) => {
    const [button, box] = historyToggle(c, cellName(c));
    return el('div', { class: 'audit-cell' }, button, box);
  });
  const more = r.cells_total > r.cells.length ? el('div', { class: 'muted' }, `và ${r.cells_total - r.cells.length} ô khác`) : null;
  return el('tr', { 'data-seq': r.seq, 'data-kind': r.kind },
    el('td', { class: 'num' }, String(r.seq)), el('td', {}, r.at), el('td', {}, r.actor),
    el('td', {}, el('strong', {}, r.label), r.device ? el('div', { class: 'muted' }, `máy ${r.device}`) : null),
    el('td', {}, r.text), el('td', {}, cells, more));
}

async function search(results, before) {
  const params = { ...filter };
  if (before) params.before = before;
  const data = await get('/api/audit', params);
  kinds = data.kinds;
  const older = el('button', { type: 'button', id: 'audit-older', class: 'no-print', disabled: !data.next_before }, 'Cũ hơn →');
  const newer = el('button', { type: 'button', id: 'audit-newer', class: 'no-print', disabled: cursors.length <= 1 }, '← Mới hơn');
  older.addEventListener('click', () => { cursors.push(data.next_before); search(results, data.next_before).catch(failed); });
  newer.addEventListener('click', () => { cursors.pop(); search(results, cursors[cursors.length - 1]).catch(failed); });
  const where = data.window_ended
    ? `Đã tìm đến mục #${data.next_before}; bấm “Cũ hơn” để tìm tiếp về trước.`
    : (data.next_before ? '' : 'Đã đến đầu nhật ký.');
  results.replaceChildren(
    data.rows.length
      ? el('div', { class: 'table-wrap' }, el('table', { id: 'audit-table' },
        el('thead', {}, el('tr', {}, ['Số', 'Lúc', 'Người', 'Việc', 'Nội dung', 'Ô điểm'].map((h) => el('th', {}, h)))),
        el('tbody', {}, data.rows.map(row))))
      : el('p', { id: 'audit-empty' }, 'Không có mục nào khớp.'),
    el('div', { class: 'controls pager' }, newer, older, el('span', { class: 'muted', id: 'audit-where' }, where)));
}

export async function show() {
  const box = el('div', { class: 'card verdict' });
  const inputs = Object.fromEntries(FIELDS.map(([k, , hint]) => [k,
    el('input', { id: `audit-${k}`, name: k, placeholder: hint, maxlength: 64, value: filter[k] || '' })]));
  const kind = el('select', { id: 'audit-kind' }, el('option', { value: '' }, 'Mọi việc'));
  const refused = el('input', { id: 'audit-refused', type: 'checkbox', checked: filter.refused === '1' });
  const button = el('button', { type: 'submit', class: 'primary', id: 'audit-search' }, 'Tìm');
  const results = el('div', { id: 'audit-results' });
  const form = el('form', { class: 'card controls no-print', id: 'audit-form' },
    FIELDS.map(([k, label]) => el('div', {}, el('label', { for: `audit-${k}` }, label), inputs[k])),
    el('div', {}, el('label', { for: 'audit-kind' }, 'Việc'), kind),
    el('div', { class: 'check' }, refused, el('label', { for: 'audit-refused' }, 'Chỉ những việc bị từ chối')),
    el('div', {}, button, ' ', el('button', { type: 'button', id: 'audit-print', onclick: () => window.print() }, 'In')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const next = {};
    for (const [k] of FIELDS) {
      const v = inputs[k].value.trim();
      if (v) next[k] = v;  // dates as typed: the server reads dd/mm/yyyy or yyyy-mm-dd
    }
    if (kind.value) next.kind = kind.value;
    if (refused.checked) next.refused = '1';
    filter = next;
    cursors = [0];
    say('');
    button.disabled = true;
    try { await search(results, 0); } catch (err) { failed(err); } finally { button.disabled = false; }
  });
  setMain(el('h1', {}, 'Nhật ký kiểm toán'), box, form, results);
  cursors = [0];
  await search(results, 0);
  for (const k of kinds) kind.append(el('option', { value: k.kind, selected: filter.kind === k.kind }, k.label));
  verdict(box);
}
