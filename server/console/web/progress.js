// Tiến độ: per class × subject, how many required cells are filled (table
// and bar chart), and a class × subject grade book, read-only, on a click.
// Print buttons: the grade book, the class board and a student's
// transcript as PDF, made by the server as `sodiem-server print` makes them.
import { get } from './api.js';
import { dateVN, el, failed, setMain } from './dom.js';
import { printButton } from './print.js';

let term = 'HK1';

function bar(filled, required) {
  const pct = required ? Math.round((100 * filled) / required) : 100;
  const inner = el('span');
  inner.style.width = `${pct}%`;  // CSSOM, not an inline style attribute: allowed by the CSP
  return el('div', { class: `bar${pct >= 100 ? ' full' : ''}`, role: 'img', 'aria-label': `${pct}%` }, inner);
}

function percent(filled, required) {
  return required ? `${Math.round((100 * filled) / required)}%` : '—';
}

export async function show() {
  const data = await get('/api/progress', { term });
  const select = el('select', { id: 'term' },
    el('option', { value: 'HK1', selected: term === 'HK1' }, 'Học kì I'),
    el('option', { value: 'HK2', selected: term === 'HK2' }, 'Học kì II'));
  select.addEventListener('change', () => { term = select.value; show().catch(failed); });

  // The chart: one bar per class (all its subjects together).
  const byClass = new Map();
  for (const r of data.rows) {
    const c = byClass.get(r.class) || { filled: 0, required: 0 };
    c.filled += r.filled;
    c.required += r.required;
    byClass.set(r.class, c);
  }
  const chart = el('div', { class: 'chart', id: 'progress-chart' });
  for (const [name, c] of byClass) chart.append(el('span', {}, `Lớp ${name}`), bar(c.filled, c.required), el('span', { class: 'num' }, percent(c.filled, c.required)));
  const boardClass = el('select', { id: 'board-class', 'aria-label': 'Lớp' }, [...byClass.keys()].map((name) => el('option', { value: name }, name)));
  const boardPrint = byClass.size ? el('div', { class: 'controls no-print' }, el('label', { for: 'board-class' }, 'Bảng tổng hợp của lớp'), boardClass,
    printButton('print-board', 'In bảng tổng hợp (PDF)', '/api/print/board', () => ({ class: boardClass.value, term }))) : null;

  const rows = data.rows.map((r) => el('tr', { class: r.required && r.filled >= r.required ? 'done' : '' },
    el('td', {}, r.class),
    el('td', {}, el('a', { href: '#progress', class: 'link', onclick: (ev) => { ev.preventDefault(); book(r.class, r.subject).catch(failed); } }, r.subject)),
    el('td', {}, r.teachers),
    el('td', { class: 'num' }, `${r.filled}/${r.required}`),
    el('td', {}, bar(r.filled, r.required)),
    el('td', { class: 'num' }, percent(r.filled, r.required))));
  setMain(
    el('h1', {}, 'Tiến độ cập nhật điểm'),
    el('div', { class: 'controls' }, el('label', { for: 'term' }, 'Học kì'), select,
      el('span', { class: 'muted' }, data.deadline ? `Hạn nhập điểm: ${dateVN(data.deadline)}` : ''),
      el('span', { class: 'muted' }, 'Bấm tên môn để xem sổ điểm (chỉ xem).')),
    el('div', { id: 'book' }),
    el('div', { class: 'card' }, el('h2', {}, 'Theo lớp'), chart, boardPrint),
    el('div', { class: 'card table-wrap' },
      el('h2', {}, 'Theo lớp và môn'),
      data.rows.length ? el('table', { id: 'progress-table' },
        el('thead', {}, el('tr', {}, ['Lớp', 'Môn', 'Giáo viên', 'Đã nhập', 'Tiến độ', '%'].map((h) => el('th', {}, h)))),
        el('tbody', {}, rows)) : el('p', {}, 'Không có lớp và môn nào bạn được xem.')));
}

async function book(cls, subject) {
  const data = await get('/api/gradebook', { class: cls, subject, term });
  const head = el('tr', {}, el('th', {}, 'Mã HS'), el('th', {}, 'Họ và tên'),
    data.columns.map((c) => el('th', {}, c.replace(/^HK\d\./, ''))), el('th', {}, 'Kết quả'));
  const body = data.students.map((s) => el('tr', {},
    el('td', {}, s.code), el('td', {}, s.name),
    data.columns.map((c) => el('td', { class: 'num' }, (s.values[c] ?? '').replace('.', ','))),
    el('td', { class: 'num' }, (s.result ?? '').replace('.', ','))));
  const box = document.getElementById('book');
  const close = el('button', { type: 'button', id: 'book-close' }, 'Đóng');
  const spread = distribution(data.students.map((s) => s.result).filter((r) => r !== null && r !== undefined));
  close.addEventListener('click', () => box.replaceChildren());
  const student = el('select', { id: 'transcript-student', 'aria-label': 'Học sinh' },
    data.students.map((s) => el('option', { value: s.code }, `${s.code} — ${s.name}`)));
  const prints = el('div', { class: 'controls no-print' },
    printButton('print-gradebook', 'In sổ theo dõi (PDF)', '/api/print/gradebook', () => ({ class: data.class, subject: data.subject, term: data.term })),
    printButton('print-class-board', `In bảng tổng hợp lớp ${data.class} (PDF)`, '/api/print/board', () => ({ class: data.class, term: data.term })),
    data.students.length ? [student, printButton('print-transcript', 'In học bạ (PDF)', '/api/print/transcript', () => ({ class: data.class, student: student.value }))] : null);
  box.replaceChildren(el('div', { class: 'card table-wrap', id: 'gradebook' },
    el('div', { class: 'controls' },
      el('h2', {}, `Sổ điểm môn ${data.subject} lớp ${data.class} — ${data.term === 'HK1' ? 'Học kì I' : 'Học kì II'} (chỉ xem)`), close),
    prints,
    el('table', {}, el('thead', {}, head), el('tbody', {}, body)),
    el('h2', {}, 'Phổ điểm trung bình học kì'), spread));
  box.scrollIntoView({ block: 'start' });
}

// Phổ điểm: the students' term results (the server's, from complete books)
// by band; Đ / CĐ for a subject assessed by comment.
const BANDS = [['Dưới 3,5', 0, 3.5], ['3,5 – dưới 5', 3.5, 5], ['5 – dưới 6,5', 5, 6.5], ['6,5 – dưới 8', 6.5, 8], ['8 – 10', 8, 10.01]];
function distribution(results) {
  if (!results.length) return el('p', { class: 'muted', id: 'spread' }, 'Chưa học sinh nào có đủ điểm để tính trung bình học kì.');
  const counts = [];
  if (results.every((r) => r === 'Đ' || r === 'CĐ')) {
    for (const label of ['Đ', 'CĐ']) counts.push([label, results.filter((r) => r === label).length]);
  } else {
    for (const [label, lo, hi] of BANDS) counts.push([label, results.filter((r) => Number(r) >= lo && Number(r) < hi).length]);
  }
  const chart = el('div', { class: 'chart', id: 'spread' });
  for (const [label, n] of counts) chart.append(el('span', {}, label), bar(n, results.length), el('span', { class: 'num' }, `${n} HS`));
  return chart;
}
