// Tạm khóa đăng nhập, on the Tài khoản page (administrators and the
// principal): the accounts and the addresses locked out now after repeated
// wrong passwords, each with a button that lifts it (POST
// /api/lockouts/lift: the server checks the role and the CSRF token, and
// audits the lift in the actor's name).
import { el } from './dom.js';

const SCOPE = { account: 'Tài khoản', address: 'Địa chỉ máy' };

// `items` from GET /api/lockouts; `lift(body, button)` posts a lift and redraws.
export function lockoutsCard(items, lift) {
  const row = (l) => {
    const button = el('button', { type: 'button', 'data-action': 'lift' }, 'Gỡ tạm khóa');
    button.addEventListener('click', () => { button.disabled = true; lift({ scope: l.scope, key: l.key }, button); });
    return el('tr', { 'data-scope': l.scope, 'data-key': l.key },
      el('td', {}, SCOPE[l.scope] || l.scope), el('td', {}, el('code', {}, l.key)), el('td', {}, l.until),
      el('td', { class: 'num' }, String(l.lockouts)), el('td', { class: 'no-print' }, button));
  };
  return el('div', { class: 'card table-wrap', id: 'lockouts' },
    el('h2', {}, 'Tạm khóa đăng nhập'),
    el('p', { class: 'muted' }, 'Sau nhiều lần nhập sai mật khẩu, máy chủ tạm ngừng nhận đăng nhập của tài khoản hoặc từ địa chỉ máy đó. '
      + 'Chỉ gỡ khi đã biết rõ ai nhập sai; việc gỡ được ghi vào nhật ký.'),
    items.length
      ? el('table', { id: 'lockouts-table' },
        el('thead', {}, el('tr', {}, ['Loại', 'Tài khoản / địa chỉ', 'Khóa đến', 'Lần khóa liên tiếp', ''].map((h) => el('th', {}, h)))),
        el('tbody', {}, items.map(row)))
      : el('p', { id: 'lockouts-empty' }, 'Không có tài khoản hay địa chỉ nào đang bị tạm khóa.'));
}
