// Screens of the page: the class/subject picker, the grade grid screen
// (subject and homeroom grids) and the inbox. Each show*(ctx, main, params)
// fills `main` and returns {refresh, dispose}; called by app.js's router.
import * as api from './api.js';
import { Grid, perf } from './grid.js';
import { comma, columnVN, dateTimeVN, h, TERM_NAMES } from './util.js';

export const HOMEROOM_SUBJECT = 'Chủ nhiệm';

// A closed year's copy (session.archived_year) is read-only: what every
// screen says instead of writing ('' when the store is the live one).
export function readOnlyNote(ctx) {
  const year = ctx.session?.archived_year;
  return year ? `Bản lưu năm học ${year} chỉ để xem: không sửa, không dán và không ký xác nhận được ở đây.` : '';
}

// The key help of a read-only grid (subject, homeroom and attendance grids).
export const READ_ONLY_KEYS = 'Chỉ xem: mũi tên, Tab, Enter để di chuyển · Ctrl+C: chép giá trị một ô';

const gridLink = (cls, subject) => `/?${new URLSearchParams({ class: cls, subject })}`;
const viewLink = (params) => `/?${new URLSearchParams(params)}`;

// ---- picker ----
export async function showPicker(ctx, main) {
  ctx.sync({});
  document.title = 'Sổ điểm';
  const render = () => {
    const as = ctx.session.assignments || [];
    const bySubject = new Map();
    for (const a of as.filter((x) => !x.homeroom)) {
      if (!bySubject.has(a.subject)) bySubject.set(a.subject, []);
      bySubject.get(a.subject).push(a.class);
    }
    const homerooms = as.filter((x) => x.homeroom);
    const waiting = !as.length && !ctx.status?.last_sync;
    main.replaceChildren(h('section.panel.picker', {},
      h('h1', {}, 'Chọn sổ điểm'),
      as.length ? null : h('p', {}, waiting ? 'Đang nhận danh sách lớp từ máy chủ của trường…'
        : 'Tài khoản này chưa được phân công dạy lớp nào.'),
      ...[...bySubject].map(([subject, classes]) => h('div.pick-row', {},
        h('h2', {}, subject),
        h('div.pick-classes', {}, ...classes.map((cls) =>
          h('a.pick', { href: gridLink(cls, subject), 'data-nav': '', 'data-class': cls, 'data-subject': subject },
            h('span.cls', {}, `Lớp ${cls}`), h('span.sub', {}, subject)))))),
      homerooms.length ? h('div.pick-row', {}, h('h2', {}, 'Chủ nhiệm'),
        h('div.pick-classes', {}, ...homerooms.map((a) =>
          h('a.pick', { href: viewLink({ view: 'homeroom', class: a.class }), 'data-nav': '', 'data-class': a.class },
            h('span.cls', {}, `Lớp ${a.class}`), h('span.sub', {}, 'Sổ chủ nhiệm'))))) : null,
      // A closed year's copy: nothing typed nor pasted there, no tip saying otherwise.
      h('p.hint', {}, readOnlyNote(ctx)
        ? 'Mẹo: bản lưu chỉ để xem; trong bảng điểm, dùng phím mũi tên để di chuyển, Ctrl+C để chép giá trị một ô.'
        : 'Mẹo: trong bảng điểm, dùng phím mũi tên để di chuyển, gõ điểm rồi Enter; dán được cả cột điểm chép từ Excel.')));
    main.dataset.ready = 'picker';
  };
  render();
  return {
    eager: !(ctx.session.assignments || []).length,
    // After a sync the assignments may have come (the first one after enrolling).
    async refresh() {
      try { ctx.setSession(await api.get('/api/session')); render(); } catch { /* next time */ }
    },
  };
}

// ---- grid (subject or homeroom) ----
export function toColumns(columns) {
  return columns.map((c) => ({
    key: c.id || `avg:${c.average}`, id: c.id, average: c.average, label: c.label,
    group: TERM_NAMES[c.term] || c.term || '', type: c.type, editable: c.type !== 'average',
    title: c.lock ? `${c.id ? columnVN(c.id) : c.label} — đã khóa: ${c.lock.reason || c.lock.code}` : c.id ? columnVN(c.id) : c.label,
    lock: c.lock || null,
  }));
}

// A primary class (grades 1–5, Thông tư 27): its homeroom book rates
// qualities and competences, not conduct (the session says, per homeroom).
export function primaryHomeroom(ctx, cls) {
  return (ctx.session.assignments || []).some((a) => a.homeroom && a.class === cls && a.primary);
}

export function homeroomTabs(ctx, cls, active) {
  const tab = (view, label) => h('a.tab', { href: viewLink(view === 'grid' ? { class: cls, subject: HOMEROOM_SUBJECT } : { view, class: cls }),
    'data-nav': '', 'data-view': view, class: `tab${active === view ? ' active' : ''}` }, label);
  return h('nav.tabs', { 'aria-label': 'Công việc chủ nhiệm' },
    tab('grid', primaryHomeroom(ctx, cls) ? 'Phẩm chất, năng lực và nhận xét' : 'Rèn luyện và nhận xét'),
    tab('attendance', 'Điểm danh'), tab('board', 'Bảng tổng hợp'));
}

const LEGEND = [['local', 'đã lưu trên máy, chưa gửi'], ['synced', 'đã đồng bộ'], ['refused', 'bị từ chối'],
  ['conflict', 'xung đột'], ['locked', 'đã khóa']];

export function legend() {
  return h('div.legend', { 'aria-hidden': 'true' }, ...LEGEND.map(([s, label]) =>
    h('span.key', {}, h('span.swatch', { 'data-state': s }), label)));
}

export async function showGrid(ctx, main, p) {
  const cls = p.get('class'), subject = p.get('subject');
  const homeroom = subject === HOMEROOM_SUBJECT;
  const t0 = performance.now();
  const data = await api.get('/api/grid', { class: cls, subject });
  const tFetched = performance.now();
  ctx.sync({ class: cls, subject });
  document.title = `${subject} ${cls} — Sổ điểm`;
  const host = h('div.grid-host');
  const readOnly = readOnlyNote(ctx);
  const tools = h('div.tools', {},
    homeroom || readOnly ? null : h('a.button', { href: viewLink({ view: 'sign', class: cls, subject, term: 'HK1' }), 'data-nav': '' }, 'Xác nhận và ký'),
    h('a.button.print', { href: viewLink({ view: 'print', class: cls, subject }), 'data-nav': '', title: 'Bản in khổ A4 của sổ (chọn học kì)' }, 'In'));
  main.append(h('section.sheet', {},
    h('div.sheet-head', {},
      h('h1', {}, homeroom ? `Sổ chủ nhiệm — lớp ${cls}` : `${subject} — lớp ${cls}`),
      tools),
    homeroom ? homeroomTabs(ctx, cls, 'grid') : null,
    h('div.sheet-sub', {}, legend(),
      h('span.keys', {}, readOnly ? READ_ONLY_KEYS
        : 'Enter: lưu và xuống · Tab: sang phải · F2: sửa · Delete: xóa · Esc: bỏ · Ctrl+Z: hoàn tác · Ctrl+V: dán từ Excel')),
    host));
  const grid = new Grid(host, {
    cls, subject, columns: toColumns(data.columns), students: data.students || [], mode: 'subject', readOnly,
    onStatus: ctx.setStatus, onChanged: () => refresh(),
  });
  grid.select(grid.cur.r, grid.cur.c);
  grid.focus();
  perf.grids.push({ fetch_ms: tFetched - t0, build_ms: grid.builtMs, total_ms: performance.now() - t0, since_navigation_ms: performance.now() });
  main.dataset.ready = 'grid';

  const refresh = quietRefresher(grid, () => api.get('/api/grid', { class: cls, subject }));
  return { refresh, dispose: refresh.dispose, grid };
}

// After a sync: fetch again and update the grid in place. Not while the
// teacher types (what was typed is on screen already): the fetch waits for a
// pause of QUIET_MS in the saves, at most MAX_WAIT_MS. A fetch that began
// before a save finished may be older than what the grid shows: try again.
const QUIET_MS = 800;
const MAX_WAIT_MS = 10_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// columnsOf(fresh): the grid's columns from what was fetched (default: the
// grid API's `columns`), so that a lock come with the sync greys its header.
export function quietRefresher(grid, fetchData, columnsOf = null) {
  let alive = true, busy = false, again = false;
  const stamp = () => `${grid.inflight}:${perf.saves.length}`;
  const typing = () => grid.inflight > 0 || performance.now() - grid.lastCommit < QUIET_MS;
  async function refresh() {
    if (!alive) return;
    if (busy) { again = true; return; }
    busy = true;
    try {
      const asked = performance.now();
      while (alive && typing() && performance.now() - asked < MAX_WAIT_MS) await sleep(200);
      for (let tries = 0; tries < 5 && alive; tries++) {
        const before = stamp();
        const fresh = await fetchData();
        if (!alive) break;
        if (before !== stamp()) { await sleep(400); continue; }
        const cols = columnsOf ? columnsOf(fresh) : fresh.columns ? toColumns(fresh.columns) : null;  // a lock may have come with the sync
        const sameCols = !cols || JSON.stringify(cols) === JSON.stringify(grid.cols);
        if (!sameCols && !grid.editing) {
          grid.cols = cols;
          grid.colIndex = new Map(cols.map((c, i) => [c.key, i]));
        }
        if ((!sameCols || !grid.update(fresh.students || [])) && !grid.editing) {
          const { r, c } = grid.cur;
          grid.setStudents(fresh.students || []);
          grid.build();
          grid.select(r, c);
        }
        break;
      }
    } catch { /* the next sync retries */ } finally {
      busy = false;
      if (again && alive) { again = false; refresh(); }
    }
  }
  refresh.dispose = () => { alive = false; };
  return refresh;
}

// ---- inbox ----
const CORRECTION_STATUS = {
  pending: 'Đang chờ duyệt', approved: 'Đã duyệt', rejected: 'Không duyệt', queued: 'Chưa gửi lên máy chủ', sent: 'Đã gửi',
};

export async function showInbox(ctx, main) {
  ctx.sync({ view: 'inbox' });
  document.title = 'Hộp thư — Sổ điểm';
  const body = h('div.inbox');
  const msg = h('p.form-msg', { role: 'status', 'aria-live': 'polite' });
  const readOnly = readOnlyNote(ctx);  // a closed year's copy: nothing asked for nor chosen here
  main.append(h('section.panel.wide', {}, h('h1', {}, 'Hộp thư'),
    readOnly ? h('p.hint', { role: 'note', 'data-read-only': 'true' }, readOnly) : null, msg, body));
  const say = (text, kind = 'ok') => { msg.textContent = text; msg.className = `form-msg ${kind}`; };
  const v = (x) => comma(x) || '(trống)';
  const cellName = (x) => `${x.student_name || x.student} (${x.student}) · ${columnVN(x.column)}`;
  const open = (x) => h('a', { href: gridLink(x.class, x.subject), 'data-nav': '' }, `${x.subject} ${x.class}`);

  async function load() {
    const data = await api.get('/api/inbox');
    const refused = data.refused || [], conflicts = data.conflicts || [], corrections = data.corrections || [];
    const moves = data.moves || [];
    body.replaceChildren(...[
      moves.length ? h('section.moves', {},
        h('h2', {}, `Học sinh chuyển lớp (${moves.length})`),
        h('p.hint', {}, 'Các học sinh này đã chuyển khỏi lớp bạn dạy; điểm đã nhập chuyển theo học sinh sang lớp mới.'),
        h('table.list', {},
          h('thead', {}, h('tr', {}, ...['Học sinh', 'Từ lớp', 'Sang lớp', 'Ngày'].map((t) => h('th', {}, t)))),
          h('tbody', {}, ...moves.map((x) => h('tr', { 'data-kind': 'move', 'data-student': x.student },
            h('td', {}, `${x.student_name || x.student} (${x.student})`), h('td', {}, x.from), h('td', {}, x.to),
            h('td', {}, dateTimeVN(x.at))))))) : null,
      h('h2', {}, `Thay đổi bị từ chối (${refused.length})`),
      refused.length ? h('table.list', {},
        h('thead', {}, h('tr', {}, ...['Sổ', 'Ô', 'Bạn nhập', 'Lý do', 'Trên máy chủ', ''].map((t) => h('th', {}, t)))),
        h('tbody', {}, ...refused.map((x) => {
          const act = h('td.act');
          if (x.can_request_correction) {
            act.append(h('button', { type: 'button', onclick: () => askCorrection(x, act) }, 'Xin điều chỉnh'));
          } else if (x.correction_requested) {
            act.append(h('span.done', {}, 'Đã xin điều chỉnh'));
          }
          return h('tr', { 'data-kind': 'refused', 'data-seq': x.seq, 'data-student': x.student, 'data-column': x.column },
            h('td', {}, open(x)), h('td', {}, cellName(x)), h('td.num', {}, v(x.value)),
            h('td.reason', {}, x.reason || x.code || ''), h('td.num', {}, v(x.server_value)), act);
        }))) : h('p.none', {}, 'Không có thay đổi nào bị từ chối.'),
      h('h2', {}, `${readOnly ? 'Xung đột' : 'Xung đột cần chọn'} (${conflicts.length})`),  // nothing is chosen on a copy
      conflicts.length ? h('table.list', {},
        h('thead', {}, h('tr', {}, ...['Sổ', 'Ô', 'Giá trị hiện tại', 'Giá trị kia', ''].map((t) => h('th', {}, t)))),
        h('tbody', {}, ...conflicts.map((x) => h('tr', { 'data-kind': 'conflict', 'data-student': x.student, 'data-column': x.column },
          h('td', {}, open(x)), h('td', {}, cellName(x)),
          h('td', {}, h('span.val', {}, v(x.current)), ' ', h('span.who', {}, x.current_author || ''), ' ',
            readOnly ? null : h('button', { type: 'button', 'data-choose': 'current', onclick: () => resolve(x, x.current) }, 'Giữ')),
          h('td', {}, h('span.val', {}, v(x.other)), ' ', h('span.who', {}, x.other_author || ''), ' ',
            readOnly ? null : h('button', { type: 'button', 'data-choose': 'other', onclick: () => resolve(x, x.other) }, 'Chọn')),
          h('td'))))) : h('p.none', {}, 'Không có xung đột.'),
      h('h2', {}, `Yêu cầu điều chỉnh của tôi (${corrections.length})`),
      corrections.length ? h('table.list', {},
        h('thead', {}, h('tr', {}, ...['Số', 'Sổ', 'Ô', 'Cũ → mới', 'Lý do', 'Trạng thái', 'Người duyệt, ý kiến'].map((t) => h('th', {}, t)))),
        h('tbody', {}, ...corrections.map((x) => h('tr', { 'data-kind': 'correction', 'data-status': x.status || '' },
          h('td.num', {}, x.id ?? ''), h('td', {}, open(x)), h('td', {}, cellName(x)),
          h('td.num', {}, `${v(x.old)} → ${v(x.new)}`), h('td', {}, x.reason || ''),
          h('td', {}, h('span.status', { 'data-status': x.status || '' }, CORRECTION_STATUS[x.status] || x.status || '')),
          h('td', {}, [x.decided_by, x.comment].filter(Boolean).join(': ')))))) : h('p.none', {}, 'Chưa có yêu cầu nào.'),
    ].filter(Boolean));  // replaceChildren would write a missing part (no moves) as "null"

  }

  function askCorrection(x, cell) {
    const reason = h('textarea', { rows: '2', 'aria-label': 'Lý do', placeholder: 'Lý do xin điều chỉnh' });
    const send = h('button.primary', { type: 'submit' }, 'Gửi');
    const form = h('form.inline', {}, reason, send,
      h('button', { type: 'button', onclick: () => load() }, 'Thôi'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!reason.value.trim()) { say('Hãy ghi lý do xin điều chỉnh.', 'error'); reason.focus(); return; }
      send.disabled = true;
      try {
        await api.post('/api/correction', { seq: x.seq, reason: reason.value.trim() });
        say('Đã ghi yêu cầu điều chỉnh; yêu cầu sẽ được gửi khi đồng bộ.');
        await load();
      } catch (err) { send.disabled = false; say(err.message, 'error'); }
    });
    cell.replaceChildren(form);
    reason.focus();
  }

  async function resolve(x, value) {
    try {
      await api.post('/api/resolve', { class: x.class, subject: x.subject, student: x.student, column: x.column, value: value ?? '', note: '' });
      say(`Đã chọn ${v(value)} cho ${cellName(x)}; sẽ gửi khi đồng bộ.`);
      await load();
    } catch (err) { say(err.message, 'error'); }
  }

  await load();
  main.dataset.ready = 'inbox';
  return { refresh: () => load().catch(() => {}) };
}

