// The school's console page: login (with the first-login password change),
// the navigation by the pages the server says the user may open, logout.
// The server enforces every permission; the page only hides what it refuses.
import { ApiError, get, post, setCsrf } from './api.js';
import { ROLE_NAMES, el, failed, say, setMain } from './dom.js';
import * as progress from './progress.js';
import * as corrections from './corrections.js';
import * as locks from './locks.js';
import * as approvals from './approvals.js';
import * as audit from './audit.js';
import * as accounts from './accounts.js';
import * as rosterImport from './import.js';
import * as yearend from './yearend.js';
import * as subjects from './subjects.js';

const PAGES = { progress, corrections, locks, approvals, yearend, audit, accounts, import: rosterImport, subjects };

let session = null;

function showLogin(note = '', isError = false) {
  session = null;
  setCsrf('');
  document.getElementById('top').hidden = true;
  say(note, isError);
  const user = el('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const pass = el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const fresh = el('input', { id: 'new-password', type: 'password', autocomplete: 'new-password', minlength: 8 });
  const again = el('input', { id: 'new-password-again', type: 'password', autocomplete: 'new-password', minlength: 8 });
  const change = el('div', { id: 'change-box', hidden: true },
    el('p', { class: 'muted' }, 'Mật khẩu này do nhà trường cấp: hãy đặt mật khẩu mới (ít nhất 8 kí tự).'),
    el('label', { for: 'new-password' }, 'Mật khẩu mới'), fresh,
    el('label', { for: 'new-password-again' }, 'Nhập lại mật khẩu mới'), again);
  const error = el('p', { class: 'error-text', role: 'alert', id: 'login-error' });
  const button = el('button', { type: 'submit', class: 'primary', id: 'login-button' }, 'Đăng nhập');
  const form = el('form', { class: 'card login', id: 'login-form' },
    el('h1', {}, 'Đăng nhập bảng điều khiển'),
    el('label', { for: 'username' }, 'Tên đăng nhập'), user,
    el('label', { for: 'password' }, 'Mật khẩu'), pass,
    change, error, button);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.textContent = '';
    const body = { username: user.value.trim(), password: pass.value };
    if (!change.hidden) {
      if (fresh.value !== again.value) { error.textContent = 'Hai lần nhập mật khẩu mới không khớp.'; return; }
      body.new_password = fresh.value;
    }
    button.disabled = true;
    try {
      await post('/api/login', body);
      await start();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'PASSWORD_CHANGE_REQUIRED') {
        change.hidden = false;
        fresh.required = true;
        again.required = true;
        fresh.focus();
      }
      error.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
  setMain(form);
  user.focus();
}

function renderNav() {
  document.getElementById('top').hidden = false;
  document.getElementById('school').textContent = session.school ? `— ${session.school}` : '';
  const roles = session.roles.map((r) => ROLE_NAMES[r] || r).join(', ');
  document.getElementById('user').textContent = `${session.username} (${roles})`;
  for (const a of document.querySelectorAll('#nav a')) a.hidden = !session.pages.includes(a.dataset.page);
}

async function route() {
  if (!session) return;
  let page = location.hash.replace(/^#/, '').split('?')[0];
  if (!session.pages.includes(page)) page = session.pages[0];
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!page) {
    setMain(el('div', { class: 'card' }, el('h1', {}, 'Chưa có trang nào dành cho bạn'),
      el('p', {}, 'Bảng điều khiển hiện dành cho Ban giám hiệu, tổ trưởng chuyên môn và quản trị. '
        + 'Giáo viên nhập điểm bằng ứng dụng Sổ điểm trên máy của mình.')));
    return;
  }
  try {
    await PAGES[page].show();
  } catch (err) {
    failed(err);
  }
}

async function start() {
  try {
    session = await get('/api/session');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) { showLogin(); return; }
    say(err.message, true);
    return;
  }
  setCsrf(session.csrf);
  say('');
  renderNav();
  await route();
}

document.getElementById('logout').addEventListener('click', async () => {
  try { await post('/api/logout'); } catch { /* signed out either way */ }
  history.replaceState(null, '', '/');
  showLogin('Đã đăng xuất.');
});
window.addEventListener('hashchange', () => { say(''); route(); });
window.addEventListener('signed-out', (ev) => showLogin(ev.detail, true));
start();
