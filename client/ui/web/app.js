// Entry point of the page served by `sodiem ui`: loads the session, keeps the
// header (sync state, polled from /api/status every 2 s) up to date, and
// routes the URL (?class=6A&subject=Toán, ?view=inbox, …) to a screen.
import * as api from './api.js';
import { dateTimeVN, h } from './util.js';
import { showEnroll, showPassword } from './forms.js';
import { showPicker, showGrid, showInbox } from './screens.js';
import { showHomeroom, showAttendance, showBoard } from './homeroom.js';
import { showSign } from './sign.js';

const $ = (id) => document.getElementById(id);
const POLL_MS = 2000;

const ctx = {
  session: null,
  status: null,
  screen: null,  // {refresh(), dispose()} of the screen shown
  main: null,
  go,
  setStatus,
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
  const homeroomGrid = view === 'grid' && p.get('subject') === 'Chủ nhiệm';
  const section = homeroomGrid || ['attendance', 'board'].includes(view) ? 'homeroom' : view === 'grid' ? 'picker' : view;
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.screen === section);
  const screens = {
    picker: showPicker, grid: showGrid, inbox: showInbox, password: showPassword, sign: showSign,
    homeroom: showHomeroom, attendance: showAttendance, board: showBoard,
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
}

// ---- header: sync state ----
function setStatus(s) {
  if (!s) return;
  const before = ctx.status;
  ctx.status = s;
  const online = $('online');
  online.dataset.online = s.online === null || s.online === undefined ? 'unknown' : s.online ? 'yes' : 'no';
  online.textContent = s.online === null || s.online === undefined ? 'Chưa kết nối máy chủ'
    : s.online ? 'Trực tuyến' : 'Ngoại tuyến';
  online.title = s.last_error ? `Lần thử gần nhất: ${s.last_error}` : '';
  $('pending').textContent = s.pending ? `Chờ gửi: ${s.pending}` : 'Đã gửi hết';
  $('pending').dataset.pending = String(s.pending || 0);
  $('last-sync').textContent = s.last_sync ? `Đồng bộ lúc ${dateTimeVN(s.last_sync)}` : 'Chưa đồng bộ lần nào';
  const bar = $('progress');
  bar.hidden = !s.syncing;
  const total = s.progress?.total || 0;
  bar.classList.toggle('indeterminate', !total);
  bar.firstElementChild.style.width = total ? `${Math.round((100 * (s.progress.done || 0)) / total)}%` : '100%';
  $('sync-now').disabled = !!s.syncing;
  $('sync-now').textContent = s.syncing ? 'Đang đồng bộ…' : 'Đồng bộ ngay';
  const issues = (s.rejected || 0) + (s.conflicts || 0);
  $('inbox-count').hidden = !issues;
  $('inbox-count').textContent = String(issues);
  showAlarm(s.audit_alarm || ctx.session?.audit_alarm || '');
  if ((before && before.last_sync !== s.last_sync) || (!before && ctx.screen?.eager)) ctx.screen?.refresh?.();
}

function showAlarm(text) {
  const el = $('alarm');
  el.hidden = !text;
  if (text) el.textContent = `Cảnh báo an toàn dữ liệu: ${text}`;
}

let pollTimer = 0;
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
  pollTimer = setTimeout(poll, POLL_MS);
}

$('sync-now').addEventListener('click', async () => {
  $('sync-now').disabled = true;
  try {
    await api.post('/api/sync', {});
    setTimeout(poll, 300);
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
    await showEnroll(ctx, main, async () => { location.replace('/'); });
    return;
  }
  $('top').hidden = false;
  setSession(session);
  showAlarm(session.audit_alarm || '');
  poll();
  const p = ctx.params();
  if (p.has('token')) p.delete('token');  // the server redirects, but never keep a token in the URL
  history.replaceState(null, '', p.toString() ? `/?${p}` : '/');
  route();
}

start();
