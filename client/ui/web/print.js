// The printed subject book (sổ theo dõi và đánh giá học sinh) of one class ×
// subject × term, from the same /api/grid the grid shows: school header,
// class, subject, term, teacher, STT and full names in the class list's
// (Vietnamese) order, the term's marks and averages, signature lines. On
// screen a sheet of paper under a small tool bar; printed (window.print(),
// or "Lưu dưới dạng PDF") A4 with nothing of the app (app.css @media print).
// Called by app.js's router for ?view=print&class=6A&subject=Toán&term=HK1.
import * as api from './api.js';
import { comma, h, TERM_NAMES } from './util.js';

const TERMS = ['HK1', 'HK2', 'CN'];
// Columns a sheet of A4 holds upright beside STT and name; more go landscape.
const PORTRAIT_COLUMNS = 10;
const UNSENT = new Set(['local', 'refused', 'conflict']);

// The grid's columns a term's page prints: HK1 and HK2 their own columns
// (marks, averages, comments); CN the year's summary (each term's result and
// the year's, as the book's last page).
export function printColumns(columns, term) {
  if (term === 'CN') {
    return columns.filter((c) => c.type === 'average' || ((c.type === 'rating' || c.type === 'test') && /\.(CK|KTCK)$/.test(c.id || '')));
  }
  return columns.filter((c) => c.term === term && !(c.type === 'average' && c.average !== term));
}

// The term a teacher is most likely printing: HK2 once any HK2 cell holds a value.
export function likelyTerm(data) {
  const hk2 = (data.columns || []).filter((c) => c.term === 'HK2' && c.id).map((c) => c.id);
  return (data.students || []).some((s) => hk2.some((id) => s.cells?.[id]?.value)) ? 'HK2' : 'HK1';
}

const today = () => {
  const d = new Date();
  return { d: d.getDate(), m: d.getMonth() + 1, y: d.getFullYear() };
};

function cellText(student, col) {
  if (col.type === 'average') return comma(student.averages?.[col.average] ?? '');
  const v = student.cells?.[col.id]?.value ?? '';
  return col.type === 'mark' || col.type === 'test' ? comma(v) : String(v);
}

function bookTable(data, cols) {
  const groups = [];
  for (const c of cols) {
    const g = c.type === 'average' ? TERM_NAMES[c.average] || c.average : TERM_NAMES[c.term] || c.term;
    if (groups.length && groups[groups.length - 1].name === g) groups[groups.length - 1].span++;
    else groups.push({ name: g, span: 1 });
  }
  const grouped = groups.length > 1 && groups.some((g) => g.span > 1);
  const head = h('thead', {},
    h('tr', {}, h('th.stt', { rowspan: grouped ? '2' : null }, 'STT'), h('th.name', { rowspan: grouped ? '2' : null }, 'Họ và tên'),
      ...(grouped ? groups.map((g) => h('th', { colspan: String(g.span) }, g.name)) : cols.map((c) => h('th', { 'data-col': c.id || c.average }, c.label)))),
    grouped ? h('tr', {}, ...cols.map((c) => h('th', { 'data-col': c.id || c.average }, c.label))) : null);
  const body = h('tbody', {}, ...(data.students || []).map((s) => h('tr', { 'data-student': s.code },
    h('td.stt', {}, String(s.stt)), h('td.name', {}, s.name),
    ...cols.map((c) => h(`td.${c.type}`, { 'data-col': c.id || c.average }, cellText(s, c))))));
  return h('table.book', {}, head, body);
}

function unsentCount(data, cols) {
  let n = 0;
  for (const s of data.students || []) for (const c of cols) if (c.id && UNSENT.has(s.cells?.[c.id]?.state)) n++;
  return n;
}

// The printed document itself (no tool bar).
export function printDoc(ctx, data, term) {
  const s = ctx.session || {};
  const cols = printColumns(data.columns || [], term);
  const homeroom = data.homeroom;
  const t = today();
  const unsent = unsentCount(data, cols);
  return h('article.print-doc', { class: `print-doc${cols.length > PORTRAIT_COLUMNS ? ' wide' : ''}`,
    'data-class': data.class, 'data-subject': data.subject, 'data-term': term },
    h('header.doc-head', {},
      h('div.org', {}, h('div.school', {}, s.school || 'Trường'), h('div.rule')),
      h('div.nation', {}, h('div.caps', {}, 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM'), h('div.motto', {}, 'Độc lập - Tự do - Hạnh phúc'), h('div.rule'))),
    h('h1.doc-title', {}, homeroom ? 'SỔ CHỦ NHIỆM' : 'SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH'),
    h('p.doc-what', {},
      homeroom ? null : h('span', {}, 'Môn học: ', h('b.subject', {}, data.subject)),
      h('span', {}, 'Lớp: ', h('b.class', {}, data.class)),
      h('span', {}, h('b.term', {}, TERM_NAMES[term] || term)),
      s.school_year ? h('span', {}, 'Năm học: ', h('b.year', {}, s.school_year)) : null),
    h('p.doc-teacher', {}, homeroom ? 'Giáo viên chủ nhiệm: ' : 'Giáo viên bộ môn: ', h('b.teacher', {}, s.full_name || s.user || '')),
    bookTable(data, cols),
    h('p.doc-note', {}, `Bản in từ sổ điểm trên máy của giáo viên ngày ${String(t.d).padStart(2, '0')}/${String(t.m).padStart(2, '0')}/${t.y}` +
      (unsent ? `; ${unsent} ô chưa được máy chủ nhận (bản nháp).` : '.') +
      ' Bản chính thức do nhà trường in từ dữ liệu đã ký duyệt.'),
    h('div.signatures', {},
      h('div.sign', {}, h('div.role', {}, homeroom ? 'Giáo viên chủ nhiệm' : 'Giáo viên bộ môn'), h('div.how', {}, '(Ký và ghi rõ họ tên)'),
        h('div.space'), h('div.who', {}, s.full_name || '')),
      h('div.sign', {}, h('div.date', {}, '……………, ngày …… tháng …… năm ……'), h('div.role', {}, 'Hiệu trưởng'),
        h('div.how', {}, '(Ký, ghi rõ họ tên và đóng dấu)'), h('div.space'), h('div.who'))));
}

export async function showPrint(ctx, main, p) {
  const cls = p.get('class'), subject = p.get('subject');
  const data = await api.get('/api/grid', { class: cls, subject });
  const term = TERMS.includes(p.get('term')) ? p.get('term') : likelyTerm(data);
  ctx.sync({ view: 'print', class: cls, subject, term });
  document.title = `Sổ ${subject} lớp ${cls} ${TERM_NAMES[term]} — In`;
  const pick = h('select', { 'aria-label': 'Học kì', onchange: (e) => ctx.go({ view: 'print', class: cls, subject, term: e.target.value }, { replace: true }) },
    ...TERMS.map((t) => h('option', { value: t, selected: t === term }, TERM_NAMES[t])));
  main.append(
    h('div.print-tools', {},
      h('a.button', { href: `/?${new URLSearchParams({ class: cls, subject })}`, 'data-nav': '' }, '← Về bảng điểm'),
      pick,
      h('button.primary', { type: 'button', onclick: () => window.print() }, 'In'),
      h('span.hint', {}, 'Khổ A4; chọn "Lưu dưới dạng PDF" trong hộp thoại in để có tệp PDF.')),
    printDoc(ctx, data, term));
  main.dataset.ready = 'print';
  return {};
}
