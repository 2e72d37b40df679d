// Nhập danh sách (administrators and the principal): a students or staff
// file (CSV or XLSX, as `sodiem-server import` reads) sent to the server,
// which imports every row or none; a refusal lists the rows' errors as the
// CLI prints them; new accounts' issued passwords are shown once. The
// server checks and audits; this page only reads the file and shows.
import { post } from './api.js';
import { el, failed, say, setMain } from './dom.js';

// The server takes at most 2 MB of request, the file base64-encoded in it.
const MAX_FILE_BYTES = 1_500_000;

function base64(buffer) {
  const bytes = new Uint8Array(buffer);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function refusal(err) {
  return el('div', { class: 'card verdict bad', id: 'import-errors', role: 'alert' },
    el('strong', {}, err.message.charAt(0).toUpperCase() + err.message.slice(1)),
    el('ul', {}, (err.data?.errors || []).map((line) => el('li', {}, line))));
}

function passwords(list) {
  if (!list.length) return null;
  return el('div', { class: 'card issued', id: 'import-passwords', role: 'alert' },
    el('strong', {}, `Mật khẩu được cấp cho ${list.length} tài khoản mới`),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Tên đăng nhập'), el('th', {}, 'Mật khẩu'))),
      el('tbody', {}, list.map((p) => el('tr', {}, el('td', {}, p.username), el('td', {}, el('code', {}, p.password)))))),
    el('p', { class: 'muted' }, 'Mật khẩu chỉ hiện một lần. Hãy trao tận tay từng người; họ phải đổi mật khẩu ở lần đăng nhập đầu.'));
}

export async function show() {
  const what = el('select', { id: 'import-what' },
    el('option', { value: 'students' }, 'Danh sách học sinh'), el('option', { value: 'staff' }, 'Danh sách cán bộ, giáo viên'));
  const file = el('input', { id: 'import-file', type: 'file', required: true,
    accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
  const button = el('button', { type: 'submit', class: 'primary', id: 'import-button' }, 'Nhập');
  const result = el('div', { id: 'import-result' });
  const form = el('form', { class: 'card', id: 'import-form' },
    el('label', { for: 'import-what' }, 'Loại danh sách'), what,
    el('label', { for: 'import-file' }, 'Tệp CSV hoặc Excel (.xlsx)'), file,
    el('p', { class: 'muted' }, 'Học sinh: Mã học sinh, Họ và tên, Ngày sinh, Giới tính, Lớp[, Trạng thái]. '
      + 'Cán bộ: Tên đăng nhập, Họ và tên, Vai trò, Tổ chuyên môn, Chủ nhiệm, Phân công. '
      + 'Mọi dòng được kiểm tra trước: có lỗi thì không nhập dòng nào.'),
    el('div', {}, button));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = file.files[0];
    if (!f) { say('Hãy chọn tệp cần nhập.', true); return; }
    if (f.size > MAX_FILE_BYTES) {
      say(`Tệp ${f.name} quá lớn (tối đa 1,5 MB mỗi lần nhập): hãy chia danh sách thành nhiều tệp nhỏ hơn.`, true);
      return;
    }
    button.disabled = true;
    result.replaceChildren();
    say('');
    try {
      const res = await post('/api/import', { what: what.value, filename: f.name, data: base64(await f.arrayBuffer()) });
      result.replaceChildren(...[passwords(res.passwords),
        res.moves.length ? el('div', { class: 'card' }, el('strong', {}, 'Học sinh chuyển lớp'),
          el('ul', {}, res.moves.map((m) => el('li', {}, m)))) : null].filter(Boolean));
      say(res.message);
    } catch (err) {
      if (err.code === 'IMPORT_REFUSED') { result.replaceChildren(refusal(err)); say(''); } else failed(err);
    } finally {
      button.disabled = false;
    }
  });
  setMain(el('h1', {}, 'Nhập danh sách'), form, result);
}
