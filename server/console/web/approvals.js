// Phê duyệt: where each class's confirmation chain of a term stands (subject
// teachers → homeroom teacher → vice principal → principal), the class board
// exactly as the next step signs it with its digest, how to sign on one's
// own device (the server holds no private key), the board printed as the
// PDF of `sodiem-server print board` (print.js, the print route of Tiến độ),
// and, for the principal, unapprove with a reason. The server checks every
// role; the page only hides what it would refuse.
import { get, post } from './api.js';
import { el, failed, say, setMain } from './dom.js';
import { printButton } from './print.js';

let term = 'HK1';

const STEP_NAMES = {
  subject: 'Giáo viên bộ môn xác nhận', class: 'Giáo viên chủ nhiệm xác nhận',
  review: 'Phó hiệu trưởng xem xét', approve: 'Hiệu trưởng phê duyệt',
};
const WAITING = {
  subject: 'Chờ giáo viên bộ môn xác nhận', class: 'Chờ GVCN xác nhận', review: 'Chờ PHT xem xét',
  approve: 'Chờ Hiệu trưởng phê duyệt', '': 'Đã phê duyệt',
};
const TERM_NAMES = { HK1: 'học kì I', HK2: 'học kì II' };

function signature(s) {
  if (s.state === 'signed') return el('span', { class: 'signed', 'data-state': 'signed' }, `Đã ký: ${s.signer}, ${s.signed_at}`);
  if (s.state === 'stale') {
    return el('span', { class: 'error-text', 'data-state': 'stale' },
      `Dữ liệu đã đổi sau khi ${s.signer} ký (${s.signed_at}): cần ký lại`);
  }
  return el('span', { class: 'muted', 'data-state': 'missing' }, 'Chưa ký');
}

function subjectsCell(c) {
  const pending = c.subjects.filter((s) => s.state !== 'signed').map((s) => s.subject);
  return el('td', {},
    el('div', { class: 'num-line' }, `${c.confirmed}/${c.subjects.length} môn`),
    !pending.length ? null : c.confirmed === 0 ? el('div', { class: 'muted small' }, 'Chưa môn nào được xác nhận')
      : el('div', { class: 'muted small' }, `Chưa xác nhận: ${pending.join(', ')}`));
}

export async function show() {
  const data = await get('/api/approvals', { term });
  const select = el('select', { id: 'approvals-term' },
    el('option', { value: 'HK1', selected: term === 'HK1' }, 'Học kì I'),
    el('option', { value: 'HK2', selected: term === 'HK2' }, 'Học kì II'));
  select.addEventListener('change', () => { term = select.value; show().catch(failed); });
  const rows = data.classes.map((c) => el('tr', { 'data-class': c.class, 'data-waiting': c.waiting, class: c.waiting ? '' : 'done' },
    el('td', {}, c.class),
    subjectsCell(c),
    el('td', {}, signature(c.homeroom)),
    el('td', {}, signature(c.review)),
    el('td', {}, signature(c.approve)),
    el('td', { class: 'waiting' }, WAITING[c.waiting] ?? c.waiting),
    el('td', {}, el('button', { type: 'button', 'data-action': 'board', onclick: () => board(c.class).catch(failed) }, 'Xem bảng'))));
  const waitingApproval = data.classes.filter((c) => c.waiting === 'approve').length;
  setMain(
    el('h1', {}, 'Phê duyệt kết quả'),
    el('div', { class: 'controls' }, el('label', { for: 'approvals-term' }, 'Học kì'), select,
      el('span', { class: 'muted' }, `${waitingApproval} lớp chờ Hiệu trưởng phê duyệt`)),
    el('p', { class: 'muted' }, 'Mỗi bước được ký số trên máy của người ký (ứng dụng Sổ điểm → Ký duyệt); '
      + 'máy chủ không giữ khóa bí mật nào và chỉ nhận chữ ký khớp với dữ liệu đang có.'),
    el('div', { id: 'approval-board' }),
    el('div', { class: 'card table-wrap' },
      data.classes.length ? el('table', { id: 'approvals-table' },
        el('thead', {}, el('tr', {}, ['Lớp', 'Môn học', 'GVCN', 'PHT xem xét', 'HT phê duyệt', 'Đang chờ', ''].map((h) => el('th', {}, h)))),
        el('tbody', {}, rows)) : el('p', {}, 'Năm học này chưa có lớp nào.')));
}

// One table per section of the board ("Tổng hợp HK1"; on HK2 also "Tổng
// hợp CN"): a row per student, a column per board column, in board order.
function boardTables(lines, order = []) {
  const rank = new Map(order.map((code, i) => [code, i]));
  const byList = (a, b) => (rank.get(a[0]) ?? 1e9) - (rank.get(b[0]) ?? 1e9);
  const sections = new Map();
  for (const l of lines) {
    if (!sections.has(l.section)) sections.set(l.section, { columns: [], students: new Map() });
    const s = sections.get(l.section);
    if (!s.columns.includes(l.column)) s.columns.push(l.column);
    if (!s.students.has(l.student)) s.students.set(l.student, { name: l.name, values: {} });
    s.students.get(l.student).values[l.column] = l.value;
  }
  return [...sections].map(([section, s]) => el('div', { class: 'table-wrap' },
    el('table', { class: 'board', 'data-section': section },
      el('caption', {}, section),
      el('thead', {}, el('tr', {}, el('th', {}, 'STT'), el('th', {}, 'Họ và tên'), el('th', {}, 'Mã HS'),
        s.columns.map((c) => el('th', {}, c)))),
      el('tbody', {}, [...s.students].sort(byList).map(([code, st], i) => el('tr', { 'data-student': code },
        el('td', {}, String(i + 1)), el('td', {}, st.name), el('td', {}, code),
        s.columns.map((c) => el('td', { 'data-column': c }, (st.values[c] ?? '').replace(/^(\d+)\.(\d)$/, '$1,$2')))))))));
}

// A primary class at year end (TT27): the whole year in one table, each
// subject's rating and test, each quality and competence at the end of HK1
// beside the end of the year, then the year's result (the server's
// primary_year_board, from the same board the chain signs).
const YEAR_TERMS = { HK1: 'Cuối HK I', CN: 'Cả năm' };

function yearBoardTable(yb) {
  const wide = yb.columns.filter((c) => c.terms.length > 1);
  const comma = (v) => (v ?? '').replace(/^(\d+)\.(\d)$/, '$1,$2');
  return el('div', { class: 'table-wrap' },
    el('table', { class: 'board year-board', id: 'year-board' },
      el('caption', {}, 'Cả năm học — cuối học kì I và cuối năm của từng môn học, phẩm chất, năng lực'),
      el('thead', {},
        el('tr', {}, el('th', { rowspan: 2 }, 'STT'), el('th', { rowspan: 2 }, 'Họ và tên'), el('th', { rowspan: 2 }, 'Mã HS'),
          yb.columns.map((c) => (c.terms.length > 1
            ? el('th', { colspan: c.terms.length, 'data-group': c.name }, c.name)
            : el('th', { rowspan: 2, 'data-column': c.name, 'data-term': c.terms[0] },
              c.terms[0] === 'CN' ? c.name : `${c.name} (${YEAR_TERMS[c.terms[0]]})`)))),
        el('tr', {}, wide.map((c) => c.terms.map((t) => el('th', { 'data-column': c.name, 'data-term': t }, YEAR_TERMS[t]))))),
      el('tbody', {}, yb.rows.map((r, i) => el('tr', { 'data-student': r.student },
        el('td', {}, String(i + 1)), el('td', {}, r.name), el('td', {}, r.student),
        yb.columns.map((c) => c.terms.map((t) => el('td', { 'data-column': c.name, 'data-term': t },
          comma(r.values?.[t]?.[c.name])))))))));
}

function unapproveForm(cls) {
  const reason = el('input', { type: 'text', id: 'unapprove-reason', maxlength: 500,
    'aria-label': `Lý do hủy phê duyệt lớp ${cls}`, placeholder: 'Lý do hủy phê duyệt (bắt buộc)' });
  const button = el('button', { type: 'submit', class: 'danger', 'data-action': 'unapprove' }, 'Hủy phê duyệt');
  const form = el('form', { class: 'decide', id: 'unapprove-form' }, reason, button);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!reason.value.trim()) { say('Hủy phê duyệt cần ghi lý do.', true); reason.focus(); return; }
    button.disabled = true;
    try {
      const res = await post('/api/approvals/unapprove', { class: cls, term, reason: reason.value.trim() });
      await show();
      say(res.message);
      window.scrollTo(0, 0);
    } catch (err) {
      failed(err);
      button.disabled = false;
    }
  });
  return el('div', { class: 'card unapprove' },
    el('h3', {}, 'Hủy phê duyệt'),
    el('p', { class: 'muted' }, 'Sau khi hủy, giáo viên sửa được điểm của lớp trong học kì này; bước nào có dữ liệu thay đổi '
      + 'phải ký lại, rồi Hiệu trưởng phê duyệt lại. Việc hủy được ghi vào nhật ký kèm lý do.'),
    form);
}

async function board(cls) {
  const data = await get('/api/approvals/board', { class: cls, term });
  const c = data.chain;
  const approved = c.waiting === '';
  const who = { class: 'giáo viên chủ nhiệm lớp', review: 'Phó hiệu trưởng', approve: 'Hiệu trưởng' }[data.step];
  const steps = el('ol', { class: 'chain' },
    el('li', {}, `${STEP_NAMES.subject}: ${c.confirmed}/${c.subjects.length} môn`),
    ...['homeroom', 'review', 'approve'].map((k, i) => el('li', {}, `${STEP_NAMES[['class', 'review', 'approve'][i]]}: `, signature(c[k]))));
  const box = el('div', { class: 'card', id: 'board-card', 'data-class': cls, 'data-step': data.step, 'data-approved': String(approved) },
    el('h2', {}, `Bảng tổng hợp lớp ${cls}, ${TERM_NAMES[term]}`),
    el('div', { class: 'controls no-print' },
      printButton('print-approval-board', 'In bảng tổng hợp (PDF)', '/api/print/board', () => ({ class: cls, term }))),
    steps,
    approved
      ? el('p', { class: 'signed' }, `Đã được Hiệu trưởng phê duyệt. Mã băm đã ký: `, el('code', { id: 'board-digest' }, data.digest))
      : el('div', { class: 'instructions' },
        el('p', {}, `Bước tiếp theo: ${STEP_NAMES[data.step]}. Bảng dưới đây đúng là nội dung ${who} sẽ ký, mã băm `,
          el('code', { id: 'board-digest' }, data.digest), '.'),
        el('p', { id: 'sign-instructions' }, `Ký trên máy của thầy/cô: Sổ điểm → Ký duyệt, chọn lớp ${cls}, ${TERM_NAMES[term]}, `
          + `bước “${STEP_NAMES[data.step]}”, rồi nhập mật khẩu khóa ký số. Mã băm hiện trên máy khi ký phải trùng với mã băm ở trên; `
          + 'nếu khác, dữ liệu trên máy chưa được đồng bộ.')),
    data.complete ? null : el('div', { class: 'missing', role: 'alert' },
      el('p', {}, el('strong', {}, `Còn ${data.missing.length} ô bắt buộc chưa có điểm hoặc đánh giá: chưa bước nào ký được.`)),
      el('ul', {}, data.missing.slice(0, 40).map((m) => el('li', {}, `${m.name} (${m.student}) — ${m.subject} ${m.column}`)),
        data.missing.length > 40 ? el('li', {}, `… và ${data.missing.length - 40} ô khác`) : null)),
    data.year_board ? yearBoardTable(data.year_board) : null,
    boardTables(data.lines, data.order),
    el('details', { class: 'document' }, el('summary', {}, 'Văn bản được ký (đầy đủ)'), el('pre', {}, data.document)),
    approved && data.may_unapprove ? unapproveForm(cls) : null);
  document.getElementById('approval-board').replaceChildren(box);
  box.scrollIntoView({ block: 'start' });
}
