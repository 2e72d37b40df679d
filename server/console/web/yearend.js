// Cuối năm: what the CLI lists at the end of the year, for the principal and
// vice principals, without a shell — the required cells still empty that keep
// each class's board from being signed (the cells `sodiem board` names), the
// outcome, re-test, summer-training and award lists of the school and of each
// class, and each class's students (`sodiem-server outcomes`, the same
// server functions). Printable (the browser's print: the page's own print
// style hides the navigation and buttons). The server checks the role.
import { get } from './api.js';
import { el, failed, setMain } from './dom.js';

let term = 'HK2';
let onlyClass = '';
// The cells named per class (the server sends the first 200; the count and
// the count per subject say the rest).
const SHOWN = 12;

const GROUPS = [
  ['outcome', 'Kết quả xét lên lớp'],
  ['final', 'Sau kiểm tra lại, rèn luyện trong hè'],
  ['award', 'Khen thưởng'],
  ['result', 'Kết quả giáo dục (tiểu học)'],
];

function listTables(lists, withClass, id) {
  const out = [];
  for (const [group, title] of GROUPS) {
    for (const [name, people] of Object.entries(lists[group] || {})) {
      if (!people.length) continue;
      out.push(el('div', { class: 'table-wrap year-list', 'data-group': group, 'data-list': name },
        el('table', {},
          el('caption', {}, `${title}: ${name} (${people.length})`),
          el('thead', {}, el('tr', {}, el('th', {}, 'STT'), withClass ? el('th', {}, 'Lớp') : null,
            el('th', {}, 'Mã HS'), el('th', {}, 'Họ và tên'))),
          el('tbody', {}, people.map((p, i) => el('tr', { 'data-student': p.student },
            el('td', {}, String(i + 1)), withClass ? el('td', {}, p.class) : null,
            el('td', {}, p.student), el('td', {}, p.name)))))));
    }
  }
  return out.length ? el('div', { id }, out) : el('p', { class: 'muted', id }, 'Chưa có học sinh nào trong các danh sách.');
}

// Each student with a subject to re-test: the subject, its year result, the re-test's result.
function retestTable(classes) {
  const rows = [];
  for (const c of classes) {
    for (const s of c.students) {
      for (const r of s.retests) rows.push({ c, s, r });
    }
  }
  if (!rows.length) return el('p', { class: 'muted', id: 'retest-list' }, 'Không có học sinh nào phải kiểm tra lại.');
  return el('div', { class: 'table-wrap' }, el('table', { id: 'retest-list' },
    el('thead', {}, el('tr', {}, ['STT', 'Lớp', 'Mã HS', 'Họ và tên', 'Môn', 'Cả năm', 'Kiểm tra lại'].map((h) => el('th', {}, h)))),
    el('tbody', {}, rows.map(({ c, s, r }, i) => el('tr', { 'data-student': s.student, 'data-subject': r.subject },
      el('td', {}, String(i + 1)), el('td', {}, c.class), el('td', {}, s.student), el('td', {}, s.name),
      el('td', {}, r.subject), el('td', {}, comma(r.year_result)),
      el('td', {}, r.result === null ? 'Chưa kiểm tra lại' : comma(r.result)))))));
}

function comma(v) {
  return String(v ?? '').replace(/^(\d+)\.(\d)$/, '$1,$2');
}

function studentRow(s, i, primary) {
  const result = primary
    ? [el('td', {}, s.result ?? '—'), el('td', {}, s.completion ?? '')]
    : [el('td', {}, s.learning ?? '—'), el('td', {}, s.conduct ?? '—'), el('td', { class: 'num' }, String(s.absent_sessions)),
      el('td', {}, s.outcome ?? 'Chưa đủ kết quả')];
  return el('tr', { 'data-student': s.student },
    el('td', {}, String(i + 1)), el('td', {}, s.student), el('td', {}, s.name), ...result,
    el('td', {}, s.final), el('td', {}, s.award ?? ''),
    el('td', { class: 'small' }, s.awaiting.length ? s.awaiting.join(', ') : ''));
}

function classSection(c) {
  const head = c.primary
    ? ['STT', 'Mã HS', 'Họ và tên', 'Kết quả giáo dục', 'Hoàn thành chương trình', 'Sau cùng', 'Khen thưởng', 'Còn chờ']
    : ['STT', 'Mã HS', 'Họ và tên', 'Học tập', 'Rèn luyện', 'Nghỉ (buổi)', 'Xét lên lớp', 'Sau cùng', 'Khen thưởng', 'Còn chờ'];
  return el('section', { class: 'card year-class', 'data-class': c.class, 'data-approved': String(c.approved) },
    el('h3', {}, `Lớp ${c.class}${c.primary ? ' (tiểu học)' : ''}`),
    c.approved ? el('p', { class: 'signed' }, 'Đã phê duyệt kết quả cả năm.')
      : el('p', { class: 'error-text' }, 'Chưa phê duyệt kết quả cả năm: kết quả dưới đây là tạm tính.'),
    el('div', { class: 'table-wrap' }, el('table', {},
      el('thead', {}, el('tr', {}, head.map((h) => el('th', {}, h)))),
      el('tbody', {}, c.students.map((s, i) => studentRow(s, i, c.primary))))),
    listTables(c.lists, false, `lists-${c.class}`));
}

function missingSection(missing) {
  const blocked = missing.filter((m) => m.count > 0);
  const termName = term === 'HK1' ? 'học kì I' : 'cả năm (học kì II)';
  if (!blocked.length) {
    return el('p', { class: 'signed', id: 'missing-none' }, `Mọi lớp đã đủ các ô bắt buộc của bảng tổng hợp ${termName}.`);
  }
  return el('div', { id: 'missing-list' },
    el('p', {}, `${blocked.length} lớp còn ô bắt buộc chưa có điểm hoặc đánh giá: bảng tổng hợp ${termName} của các lớp này chưa ký được.`),
    blocked.map((m) => el('div', { class: 'missing', 'data-class': m.class },
      el('strong', {}, `Lớp ${m.class}: còn ${m.count} ô`),
      el('div', { class: 'small by-subject' },
        Object.entries(m.by_subject).map(([subject, n]) => `${subject}: ${n}`).join(' · ')),
      el('ul', {}, m.cells.slice(0, SHOWN).map((x) => el('li', {}, `${x.name} (${x.student}) — ${x.subject} ${x.column}`)),
        m.count > SHOWN ? el('li', {}, `… và ${m.count - Math.min(SHOWN, m.cells.length)} ô khác`) : null))));
}

export async function show() {
  const data = await get('/api/yearend', onlyClass ? { term, class: onlyClass } : { term });
  const o = data.outcomes;
  const termSelect = el('select', { id: 'yearend-term' },
    el('option', { value: 'HK2', selected: term === 'HK2' }, 'Cả năm (học kì II)'),
    el('option', { value: 'HK1', selected: term === 'HK1' }, 'Học kì I'));
  termSelect.addEventListener('change', () => { term = termSelect.value; show().catch(failed); });
  const classSelect = el('select', { id: 'yearend-class' },
    el('option', { value: '' }, 'Toàn trường'),
    data.missing.map((m) => el('option', { value: m.class, selected: m.class === onlyClass }, `Lớp ${m.class}`)));
  classSelect.addEventListener('change', () => { onlyClass = classSelect.value; show().catch(failed); });
  const printButton = el('button', { type: 'button', id: 'yearend-print', class: 'no-print', onclick: () => window.print() }, 'In trang này');
  setMain(
    el('h1', {}, `Cuối năm học ${o.year}${onlyClass ? ` — lớp ${onlyClass}` : ''}`),
    el('div', { class: 'controls no-print' },
      el('label', { for: 'yearend-term' }, 'Bảng tổng hợp'), termSelect,
      el('label', { for: 'yearend-class' }, 'Phạm vi'), classSelect, printButton),
    el('section', { class: 'card' }, el('h2', {}, 'Ô còn thiếu: chặn việc ký bảng tổng hợp'), missingSection(data.missing)),
    el('section', { class: 'card' }, el('h2', {}, 'Danh sách toàn trường (các lớp đã phê duyệt)'),
      listTables(o.school.lists, true, 'school-lists')),
    el('section', { class: 'card' }, el('h2', {}, 'Học sinh kiểm tra lại'), retestTable(o.classes)),
    el('h2', {}, 'Từng lớp'),
    o.classes.length ? o.classes.map(classSection) : el('p', {}, 'Năm học này chưa có lớp nào.'));
}
