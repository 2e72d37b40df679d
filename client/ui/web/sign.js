// "Ký duyệt": every confirmation step the user signs, on this device with
// its own key (the server holds none). The subject step (subject teacher):
// the subject's cells and results; the class-level steps — class (homeroom
// teacher), review (vice principal), approve (principal) — the class board.
// Each shows exactly what would be signed (GET /api/sign), refuses while a
// required cell is empty or a change is unsent, and signs with the key's
// passphrase (POST /api/sign: the same sign_step as `sodiem sign`), creating
// the key first when the device has none. Who may sign a step, the server
// decides. Called by app.js's router.
import * as api from './api.js';
import { boardNotices, bookOrder, missingPanel, pivotTable, resultsTable } from './homeroom.js';
import { columnVN, comma, field, h, TERM_NAMES } from './util.js';

const STEP_TITLES = {
  subject: 'Xác nhận kết quả môn học', class: 'Xác nhận bảng tổng hợp của lớp chủ nhiệm',
  review: 'Xem xét bảng tổng hợp (Phó hiệu trưởng)', approve: 'Phê duyệt bảng tổng hợp (Hiệu trưởng)',
};
const STEP_BUTTONS = { subject: 'Ký xác nhận', class: 'Ký xác nhận', review: 'Ký xem xét', approve: 'Ký phê duyệt' };

// The steps this user's assignments and roles sign, each with its classes.
function stepsOf(session) {
  const as = session.assignments || [];
  const roles = session.roles || [];
  const all = session.classes || [];
  const steps = [];
  if (as.some((a) => !a.homeroom)) steps.push(['subject', []]);
  const homeroom = as.filter((a) => a.homeroom).map((a) => a.class);
  if (homeroom.length) steps.push(['class', homeroom]);
  if ((roles.includes('PHT') || roles.includes('HT')) && all.length) steps.push(['review', all]);
  if (roles.includes('HT') && all.length) steps.push(['approve', all]);
  return steps;
}

// The server's reason not to sign (an unsent change; a closed year's copy,
// where the page offers no form at all: data.read_only).
function errorNote(data) {
  if (!data.error) return null;
  return data.read_only ? h('p.form-msg.error', { 'data-read-only': 'true' }, `Không ký xác nhận được ở đây: ${data.error}.`)
    : h('p.form-msg.error', {}, data.error);
}

// The passphrase form; `send(passphrase, newKey)` signs and returns the server's answer.
function keyForm(data, blocked, label, send) {
  const pass1 = h('input', { type: 'password', autocomplete: data.has_key ? 'current-password' : 'new-password', name: 'passphrase' });
  const pass2 = h('input', { type: 'password', autocomplete: 'new-password', name: 'passphrase2' });
  const button = h('button.primary', { type: 'submit', disabled: blocked, 'data-action': 'sign' },
    data.has_key ? label : `Tạo khóa và ${label.toLowerCase()}`);
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
      const ans = await send(pass1.value, !data.has_key);
      msg.textContent = `${ans.message || 'Đã ký và gửi.'}${ans.digest ? ` Mã băm: ${ans.digest}` : ''}`;
      msg.className = 'form-msg ok';
      pass1.value = pass2.value = '';
    } catch (err) {
      msg.textContent = err.message;
      msg.className = 'form-msg error';
      button.disabled = false;
    }
  });
  return form;
}

export async function showSign(ctx, main, p) {
  const steps = stepsOf(ctx.session);
  if (!steps.length) throw new Error('Tài khoản này không dạy môn nào, không chủ nhiệm lớp nào và không thuộc ban giám hiệu nên không có gì để ký.');
  const stepOk = steps.find(([s]) => s === p.get('step'));
  const [step, classes] = stepOk || steps[0];
  const term = p.get('term') === 'HK2' ? 'HK2' : 'HK1';
  const stepSel = h('select', { 'aria-label': 'Bước ký', name: 'step' }, ...steps.map(([s]) =>
    h('option', { value: s, selected: s === step }, STEP_TITLES[s])));
  const termSel = h('select', { 'aria-label': 'Học kì', name: 'term' }, ...['HK1', 'HK2'].map((t) =>
    h('option', { value: t, selected: t === term }, TERM_NAMES[t])));
  if (step === 'subject') return showSubject(ctx, main, p, { stepSel, termSel, term });
  return showClassStep(ctx, main, p, { step, classes, stepSel, termSel, term });
}

async function showSubject(ctx, main, p, { stepSel, termSel, term }) {
  const subjects = (ctx.session.assignments || []).filter((a) => !a.homeroom);
  const cls = p.get('class') || subjects[0].class;
  const subject = p.get('subject') || subjects[0].subject;
  ctx.sync({ view: 'sign', class: cls, subject, term });
  document.title = `Xác nhận ${subject} ${cls} — Sổ điểm`;

  const which = h('select', { 'aria-label': 'Lớp và môn' }, ...subjects.map((a) =>
    h('option', { value: JSON.stringify([a.class, a.subject]), selected: a.class === cls && a.subject === subject },
      `${a.subject} — lớp ${a.class}`)));
  const reload = () => {
    if (stepSel.value !== 'subject') return ctx.go({ view: 'sign', step: stepSel.value, term: termSel.value }, { replace: true });
    const [c, s] = JSON.parse(which.value);
    return ctx.go({ view: 'sign', class: c, subject: s, term: termSel.value }, { replace: true });
  };
  for (const sel of [stepSel, which, termSel]) sel.addEventListener('change', reload);

  const body = h('div.sign-body', {}, h('p.loading', {}, 'Đang chuẩn bị…'));
  main.append(h('section.panel.wide', {},
    h('h1', {}, 'Xác nhận và ký kết quả môn học'),
    h('div.tools', {}, stepSel, which, termSel),
    body));

  const data = await api.get('/api/sign', { class: cls, subject, term });
  const missing = data.missing || [];
  const lines = data.lines || [];
  const results = new Map((data.results || []).map((r) => [r.student, r.result]));
  const blocked = !data.ready || missing.length > 0 || !!data.error;
  const form = data.read_only ? null : keyForm(data, blocked, STEP_BUTTONS.subject,
      (passphrase, newKey) => api.post('/api/sign', { class: cls, subject, term, passphrase, new_key: newKey }));

  body.replaceChildren(...[
    errorNote(data),
    missing.length ? h('div.missing', { role: 'alert' },
      h('p', {}, h('strong', {}, `Còn ${missing.length} ô chưa có điểm${data.read_only ? '.' : ': chưa ký được.'}`),
        data.read_only ? null : ' Hãy nhập đủ rồi quay lại.'),
      h('ul', {}, ...missing.slice(0, 60).map((m) => h('li', {}, `${m.name || m.student} (${m.student}) — ${columnVN(m.column)}`)),
        missing.length > 60 ? h('li', {}, `… và ${missing.length - 60} ô khác`) : null))
      : (data.ready ? h('p.ready', {}, `Đủ điểm. Dưới đây là đúng những gì sẽ được ký cho ${TERM_NAMES[term]}.`) : null),
    h('h2', {}, data.read_only ? 'Kết quả môn học trên bản lưu (chỉ xem)' : 'Nội dung sẽ ký'),  // a copy signs nothing
    lines.length ? pivotTable(lines, { order: bookOrder, columns: ['Kết quả'], value: (student) => comma(results.get(student) ?? '') })
      : h('p.none', {}, 'Chưa có ô nào.'),
    form].filter(Boolean));
  main.dataset.ready = 'sign';
  return {};
}

// class | review | approve: the class board, as the server will check it.
async function showClassStep(ctx, main, p, { step, classes, stepSel, termSel, term }) {
  const cls = classes.includes(p.get('class')) ? p.get('class') : classes[0];
  ctx.sync({ view: 'sign', step, class: cls, term });
  document.title = `Ký duyệt lớp ${cls} — Sổ điểm`;
  const classSel = h('select', { 'aria-label': 'Lớp', name: 'class' }, ...classes.map((c) =>
    h('option', { value: c, selected: c === cls }, `Lớp ${c}`)));
  const reload = () => ctx.go({ view: 'sign', step: stepSel.value, class: stepSel.value === 'subject' ? '' : classSel.value,
    term: termSel.value }, { replace: true });
  for (const sel of [stepSel, classSel, termSel]) sel.addEventListener('change', reload);

  const body = h('div.sign-body', {}, h('p.loading', {}, 'Đang chuẩn bị…'));
  main.append(h('section.panel.wide', {},
    h('h1', {}, `${STEP_TITLES[step]} — lớp ${cls}`),
    h('div.tools', {}, stepSel, classSel, termSel),
    body));

  // The board as `sodiem board --json` prints it (the board page's report).
  const data = await api.get('/api/sign', { class: cls, step, term });
  const missing = data.missing || [];
  const students = data.students || [];
  const names = new Map(students.map((s) => [s.student, s.name]));
  const blocked = !data.ready || missing.length > 0 || !!data.error;
  const form = data.read_only ? null : keyForm(data, blocked, STEP_BUTTONS[step],
      (passphrase, newKey) => api.post('/api/sign', { class: cls, step, term, passphrase, new_key: newKey }));
  body.replaceChildren(...[
    data.archived_year ? null : errorNote(data),  // a copy's board says it already (boardNotices)
    ...boardNotices(data),
    missing.length ? missingPanel(missing, names, term, data)
      : (data.ready ? h('p.ready', {}, `Đủ điểm. Dưới đây là đúng bảng tổng hợp sẽ được ký cho ${TERM_NAMES[term]}.`) : null),
    data.digest ? h('p.digest', {}, 'Mã băm của nội dung trên máy này: ', h('code', { id: 'sign-digest' }, data.digest),
      ' (trùng với mã băm trên bảng điều khiển của trường khi máy đã đồng bộ).') : null,
    h('h2', {}, data.read_only ? 'Bảng tổng hợp trên bản lưu (chỉ xem)' : 'Nội dung sẽ ký'),
    students.length && (data.columns || []).length ? resultsTable(data) : h('p.none', {}, 'Chưa có dữ liệu cho học kì này.'),
    form].filter(Boolean));
  main.dataset.ready = 'sign';
  return {};
}
