// Homeroom screens: the landing (→ the homeroom grid of conduct, or a
// primary class's qualities and competences, and comments), attendance per
// month (P/K per school day, or per session for a class taught in two
// sessions a day) and the class summary board (read-only: each student's
// results, the year's outcomes and awards, what the class-level signature
// still lacks). Called by app.js's router.
import * as api from './api.js';
import { Grid, perf } from './grid.js';
import { HOMEROOM_SUBJECT, homeroomTabs, quietRefresher, READ_ONLY_KEYS, readOnlyNote } from './screens.js';
import { columnVN, currentMonth, dateVN, h, monthVN, shiftMonth, TERM_NAMES, weekdayVN } from './util.js';

function homeroomClass(ctx, p) {
  const mine = (ctx.session.assignments || []).filter((a) => a.homeroom).map((a) => a.class);
  const asked = p.get('class');
  if (asked) return asked;
  if (!mine.length) throw new Error('Tài khoản này không chủ nhiệm lớp nào.');
  return mine[0];
}

export async function showHomeroom(ctx, main, p) {
  const cls = homeroomClass(ctx, p);
  ctx.go({ class: cls, subject: HOMEROOM_SUBJECT }, { replace: true });
  return {};
}

// The Monday of a date's week, as "dd/mm" (attendance columns are grouped by week).
function weekOf(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  const back = (t.getUTCDay() + 6) % 7;
  t.setUTCDate(t.getUTCDate() - back);
  return `Tuần từ ${String(t.getUTCDate()).padStart(2, '0')}/${String(t.getUTCMonth() + 1).padStart(2, '0')}`;
}

// One column a day, or two (sáng, chiều) for a class taught in two sessions;
// a day a lock covers (data.locks: the ui's lock_for, as for marks) greyed
// with the lock's reason. Then the counts.
function attendanceColumns(data) {
  const SESSIONS = [['S', 'sáng'], ['C', 'chiều']];
  const locks = data.locks || {};
  const columns = (data.days || []).flatMap((d) => (data.sessions === 2 ? SESSIONS : [['', '']]).map(([s, name]) => {
    const id = `CC.${d}${s ? '.' + s : ''}`;
    const title = `${weekdayVN(d)}, ${dateVN(d)}${name ? ', buổi ' + name : ''}`;
    const lock = locks[id] || null;
    return {
      key: id, id, label: s ? `${weekdayVN(d)} ${d.slice(8)}\n${s}` : `${weekdayVN(d)}\n${d.slice(8)}`, group: weekOf(d),
      type: 'attendance', editable: true, title: lock ? `${title} — đã khóa: ${lock.reason || lock.code}` : title, lock,
    };
  }));
  const perWeek = new Map();
  for (const c of columns) perWeek.set(c.group, (perWeek.get(c.group) || 0) + 1);
  const narrow = data.sessions === 2 ? 5 : 3;
  for (const c of columns) if (perWeek.get(c.group) < narrow) c.group = c.group.replace('Tuần từ ', '');
  columns.push({ key: 'count:P', count: 'P', label: 'P', group: 'Số buổi vắng', type: 'count', editable: false, title: 'Vắng có phép' },
    { key: 'count:K', count: 'K', label: 'K', group: 'Số buổi vắng', type: 'count', editable: false, title: 'Vắng không phép' });
  return columns;
}

export async function showAttendance(ctx, main, p) {
  const cls = homeroomClass(ctx, p);
  const month = /^\d{4}-\d{2}$/.test(p.get('month') || '') ? p.get('month') : currentMonth();
  const t0 = performance.now();
  const data = await api.get('/api/attendance', { class: cls, month });
  ctx.sync({ view: 'attendance', class: cls, month });
  document.title = `Điểm danh ${cls} — Sổ điểm`;
  const columns = attendanceColumns(data);
  const host = h('div.grid-host');
  const goMonth = (m) => ctx.go({ view: 'attendance', class: cls, month: m }, { replace: true });
  main.append(h('section.sheet', {},
    h('div.sheet-head', {}, h('h1', {}, `Điểm danh — lớp ${cls}`),
      h('div.tools.month', {},
        h('button', { type: 'button', 'data-month': 'prev', onclick: () => goMonth(shiftMonth(month, -1)) }, '‹ Tháng trước'),
        h('strong.month-name', {}, monthVN(month)),
        h('button', { type: 'button', 'data-month': 'next', onclick: () => goMonth(shiftMonth(month, 1)) }, 'Tháng sau ›'))),
    homeroomTabs(ctx, cls, 'attendance'),
    h('div.sheet-sub', {},
      h('span.keys', {}, `${data.sessions === 2 ? 'Điểm danh theo buổi (S: sáng, C: chiều) · ' : ''}${readOnlyNote(ctx)
        ? READ_ONLY_KEYS
        : 'Bấm vào ô hoặc dấu cách để đổi: trống → P (vắng có phép) → K (vắng không phép) → trống · gõ P hoặc K · Delete: xóa'}`)),
    columns.length > 2 ? host : h('p.none', {}, 'Tháng này không có ngày học.')));
  if (columns.length <= 2) return {};
  const grid = new Grid(host, {
    cls, subject: HOMEROOM_SUBJECT, columns, students: data.students || [], mode: 'attendance', onStatus: ctx.setStatus,
    readOnly: readOnlyNote(ctx),
  });
  grid.select(0, 0);
  grid.focus();
  perf.grids.push({ attendance: true, total_ms: performance.now() - t0 });
  main.dataset.ready = 'attendance';
  const refresh = quietRefresher(grid, () => api.get('/api/attendance', { class: cls, month }), attendanceColumns);
  return { refresh, dispose: refresh.dispose, grid };
}

// "HK1.TX1" → "TX1" in a table whose term is known; other names as they are.
const SHORT = { GK: 'GK', CK: 'CK', NX: 'Nhận xét', RL: 'Rèn luyện', NXCN: 'Nhận xét GVCN' };
function shortColumn(c) {
  const m = /^HK[12]\.(.+)$/.exec(c);
  return m ? SHORT[m[1]] || m[1] : c;
}

// Board lines [{section?, student, name, column, value}] → one row per
// student, one column per (section, column), sections as a header row.
export function pivot(lines) {
  const columns = [], seen = new Set(), rows = new Map();
  for (const l of lines) {
    const key = `${l.section ?? ''}\u0001${l.column}`;
    if (!seen.has(key)) { seen.add(key); columns.push({ key, section: l.section ?? '', column: l.column }); }
    if (!rows.has(l.student)) rows.set(l.student, { student: l.student, name: l.name, values: {} });
    rows.get(l.student).values[key] = l.value;
  }
  return { columns, rows: [...rows.values()] };
}

const shownValue = (v) => String(v ?? '').replace(/^(\d+)\.(\d)$/, '$1,$2');

// Book order of a term's columns: TX1…TXn, GK, CK, then the rest.
export function bookOrder(a, b) {
  const rank = (c) => {
    const m = /^HK[12]\.(TX(\d+)|GK|CK|NX)$/.exec(c.column);
    if (!m) return 1000;
    return m[2] ? Number(m[2]) : { GK: 100, CK: 101, NX: 102 }[m[1]];
  };
  return rank(a) - rank(b);
}

export function pivotTable(lines, extra = null) {
  const { columns, rows } = pivot(lines);
  if (extra?.order) columns.sort(extra.order);
  const extraCols = extra ? extra.columns : [];
  const sections = columns.some((c) => c.section);
  const groupRow = [];
  if (sections) {
    for (let i = 0; i < columns.length;) {
      let j = i;
      while (j < columns.length && columns[j].section === columns[i].section) j++;
      groupRow.push(h('th.grp', { colspan: String(j - i) }, columns[i].section));
      i = j;
    }
  }
  const fixed = (label) => h('th', sections ? { rowspan: '2' } : {}, label);
  return h('div.table-scroll', {}, h('table.list.board', {},
    h('thead', {},
      h('tr', {}, fixed('STT'), fixed('Họ và tên'), fixed('Mã HS'),
        ...(sections ? groupRow : columns.map((c) => h('th', { title: columnVN(c.column) }, shortColumn(c.column)))),
        ...extraCols.map((c) => fixed(c))),
      sections ? h('tr', {}, ...columns.map((c) => h('th', { title: columnVN(c.column) }, shortColumn(c.column)))) : null),
    h('tbody', {}, ...rows.map((r, i) => h('tr', { 'data-student': r.student },
      h('td.num', {}, i + 1), h('th', { scope: 'row' }, r.name || ''), h('td', {}, r.student),
      ...columns.map((c) => h('td', { 'data-column': c.column, 'data-section': c.section }, shownValue(r.values[c.key]))),
      ...extraCols.map((c) => h('td.result', {}, extra.value(r.student, c))))))));
}

// Board columns that carry the year's outcomes and awards (summary_board:
// THCS/THPT; primary_board: Tiểu học).
const OUTCOME_COLUMNS = new Set(['Lên lớp', 'Danh hiệu', 'Kết quả giáo dục', 'Hoàn thành chương trình', 'Khen thưởng']);
const BOARD_TERMS = ['HK1', 'HK2', 'CN'];
const NAMED_PER_SUBJECT = 12;
const OPEN_UP_TO = 24;  // missing cells shown unfolded

// What the class-level signature still lacks, per subject (the teacher to
// ask): its count and the cells, named.
// A board of the user's own subjects only (the device does not hold the
// whole class) or of an archived year's copy: said first, never signable.
export function boardNotices(data) {
  const out = [];
  if (data.archived_year) {
    out.push(h('p.board-archived', { role: 'note', 'data-archived': data.archived_year },
      `Đây là bản lưu của năm học ${data.archived_year}: năm học đã kết thúc và được lưu trữ, chỉ để xem; không thể ký xác nhận gì ở đây.`));
  }
  if (data.whole_class === false) {
    const subjects = data.subjects || [];
    out.push(h('p.board-partial', { role: 'note', 'data-partial': 'true' },
      `Bảng này chỉ gồm các môn của bạn${subjects.length ? ` (${subjects.join(', ')})` : ''}, không phải cả lớp ${data.class}: ` +
      'các môn khác, hạnh kiểm và kết quả chung không có trên máy này. Bảng tổng hợp cả lớp do giáo viên chủ nhiệm xem và ký xác nhận.'));
  }
  return out;
}

// The line said when nothing required is missing.
export function completeLine(data) {
  if (data.whole_class === false) return h('p.ready', { 'data-complete': 'false' }, 'Các môn của bạn đã đủ điểm và đánh giá bắt buộc.');
  return data.signable
    ? h('p.ready', { 'data-complete': 'true' }, 'Đã đủ điểm và đánh giá bắt buộc: bảng này có thể được ký xác nhận.')
    : h('p.ready', { 'data-complete': 'true' }, 'Đã đủ điểm và đánh giá bắt buộc.');
}

export function missingPanel(missing, names, term, data = {}) {
  const bySubject = new Map();
  for (const m of missing) {
    if (!bySubject.has(m.subject)) bySubject.set(m.subject, []);
    bySubject.get(m.subject).push(m);
  }
  const perSubject = (open) => [...bySubject].map(([subject, cells]) => h('details.missing-subject', { 'data-subject': subject, open },
    h('summary', {}, subject === HOMEROOM_SUBJECT ? 'Giáo viên chủ nhiệm' : `Môn ${subject}`, ` — ${cells.length} ô`),
    h('ul', {}, ...cells.slice(0, NAMED_PER_SUBJECT).map((m) =>
      h('li', { 'data-student': m.student, 'data-column': m.column }, `${names.get(m.student) || m.student} (${m.student}) — ${columnVN(m.column)}`)),
    cells.length > NAMED_PER_SUBJECT ? h('li', {}, `… và ${cells.length - NAMED_PER_SUBJECT} ô khác`) : null)));
  // A closed year's copy (data.archived_year: the store's archived_year, as
  // its note above says): nothing can be filled any more, so the empty cells
  // are information, folded, not a warning to act on.
  if (data.archived_year) {
    return h('details.missing-archived', { role: 'note', 'data-missing': String(missing.length), 'data-archived': data.archived_year },
      h('summary', {}, `Năm học ${data.archived_year} đã đóng: còn ${missing.length} ô trống`,
        term === 'HK1' ? '' : ' (cả hai học kì)', ' — bấm để xem'),
      ...perSubject(false));
  }
  return h('div.missing', { role: 'alert', 'data-missing': String(missing.length) },
    h('p', {}, h('strong', {}, `${data.whole_class === false ? 'Các môn của bạn còn' : 'Chưa thể ký xác nhận: còn'} ${missing.length} ô bắt buộc chưa có điểm hoặc đánh giá`),
      term === 'HK1' ? '.' : ' (cả hai học kì).'),
    // Folded per subject when many (the results table stays in view); a click opens one.
    ...perSubject(missing.length <= OPEN_UP_TO));
}

// One row per student, one column per board column (board order), the
// outcome columns marked.
export function resultsTable(data) {
  const columns = data.columns || [];
  const outcome = (c) => (OUTCOME_COLUMNS.has(c) ? 'outcome' : null);
  return h('div.table-scroll', {}, h('table.list.board', {},
    h('thead', {}, h('tr', {}, h('th', {}, 'STT'), h('th', {}, 'Họ và tên'), h('th', {}, 'Mã HS'),
      ...columns.map((c) => h('th', { class: outcome(c) }, c)))),
    h('tbody', {}, ...(data.students || []).map((s, i) => h('tr', { 'data-student': s.student },
      h('td.num', {}, i + 1), h('th', { scope: 'row' }, s.name || ''), h('td', {}, s.student),
      ...columns.map((c) => {
        const v = s.results?.[c] ?? '';
        const pending = /^chưa /.test(v);
        return h('td', { 'data-column': c, class: [outcome(c), pending ? 'pending' : null].filter(Boolean).join(' ') || null },
          shownValue(v));
      }))))));
}

// A primary class's totals: each column → each value → how many students.
function totalsTable(totals) {
  return h('div.table-scroll', {}, h('table.list.totals', {},
    h('thead', {}, h('tr', {}, h('th', {}, 'Nội dung'), h('th', {}, 'Số học sinh'))),
    h('tbody', {}, ...Object.entries(totals).map(([column, counts]) => h('tr', { 'data-column': column },
      h('th', { scope: 'row', class: OUTCOME_COLUMNS.has(column) ? 'outcome' : null }, column),
      h('td', {}, Object.entries(counts).map(([value, n]) => `${value}: ${n}`).join(' · ')))))));
}

export async function showBoard(ctx, main, p) {
  const cls = homeroomClass(ctx, p);
  const term = BOARD_TERMS.includes(p.get('term')) ? p.get('term') : 'HK1';
  // What `sodiem board CLASS TERM --json` prints.
  const data = await api.get('/api/board', { class: cls, term });
  ctx.sync({ view: 'board', class: cls, term });
  document.title = `Bảng tổng hợp ${cls} — Sổ điểm`;
  const pick = h('select', { 'aria-label': 'Học kì' }, ...BOARD_TERMS.map((k) =>
    h('option', { value: k, selected: k === term }, TERM_NAMES[k])));
  pick.addEventListener('change', () => ctx.go({ view: 'board', class: cls, term: pick.value }, { replace: true }));
  const students = data.students || [];
  const names = new Map(students.map((s) => [s.student, s.name]));
  const missing = data.missing || [];
  main.append(h('section.sheet', {},
    h('div.sheet-head', {}, h('h1', {}, `Bảng tổng hợp kết quả — lớp ${cls}`),
      h('div.tools', {}, pick, h('button', { type: 'button', onclick: () => window.print() }, 'In'))),
    homeroomTabs(ctx, cls, 'board'),
    h('p.hint', {}, `${TERM_NAMES[term]}${data.primary ? ' · Tiểu học (Thông tư 27/2020)' : ''} · Chỉ để xem: tính từ các ô đã có trên máy này (sau lần đồng bộ gần nhất).`,
      term === 'CN' ? ' Kết quả cả năm, lên lớp và khen thưởng; kiểm tra lại và rèn luyện trong hè do nhà trường ghi.' : ''),
    ...boardNotices(data),
    missing.length ? missingPanel(missing, names, term, data) : completeLine(data),
    students.length && (data.columns || []).length ? resultsTable(data) : h('p.none', {}, 'Chưa có dữ liệu cho học kì này.'),
    data.primary && data.totals && Object.keys(data.totals).length
      ? h('section.board-totals', {}, h('h2', {}, 'Tổng hợp cả lớp'), totalsTable(data.totals)) : null));
  main.dataset.ready = 'board';
  return {};
}
