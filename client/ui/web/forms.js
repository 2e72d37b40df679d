// Forms of the page: first-run enrollment of this device (POST /api/enroll,
// with a new password when the server asks for one) and the password change
// (POST /api/password; on a closed year's copy only a note). Called by app.js.
import * as api from './api.js';
import { field, h } from './util.js';

function say(el, text, kind = '') { el.textContent = text; el.className = `form-msg ${kind}`; }

export async function showEnroll(ctx, main, done) {
  document.title = 'Đăng ký máy — Sổ điểm';
  const server = h('input', { type: 'text', name: 'server', required: true, placeholder: 'wss://192.168.1.10:8443', autocomplete: 'url' });
  const fingerprint = h('input', { type: 'text', name: 'fingerprint', placeholder: '64 kí tự 0-9, a-f', spellcheck: 'false' });
  const user = h('input', { type: 'text', name: 'user', required: true, autocomplete: 'username' });
  const password = h('input', { type: 'password', name: 'password', required: true, autocomplete: 'current-password' });
  const next1 = h('input', { type: 'password', name: 'new_password', autocomplete: 'new-password' });
  const next2 = h('input', { type: 'password', name: 'new_password2', autocomplete: 'new-password' });
  const newBox = h('fieldset.new-password', { hidden: true },
    h('legend', {}, 'Đặt mật khẩu mới'),
    h('p', {}, 'Mật khẩu do nhà trường cấp chỉ dùng cho lần đầu. Hãy đặt mật khẩu mới của riêng thầy cô.'),
    field('Mật khẩu mới', next1), field('Nhập lại mật khẩu mới', next2));
  const button = h('button.primary', { type: 'submit' }, 'Đăng ký máy này');
  const msg = h('p.form-msg', { role: 'status', 'aria-live': 'polite' });
  const form = h('form.enroll', { autocomplete: 'on' },
    field('Địa chỉ máy chủ của trường', server, 'Do cán bộ quản trị của trường cung cấp.'),
    field('Mã vân tay chứng chỉ máy chủ', fingerprint, 'Để chắc chắn đang kết nối đúng máy chủ của trường.'),
    field('Tên đăng nhập', user), field('Mật khẩu', password), newBox, button, msg);
  let needNew = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (needNew && next1.value !== next2.value) { say(msg, 'Hai lần nhập mật khẩu mới không giống nhau.', 'error'); next2.focus(); return; }
    if (needNew && !next1.value) { say(msg, 'Hãy đặt mật khẩu mới.', 'error'); next1.focus(); return; }
    button.disabled = true;
    say(msg, 'Đang kết nối máy chủ…');
    try {
      const ans = await api.post('/api/enroll', {
        server: server.value.trim(), fingerprint: fingerprint.value.trim().toLowerCase(), user: user.value.trim(),
        password: password.value, new_password: needNew ? next1.value : '',
      });
      say(msg, `Đã đăng ký máy này cho ${ans.user || user.value}. Đang mở sổ điểm…`, 'ok');
      await done();
    } catch (err) {
      button.disabled = false;
      if (err.code === 'PASSWORD_CHANGE_REQUIRED') {
        needNew = true;
        newBox.hidden = false;
        say(msg, err.message, 'error');
        next1.focus();
      } else {
        say(msg, err.message, 'error');
      }
    }
  });
  main.replaceChildren(h('section.panel.narrow.enroll-page', {},
    h('h1', {}, 'Sổ điểm — đăng ký máy này'),
    h('p', {}, 'Lần đầu dùng sổ điểm trên máy này: nhập địa chỉ máy chủ của trường và tài khoản của thầy cô. ' +
      'Sau đó có thể nhập điểm cả khi không có mạng; điểm sẽ tự gửi lên khi có mạng.'),
    form));
  main.dataset.ready = 'enroll';
  server.focus();
}

export async function showPassword(ctx, main) {
  ctx.sync({ view: 'password' });
  document.title = 'Đổi mật khẩu — Sổ điểm';
  const year = ctx.session?.archived_year;
  if (year) {  // a closed year's copy never reaches the server: no form to fill in vain
    main.append(h('section.panel.narrow', {}, h('h1', {}, 'Đổi mật khẩu'),
      h('p.form-msg.error', { role: 'note', 'data-read-only': 'true' },
        `Bản lưu năm học ${year} chỉ để xem: không đổi mật khẩu được ở đây. `
        + 'Hãy mở sổ điểm của năm học mới (thư mục dữ liệu chính) để đổi mật khẩu.')));
    main.dataset.ready = 'password';
    return {};
  }
  const current = h('input', { type: 'password', name: 'current', required: true, autocomplete: 'current-password' });
  const next1 = h('input', { type: 'password', name: 'next', required: true, autocomplete: 'new-password' });
  const next2 = h('input', { type: 'password', name: 'next2', required: true, autocomplete: 'new-password' });
  const button = h('button.primary', { type: 'submit' }, 'Đổi mật khẩu');
  const msg = h('p.form-msg', { role: 'status', 'aria-live': 'polite' });
  const form = h('form', {}, field('Mật khẩu hiện tại', current), field('Mật khẩu mới', next1),
    field('Nhập lại mật khẩu mới', next2), button, msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (next1.value !== next2.value) { say(msg, 'Hai lần nhập mật khẩu mới không giống nhau.', 'error'); next2.focus(); return; }
    button.disabled = true;
    try {
      await api.post('/api/password', { current: current.value, next: next1.value });
      say(msg, 'Đã đổi mật khẩu.', 'ok');
      form.reset();
    } catch (err) {
      say(msg, err.message, 'error');
    } finally {
      button.disabled = false;
    }
  });
  main.append(h('section.panel.narrow', {}, h('h1', {}, 'Đổi mật khẩu'),
    h('p', {}, 'Cần có mạng để đổi mật khẩu trên máy chủ của trường.'), form));
  main.dataset.ready = 'password';
  current.focus();
  return {};
}
