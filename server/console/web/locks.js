// Khóa sổ: the lock periods in force; set one or remove one with a reason;
// the exceptions in force (one teacher / class / subject / column allowed to
// write after a lock, until a time), added with a reason or removed; the
// offline grace window; each term's entry window (thời gian nhập điểm: new
// marks are accepted between its dates), set as `sodiem-server term set`
// (the principal, or an administrator on the principal's decision).
import { get, post } from './api.js';
import { dateVN, el, failed, say, setMain } from './dom.js';

const KIND = { entry_closed: 'Hết hạn nhập điểm mới', frozen: 'Khóa hẳn' };

function scope(l) {
  const parts = [];
  if (l.term) parts.push(l.term === 'HK1' ? 'Học kì I' : 'Học kì II');
  if (l.grade) parts.push(`Khối ${l.grade}`);
  if (l.class) parts.push(`Lớp ${l.class}`);
  if (l.subject) parts.push(l.subject);
  if (l.column_kind) parts.push(`cột ${l.column_kind}`);
  return parts.join(' · ') || 'Toàn trường';
}

function addForm() {
  const f = {
    term: el('select', { id: 'lock-term' }, el('option', { value: 'HK1' }, 'Học kì I'), el('option', { value: 'HK2' }, 'Học kì II'), el('option', { value: '' }, 'Mọi học kì')),
    class: el('input', { id: 'lock-class', placeholder: 'vd. 6A (trống: mọi lớp)' }),
    subject: el('input', { id: 'lock-subject', placeholder: 'trống: mọi môn' }),
    kind: el('select', { id: 'lock-kind' }, el('option', { value: 'frozen' }, KIND.frozen), el('option', { value: 'entry_closed' }, KIND.entry_closed)),
    from: el('input', { id: 'lock-from', maxlength: 32, placeholder: 'dd/mm/yyyy hh:mm (trống: ngay bây giờ)' }),
    until: el('input', { id: 'lock-until', maxlength: 32, placeholder: 'dd/mm/yyyy (trống: đến khi mở)' }),
    reason: el('input', { id: 'lock-reason', required: true, maxlength: 500 }),
  };
  const labels = { term: 'Học kì', class: 'Lớp', subject: 'Môn', kind: 'Loại khóa', from: 'Từ', until: 'Đến', reason: 'Lí do' };
  const button = el('button', { type: 'submit', class: 'primary' }, 'Đặt khóa');
  const form = el('form', { class: 'card', id: 'lock-form' }, el('h2', {}, 'Đặt khóa sổ'),
    Object.entries(f).map(([k, input]) => [el('label', { for: input.id }, labels[k]), input]), el('div', {}, button));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    // The dates as typed: the server reads them (dd/mm/yyyy or yyyy-mm-dd,
    // hh:mm if wanted) and names what it accepts when it refuses one.
    const when = { from: f.from.value.trim(), until: f.until.value.trim() };
    button.disabled = true;
    try {
      const res = await post('/api/locks/add', { term: f.term.value, class: f.class.value.trim(), subject: f.subject.value.trim(),
        kind: f.kind.value, from: when.from, until: when.until, reason: f.reason.value });
      say(res.message);
      await show();
    } catch (err) { failed(err); button.disabled = false; }
  });
  return form;
}

// Runs `action` (a POST) from `button`, says its answer, then redraws the page.
async function act(button, action) {
  button.disabled = true;
  try {
    const res = await action();
    say(res.message);
    await show();
  } catch (err) { failed(err); button.disabled = false; }
}

function exceptionScope(e) {
  const parts = [e.user || 'Mọi giáo viên'];
  if (e.class) parts.push(`Lớp ${e.class}`);
  if (e.subject) parts.push(e.subject);
  if (e.column) parts.push(`cột ${e.column}`);
  return parts.join(' · ');
}

function exceptionsCard(data) {
  const rows = data.exceptions.map((e) => {
    const remove = el('button', { type: 'button', class: 'danger', 'data-action': 'remove-exception' }, 'Gỡ ngoại lệ');
    remove.addEventListener('click', () => act(remove, () => post('/api/locks/exception/remove', { id: e.id })));
    return el('tr', { 'data-id': e.id }, el('td', {}, `#${e.id}`), el('td', {}, exceptionScope(e)), el('td', {}, e.until),
      el('td', {}, `${e.reason} (${e.by})`), data.may_change ? el('td', {}, remove) : null);
  });
  const heads = ['Số', 'Được phép', 'Đến', 'Lí do', data.may_change ? 'Gỡ' : null].filter(Boolean);
  return el('div', { class: 'card table-wrap', id: 'exceptions' }, el('h2', {}, 'Ngoại lệ đang hiệu lực'),
    el('p', { class: 'muted' }, 'Một ngoại lệ cho phép đúng một phạm vi hẹp (giáo viên, lớp, môn hoặc cột) ghi điểm sau khi khóa, đến hết thời hạn.'),
    data.exceptions.length ? el('table', { id: 'exceptions-table' }, el('thead', {}, el('tr', {}, heads.map((h) => el('th', {}, h)))),
      el('tbody', {}, rows)) : el('p', { id: 'exceptions-empty' }, 'Không có ngoại lệ nào.'));
}

function exceptionForm() {
  const f = {
    user: el('input', { id: 'exc-user', placeholder: 'tên đăng nhập, vd. gv.toan.1' }),
    class: el('input', { id: 'exc-class', placeholder: 'vd. 6A' }),
    subject: el('input', { id: 'exc-subject', placeholder: 'vd. Toán' }),
    column: el('input', { id: 'exc-column', placeholder: 'đúng một cột, vd. HK1.GK' }),
    until: el('input', { id: 'exc-until', required: true, maxlength: 32, placeholder: 'dd/mm/yyyy hh:mm' }),
    reason: el('input', { id: 'exc-reason', required: true, maxlength: 500 }),
  };
  const labels = { user: 'Giáo viên', class: 'Lớp', subject: 'Môn', column: 'Cột', until: 'Hết hạn lúc', reason: 'Lí do' };
  const button = el('button', { type: 'submit', class: 'primary' }, 'Mở ngoại lệ');
  const form = el('form', { class: 'card', id: 'exception-form' }, el('h2', {}, 'Mở ngoại lệ có thời hạn'),
    Object.entries(f).map(([k, input]) => [el('label', { for: input.id }, labels[k]), input]), el('div', {}, button));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const until = f.until.value.trim();  // as typed: the server reads it
    act(button, () => post('/api/locks/exception/add', { user: f.user.value.trim(), class: f.class.value.trim(),
      subject: f.subject.value.trim(), column: f.column.value.trim(), until, reason: f.reason.value }));
  });
  return form;
}

const TERM_NAMES = { HK1: 'Học kì I', HK2: 'Học kì II' };

// Each term's entry window; the principal sets a term's dates (dd/mm/yyyy).
function termsCard(data) {
  const rows = (data.terms || []).map((t) => el('tr', { 'data-term': t.term },
    el('td', {}, TERM_NAMES[t.term] || t.term), el('td', {}, `${dateVN(t.starts_on)} – ${dateVN(t.ends_on)}`),
    el('td', { 'data-field': 'opens' }, dateVN(t.opens)), el('td', { 'data-field': 'closes' }, dateVN(t.closes))));
  const card = el('div', { class: 'card table-wrap', id: 'entry-windows' }, el('h2', {}, 'Thời gian nhập điểm'),
    el('p', { class: 'muted' }, 'Ngoài thời gian này, điểm mới bị từ chối (hết hạn nhập điểm); điểm đã nhập sửa bằng yêu cầu điều chỉnh.'),
    rows.length ? el('table', { id: 'terms-table' },
      el('thead', {}, el('tr', {}, ['Học kì', 'Thời gian học kì', 'Mở nhập điểm', 'Đóng nhập điểm'].map((h) => el('th', {}, h)))),
      el('tbody', {}, rows)) : el('p', {}, 'Năm học hiện tại chưa có học kì nào.'));
  if (!data.may_change || !rows.length) return card;
  const f = {
    term: el('select', { id: 'window-term' }, (data.terms || []).map((t) => el('option', { value: t.term }, TERM_NAMES[t.term] || t.term))),
    opens: el('input', { id: 'window-opens', required: true, maxlength: 16, placeholder: 'dd/mm/yyyy' }),
    closes: el('input', { id: 'window-closes', required: true, maxlength: 16, placeholder: 'dd/mm/yyyy' }),
  };
  const labels = { term: 'Học kì', opens: 'Mở nhập điểm', closes: 'Đóng nhập điểm' };
  const button = el('button', { type: 'submit', class: 'primary' }, 'Đặt thời gian nhập điểm');
  const form = el('form', { id: 'window-form' },
    Object.entries(f).map(([k, input]) => [el('label', { for: input.id }, labels[k]), input]), el('div', {}, button));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    // As typed (dd/mm/yyyy or yyyy-mm-dd): the server reads them.
    act(button, () => post('/api/locks/term', { term: f.term.value, opens: f.opens.value.trim(), closes: f.closes.value.trim() }));
  });
  card.append(form);
  return card;
}

function graceForm(data) {
  const hours = el('input', { id: 'grace-hours', type: 'number', min: 0, max: 720, step: 1, value: data.grace_hours, required: true });
  const button = el('button', { type: 'submit' }, 'Lưu');
  const form = el('form', { class: 'card', id: 'grace-form' }, el('h2', {}, 'Thời gian ân hạn'),
    el('p', { class: 'muted' }, 'Điểm ghi khi mất mạng trước lúc khóa vẫn được nhận nếu gửi lên trong khoảng thời gian này.'),
    el('label', { for: 'grace-hours' }, 'Số giờ (0–720)'), hours, el('div', {}, button));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(button, () => post('/api/locks/grace', { hours: Number(hours.value) }));
  });
  return form;
}

export async function show() {
  const data = await get('/api/locks');
  const rows = data.items.map((l) => {
    const reason = el('input', { placeholder: 'Lí do mở khóa', 'aria-label': `Lí do mở khóa #${l.id}`, maxlength: 500 });
    const remove = el('button', { type: 'button', class: 'danger' }, 'Mở khóa');
    remove.addEventListener('click', async () => {
      remove.disabled = true;
      try {
        const res = await post('/api/locks/remove', { id: l.id, reason: reason.value });
        say(res.message);
        await show();
      } catch (err) { failed(err); remove.disabled = false; }
    });
    return el('tr', {}, el('td', {}, `#${l.id}`), el('td', {}, scope(l)), el('td', {}, KIND[l.kind] || l.kind),
      el('td', {}, l.from), el('td', {}, l.until || 'đến khi mở'), el('td', {}, `${l.reason} (${l.set_by})`),
      data.may_change ? el('td', {}, el('div', { class: 'decide' }, reason, remove)) : null);
  });
  setMain(
    el('h1', {}, 'Khóa sổ'),
    el('p', { class: 'muted', id: 'grace-note' }, `Điểm nhập khi mất mạng trước lúc khóa vẫn được nhận nếu gửi lên trong ${data.grace_hours} giờ.`),
    el('div', { class: 'card table-wrap' }, data.items.length ? el('table', { id: 'locks-table' },
      el('thead', {}, el('tr', {}, ['Số', 'Phạm vi', 'Loại', 'Từ', 'Đến', 'Lí do', data.may_change ? 'Mở khóa' : null].filter(Boolean).map((h) => el('th', {}, h)))),
      el('tbody', {}, rows)) : el('p', {}, 'Không có khóa sổ nào đang hiệu lực.')),
    data.may_change ? addForm() : null,
    termsCard(data),
    exceptionsCard(data),
    data.may_change ? exceptionForm() : null,
    data.may_change ? graceForm(data) : null);
}
