// Entry point of the page served by `sodiem ui`: loads the session, keeps the
// header (sync state, polled from /api/status every 2 s, and taken from each
// save's answer) up to date, and routes the URL (?class=6A&subject=Toán,
// ?view=inbox, ?view=print&class=6A&subject=Toán&term=HK1, …) to a screen.
// The screens a grid does not need (forms, homeroom, sign, print) load on first use, and are fetched once the first screen
// is up.
import * as api from './api.js';
import { openChannel } from './channel.js';
import { dateTimeVN, h } from './util.js';
import { showPicker, showGrid, showInbox } from './screens.js';

const forms = () => import('./forms.js');
const homeroom = () => import('./homeroom.js');
const sign = () => import('./sign.js');
const print = () => import('./print.js');

const $ = (id) => document.getElementById(id);
const POLL_MS = 2000;

const ctx = {
  session: null,
  status: null,
  screen: null,  // {refresh(), dispose()} of the screen shown
  main: null,
  go,
  setStatus: (s) => { setStatus(s); if (s) schedulePoll(); },  // a fresh status: the next poll can wait
  setSession,
  params: () => new URLSearchParams(location.search),
};

// ---- navigation ----
function go(params, { replace = false } = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const url = q.toString() ? `/?${q}` : '/';
  if (url !== location.pathname + location.search) history[replace ? 'replaceState' : 'pushState'](null, '', url);
  route();
}

// Keeps the URL in step with what a screen shows (month, term) without a new history entry.
ctx.sync = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  history.replaceState(null, '', q.toString() ? `/?${q}` : '/');
};

async function route() {
  ctx.screen?.dispose?.();
  ctx.screen = null;
  const p = ctx.params();
  const main = document.createElement('main');
  main.id = 'main';
  $('main').replaceWith(main);
  ctx.main = main;
  const view = p.get('view') || (p.get('class') && p.get('subject') ? 'grid' : 'picker');
  const homeroomGrid = ['grid', 'print'].includes(view) && p.get('subject') === 'Chủ nhiệm';
  const section = homeroomGrid || ['attendance', 'board'].includes(view) ? 'homeroom' : ['grid', 'print'].includes(view) ? 'picker' : view;
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.screen === section);
  const screens = {
    picker: showPicker, grid: showGrid, inbox: showInbox,
    password: async (...a) => (await forms()).showPassword(...a),
    sign: async (...a) => (await sign()).showSign(...a),
    homeroom: async (...a) => (await homeroom()).showHomeroom(...a),
    attendance: async (...a) => (await homeroom()).showAttendance(...a),
    board: async (...a) => (await homeroom()).showBoard(...a),
    print: async (...a) => (await print()).showPrint(...a),
  };
  try {
    ctx.screen = await (screens[view] || showPicker)(ctx, main, p);
  } catch (err) {
    main.replaceChildren(h('div.panel.error', {}, h('h1', {}, 'Không mở được trang này'), h('p', {}, err.message),
      h('p', {}, h('a', { href: '/', 'data-nav': '' }, 'Về danh sách lớp'))));
  }
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-nav]');
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  const url = new URL(a.href);
  go(Object.fromEntries(url.searchParams));
});
window.addEventListener('popstate', route);

function setSession(session) {
  ctx.session = session;
  api.setCsrf(session.csrf);
  $('user').textContent = session.user || '';
  $('user').title = `Máy chủ: ${session.server || ''}${session.device ? ` · Thiết bị: ${session.device}` : ''}`;
  $('nav-homeroom').hidden = !(session.assignments || []).some((a) => a.homeroom);
  // A closed year's copy: read-only and never synced (the agent does not
  // try). Said once, under the header; no sync button, nothing "to send".
  const archived = session.archived_year || '';
  $('archived').hidden = !archived;
  $('archived').textContent = archived ? `Đây là bản lưu của năm học ${archived}: năm học đã kết thúc và được lưu trữ. `
    + 'Bản lưu chỉ để xem lại: không sửa điểm và không đồng bộ với máy chủ. Sổ điểm của năm học mới mở từ thư mục dữ liệu chính.' : '';
  $('sync-now').hidden = !!archived;
  $('nav-sign').hidden = !!archived;  // nothing is signed on a copy
  $('nav-password').hidden = !!archived;  // nor a password changed (it never reaches the server)
  $('pending').hidden = !!archived;
}

// ---- header: sync state ----
// Header writes only what changed: a status every 2 s and with every save
// would otherwise make the browser lay the page out again each time.
function put(el, text) { if (el.textContent !== text) el.textContent = text; }
function putAttr(el, name, value) { if (el.getAttribute(name) !== value) el.setAttribute(name, value); }

function setStatus(s) {
  if (!s) return;
  const before = ctx.status;
  ctx.status = s;
  const online = $('online');
  const archived = ctx.session?.archived_year;  // never synced: no connection state to show
  putAttr(online, 'data-online', archived ? 'archived'
    : s.online === null || s.online === undefined ? 'unknown' : s.online ? 'yes' : 'no');
  put(online, archived ? `Bản lưu năm học ${archived} · chỉ xem`
    : s.online === null || s.online === undefined ? 'Chưa kết nối máy chủ' : s.online ? 'Trực tuyến' : 'Ngoại tuyến');
  online.title = s.last_error ? `Lần thử gần nhất: ${s.last_error}` : '';
  put($('pending'), s.pending ? `Chờ gửi: ${s.pending}` : 'Đã gửi hết');
  putAttr($('pending'), 'data-pending', String(s.pending || 0));
  put($('last-sync'), s.last_sync ? `${archived ? 'Đồng bộ lần cuối' : 'Đồng bộ'} lúc ${dateTimeVN(s.last_sync)}`
    : archived ? '' : 'Chưa đồng bộ lần nào');
  const bar = $('progress');
  bar.hidden = !s.syncing;
  const total = s.progress?.total || 0;
  bar.classList.toggle('indeterminate', !total);
  const width = total ? `${Math.round((100 * (s.progress.done || 0)) / total)}%` : '100%';
  if (bar.firstElementChild.style.width !== width) bar.firstElementChild.style.width = width;
  $('sync-now').disabled = !!s.syncing;
  put($('sync-now'), s.syncing ? 'Đang đồng bộ…' : 'Đồng bộ ngay');
  // The badge counts what waits for the teacher. On a closed year's copy
  // nothing does (no correction asked, no conflict chosen there; the inbox
  // still lists them to read): no number inviting a click that leads nowhere.
  const issues = archived ? 0 : (s.rejected || 0) + (s.conflicts || 0);
  $('inbox-count').hidden = !issues;
  put($('inbox-count'), String(issues));
  showAlarm(s.audit_alarm || ctx.session?.audit_alarm || '');
  if ((before && before.last_sync !== s.last_sync) || (!before && ctx.screen?.eager)) ctx.screen?.refresh?.();
}

function showAlarm(text) {
  const el = $('alarm');
  el.hidden = !text;
  if (text) el.textContent = `Cảnh báo an toàn dữ liệu: ${text}`;
}

let pollTimer = 0;
function schedulePoll(ms = POLL_MS) {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(poll, ms);
}

async function poll() {
  clearTimeout(pollTimer);
  try {
    setStatus(await api.get('/api/status'));
    $('top').classList.remove('lost');
  } catch (err) {
    const online = $('online');
    online.dataset.online = 'lost';
    online.textContent = err.status === 401 ? 'Phiên đã hết hạn' : 'Mất liên lạc với chương trình';
    online.title = err.message;
  }
  schedulePoll();
}

$('sync-now').addEventListener('click', async () => {
  $('sync-now').disabled = true;
  try {
    await api.post('/api/sync', {});
    schedulePoll(300);
  } catch (err) {
    $('sync-now').disabled = false;
    alert(err.message);  // rare: the local program refused
  }
});

// ---- start ----
async function start() {
  let session;
  try {
    session = await api.get('/api/session');
  } catch (err) {
    $('main').replaceChildren(h('div.panel.error', {}, h('h1', {}, 'Không mở được sổ điểm'), h('p', {}, err.message)));
    return;
  }
  api.setCsrf(session.csrf);
  ctx.session = session;
  if (!session.enrolled) {
    const main = $('main');
    await (await forms()).showEnroll(ctx, main, async () => { location.replace('/'); });
    return;
  }
  $('top').hidden = false;
  setSession(session);
  showAlarm(session.audit_alarm || '');
  const p = ctx.params();
  if (p.has('token')) p.delete('token');  // the server redirects, but never keep a token in the URL
  history.replaceState(null, '', p.toString() ? `/?${p}` : '/');
  const shown = route();  // the screen's request first (the ui answers in order), then the status
  poll();
  await shown;
  openChannel();  // saves travel on it from now on
  // The other screens' modules, fetched while the teacher reads the first one.
  const warm = () => Promise.all([forms(), homeroom(), sign(), print()]).catch(() => {});
  if (window.requestIdleCallback) requestIdleCallback(warm, { timeout: 3000 }); else setTimeout(warm, 1000);
}

start();
