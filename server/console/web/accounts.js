// Tài khoản (administrators and the principal): the accounts with roles,
// department, state and devices; make an account (the server's staff
// import of one row: its checks, its audit, an issued password shown here
// once and changed at first login), reset a password, disable or enable,
// lift a login lockout (an account's or an address's: lockouts.js), revoke
// a lost device. The server checks and audits every action; this page only
// asks for what it needs (a reason).
import { get, post } from './api.js';
import { ROLE_NAMES, el, failed, say, setMain } from './dom.js';
import { lockoutsCard } from './lockouts.js';

let filterText = '';

// The issued password, shown once, until the page is left or redrawn.
function issued(username, password) {
  return el('div', { class: 'card issued', id: 'issued', role: 'alert' },
    el('div', {}, `Mật khẩu được cấp cho ${username}: `, el('code', { id: 'issued-password' }, password)),
    el('p', { class: 'muted' }, 'Mật khẩu chỉ hiện một lần. Hãy trao tận tay người dùng; họ phải đổi mật khẩu ở lần đăng nhập đầu.'));
}

async function act(path, body, button = null) {
  try {
    const res = await post(path, body);
    await show(res.password ? issued(body.username, res.password) : null);
    say(res.message);  // once the page shows the change
  } catch (err) {
    failed(err);
    if (button) button.disabled = false;
  }
}

// A button that, clicked, asks in place for confirmation (and a reason when needed).
function confirmButton(label, { danger = false, reason = false, action: name, onConfirm }) {
  const cell = el('span', { class: 'confirm' });
  const button = el('button', { type: 'button', class: danger ? 'danger' : '', 'data-action': name }, label);
  button.addEventListener('click', () => {
    const why = reason ? el('input', { type: 'text', placeholder: 'Lí do', 'aria-label': 'Lí do', maxlength: 500, 'data-field': 'reason' }) : null;
    const yes = el('button', { type: 'button', class: danger ? 'danger' : 'primary', 'data-action': `${name}-confirm` }, `Xác nhận: ${label.toLowerCase()}`);
    const no = el('button', { type: 'button' }, 'Thôi');
    yes.addEventListener('click', () => {
      if (why && !why.value.trim()) { say('Hãy ghi lí do.', true); why.focus(); return; }
      yes.disabled = true;
      onConfirm(why ? why.value.trim() : '');
    });
    no.addEventListener('click', () => { cell.replaceChildren(button); button.focus(); });
    cell.replaceChildren(...[why, yes, no].filter(Boolean));
    (why || yes).focus();
  });
  cell.append(button);
  return cell;
}

function state(a) {
  const parts = [];
  parts.push(a.disabled ? el('strong', { class: 'error-text' }, 'Đã khóa') : 'Đang dùng');
  if (a.locked_until) parts.push(el('div', { class: 'error-text' }, `Tạm khóa đăng nhập đến ${a.locked_until}`));
  if (a.must_change_password) parts.push(el('div', { class: 'muted' }, 'Chưa đổi mật khẩu được cấp'));
  return parts;
}

function accountRow(a) {
  const u = a.username;
  return el('tr', { 'data-user': u, hidden: !!filterText && !`${u} ${a.full_name}`.toLowerCase().includes(filterText) },
    el('td', {}, u), el('td', {}, a.full_name), el('td', {}, a.roles.map((r) => ROLE_NAMES[r] || r).join(', ')),
    el('td', {}, a.department), el('td', { class: 'state' }, state(a)), el('td', { class: 'num' }, String(a.devices)),
    el('td', {}, a.last_seen || '—'),
    el('td', { class: 'actions no-print' },
      confirmButton('Cấp lại mật khẩu', { action: 'reset', onConfirm: () => act('/api/accounts/action', { action: 'reset-password', username: u }) }),
      a.locked_until ? confirmButton('Gỡ tạm khóa', { action: 'unlock', onConfirm: () => act('/api/accounts/action', { action: 'unlock', username: u }) }) : null,
      a.disabled
        ? confirmButton('Mở lại', { action: 'enable', onConfirm: () => act('/api/accounts/action', { action: 'enable', username: u }) })
        : confirmButton('Khóa', { danger: true, reason: true, action: 'disable', onConfirm: (reason) => act('/api/accounts/action', { action: 'disable', username: u, reason }) })));
}

function deviceRow(d) {
  return el('tr', { 'data-device': d.device_id },
    el('td', {}, el('code', {}, d.device_id)), el('td', {}, d.username), el('td', {}, d.name), el('td', {}, d.created),
    el('td', {}, d.last_seen || '—'), el('td', {}, d.revoked ? `Đã thu hồi ${d.revoked}` : 'Đang dùng'),
    el('td', { class: 'no-print' }, d.revoked ? null
      : confirmButton('Thu hồi', { danger: true, reason: true, action: 'revoke', onConfirm: (reason) => act('/api/devices/revoke', { device_id: d.device_id, reason }) })));
}

function createForm(roles) {
  const f = {
    username: el('input', { id: 'new-username', required: true, maxlength: 64, autocomplete: 'off', placeholder: 'vd. gv.ly.2' }),
    full_name: el('input', { id: 'new-full-name', required: true, maxlength: 100 }),
    department: el('input', { id: 'new-department', maxlength: 64, placeholder: 'vd. Khoa học tự nhiên' }),
    homeroom: el('input', { id: 'new-homeroom', maxlength: 16, placeholder: 'vd. 6A (trống: không)' }),
    teaches: el('input', { id: 'new-teaches', maxlength: 1000, placeholder: 'vd. 6A:Vật lí;6B:Vật lí' }),
  };
  const labels = { username: 'Tên đăng nhập', full_name: 'Họ và tên', department: 'Tổ chuyên môn', homeroom: 'Chủ nhiệm lớp', teaches: 'Phân công giảng dạy' };
  const boxes = roles.map((r) => el('input', { type: 'checkbox', id: `role-${r}`, value: r }));
  const button = el('button', { type: 'submit', class: 'primary', id: 'create-account' }, 'Tạo tài khoản');
  const form = el('form', { id: 'account-form' },
    Object.entries(f).map(([k, input]) => [el('label', { for: input.id }, labels[k]), input]),
    el('fieldset', { class: 'roles' }, el('legend', {}, 'Vai trò'),
      roles.map((r, i) => el('span', { class: 'check' }, boxes[i], el('label', { for: `role-${r}` }, ROLE_NAMES[r] || r)))),
    el('div', {}, button));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = Object.fromEntries(Object.entries(f).map(([k, input]) => [k, input.value.trim()]));
    body.roles = boxes.filter((b) => b.checked).map((b) => b.value);
    if (!body.roles.length) { say('Hãy chọn ít nhất một vai trò.', true); return; }
    button.disabled = true;
    try { await act('/api/accounts/create', body); } finally { button.disabled = false; }
  });
  return el('details', { class: 'card no-print', id: 'account-create' },
    el('summary', {}, el('strong', {}, 'Tạo tài khoản mới')), form);
}

export async function show(notice = null) {
  const [data, lockouts] = await Promise.all([get('/api/accounts'), get('/api/lockouts')]);
  const search = el('input', { id: 'account-filter', type: 'search', placeholder: 'Tìm theo tên', value: filterText, 'aria-label': 'Tìm tài khoản' });
  const body = el('tbody', {}, data.items.map(accountRow));
  search.addEventListener('input', () => {
    filterText = search.value.trim().toLowerCase();
    for (const tr of body.rows) tr.hidden = !!filterText && !tr.textContent.toLowerCase().includes(filterText);
  });
  setMain(el('h1', {}, 'Tài khoản'), notice,
    lockoutsCard(lockouts.items, (lift, button) => act('/api/lockouts/lift', lift, button)),
    createForm(data.roles),
    el('div', { class: 'controls no-print' }, el('label', { for: 'account-filter' }, 'Tìm'), search,
      el('button', { type: 'button', id: 'accounts-print', onclick: () => window.print() }, 'In danh sách')),
    el('div', { class: 'table-wrap' }, el('table', { id: 'accounts-table' },
      el('thead', {}, el('tr', {}, ['Tên đăng nhập', 'Họ và tên', 'Vai trò', 'Tổ', 'Trạng thái', 'Thiết bị', 'Đồng bộ lần cuối', 'Thao tác']
        .map((h, i) => el('th', { class: i === 7 ? 'no-print' : null }, h)))), body)),
    el('h2', {}, 'Thiết bị đã đăng ký'),
    data.devices.length ? el('div', { class: 'table-wrap' }, el('table', { id: 'devices-table' },
      el('thead', {}, el('tr', {}, ['Mã thiết bị', 'Tài khoản', 'Tên máy', 'Đăng ký', 'Đồng bộ lần cuối', 'Trạng thái', '']
        .map((h, i) => el('th', { class: i === 6 ? 'no-print' : null }, h)))),
      el('tbody', {}, data.devices.map(deviceRow)))) : el('p', { class: 'muted' }, 'Chưa có thiết bị nào.'));
  notice?.scrollIntoView?.({ block: 'center' });
}
