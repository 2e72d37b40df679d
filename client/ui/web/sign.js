// "Xác nhận và ký": shows exactly what the subject step would sign for a
// class, subject and term (GET /api/sign), refuses while cells are missing,
// and signs with the device key's passphrase (POST /api/sign), creating the
// key first when the device has none. Called by app.js's router.
import * as api from './api.js';
import { bookOrder, pivotTable } from './homeroom.js';
import { columnVN, comma, field, h, TERM_NAMES } from './util.js';

export async function showSign(ctx, main, p) {
  const subjects = (ctx.session.assignments || []).filter((a) => !a.homeroom);
  if (!subjects.length) throw new Error('Tài khoản này không dạy môn nào nên không có gì để ký.');
  const cls = p.get('class') || subjects[0].class;
  const subject = p.get('subject') || subjects[0].subject;
  const term = p.get('term') === 'HK2' ? 'HK2' : 'HK1';
  ctx.sync({ view: 'sign', class: cls, subject, term });
  document.title = `Xác nhận ${subject} ${cls} — Sổ điểm`;

  const which = h('select', { 'aria-label': 'Lớp và môn' }, ...subjects.map((a) =>
    h('option', { value: JSON.stringify([a.class, a.subject]), selected: a.class === cls && a.subject === subject },
      `${a.subject} — lớp ${a.class}`)));
  const termSel = h('select', { 'aria-label': 'Học kì' }, ...['HK1', 'HK2'].map((t) =>
    h('option', { value: t, selected: t === term }, TERM_NAMES[t])));
  const reload = () => {
    const [c, s] = JSON.parse(which.value);
    ctx.go({ view: 'sign', class: c, subject: s, term: termSel.value }, { replace: true });
  };
  which.addEventListener('change', reload);
  termSel.addEventListener('change', reload);

  const body = h('div.sign-body', {}, h('p.loading', {}, 'Đang chuẩn bị…'));
  main.append(h('section.panel.wide', {},
    h('h1', {}, 'Xác nhận và ký kết quả môn học'),
    h('div.tools', {}, which, termSel),
    body));

  const data = await api.get('/api/sign', { class: cls, subject, term });
  const missing = data.missing || [];
  const lines = data.lines || [];
  const results = new Map((data.results || []).map((r) => [r.student, r.result]));
  const blocked = !data.ready || missing.length > 0 || !!data.error;

  const pass1 = h('input', { type: 'password', autocomplete: data.has_key ? 'current-password' : 'new-password', name: 'passphrase' });
  const pass2 = h('input', { type: 'password', autocomplete: 'new-password', name: 'passphrase2' });
  const button = h('button.primary', { type: 'submit', disabled: blocked, 'data-action': 'sign' },
    data.has_key ? 'Ký xác nhận' : 'Tạo khóa và ký xác nhận');
  const msg = h('p.form-msg', { role: 'status', 'aria-live': 'polite' });
  const form = h('form.sign-form', {},
    data.has_key ? field('Mật khẩu khóa ký số', pass1)
      : h('div', {}, h('p', {}, 'Máy này chưa có khóa ký số. Đặt một mật khẩu bảo vệ khóa (nhập hai lần); cần nhớ mật khẩu này mỗi lần ký.'),
        field('Mật khẩu khóa mới', pass1), field('Nhập lại', pass2)),
    button, msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (blocked) return;
    if (!pass1.value) { msg.textContent = 'Hãy nhập mật khẩu khóa ký số.'; msg.className = 'form-msg error'; pass1.focus(); return; }
    if (!data.has_key && pass1.value !== pass2.value) {
      msg.textContent = 'Hai lần nhập mật khẩu không giống nhau.'; msg.className = 'form-msg error'; pass2.focus(); return;
    }
    button.disabled = true;
    msg.textContent = 'Đang đồng bộ và ký…';
    msg.className = 'form-msg';
    try {
      const ans = await api.post('/api/sign', { class: cls, subject, term, passphrase: pass1.value, new_key: !data.has_key });
      msg.textContent = `${ans.message || 'Đã ký và gửi.'}${ans.digest ? ` Mã băm: ${ans.digest}` : ''}`;
      msg.className = 'form-msg ok';
      pass1.value = pass2.value = '';
    } catch (err) {
      msg.textContent = err.message;
      msg.className = 'form-msg error';
      button.disabled = false;
    }
  });

  body.replaceChildren(...[
    data.error ? h('p.form-msg.error', {}, data.error) : null,
    missing.length ? h('div.missing', { role: 'alert' },
      h('p', {}, h('strong', {}, `Còn ${missing.length} ô chưa có điểm: chưa ký được.`), ' Hãy nhập đủ rồi quay lại.'),
      h('ul', {}, ...missing.slice(0, 60).map((m) => h('li', {}, `${m.name || m.student} (${m.student}) — ${columnVN(m.column)}`)),
        missing.length > 60 ? h('li', {}, `… và ${missing.length - 60} ô khác`) : null))
      : (data.ready ? h('p.ready', {}, `Đủ điểm. Dưới đây là đúng những gì sẽ được ký cho ${TERM_NAMES[term]}.`) : null),
    h('h2', {}, 'Nội dung sẽ ký'),
    lines.length ? pivotTable(lines, { order: bookOrder, columns: ['Kết quả'], value: (student) => comma(results.get(student) ?? '') })
      : h('p.none', {}, 'Chưa có ô nào.'),
    form].filter(Boolean));
  main.dataset.ready = 'sign';
  return {};
}
