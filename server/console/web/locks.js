// Khóa sổ: the lock periods in force; set one or remove one with a reason
// (the principal, or an administrator on the principal's decision).
import { get, post } from './api.js';
import { el, failed, isoFromVN, say, setMain } from './dom.js';

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
    from: el('input', { id: 'lock-from', placeholder: 'dd/mm/yyyy hh:mm (trống: ngay bây giờ)' }),
    until: el('input', { id: 'lock-until', placeholder: 'dd/mm/yyyy (trống: đến khi mở)' }),
    reason: el('input', { id: 'lock-reason', required: true, maxlength: 500 }),
  };
  const labels = { term: 'Học kì', class: 'Lớp', subject: 'Môn', kind: 'Loại khóa', from: 'Từ', until: 'Đến', reason: 'Lí do' };
  const button = el('button', { type: 'submit', class: 'primary' }, 'Đặt khóa');
  const form = el('form', { class: 'card', id: 'lock-form' }, el('h2', {}, 'Đặt khóa sổ'),
    Object.entries(f).map(([k, input]) => [el('label', { for: input.id }, labels[k]), input]), el('div', {}, button));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const when = {};
    for (const k of ['from', 'until']) {
      if (!f[k].value.trim()) { when[k] = ''; continue; }
      when[k] = isoFromVN(f[k].value);
      if (!when[k]) { say(`Ngày giờ "${f[k].value}" không đúng dạng dd/mm/yyyy hh:mm`, true); return; }
    }
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
    el('p', { class: 'muted' }, `Điểm nhập khi mất mạng trước lúc khóa vẫn được nhận nếu gửi lên trong ${data.grace_hours} giờ.`),
    el('div', { class: 'card table-wrap' }, data.items.length ? el('table', { id: 'locks-table' },
      el('thead', {}, el('tr', {}, ['Số', 'Phạm vi', 'Loại', 'Từ', 'Đến', 'Lí do', data.may_change ? 'Mở khóa' : null].filter(Boolean).map((h) => el('th', {}, h)))),
      el('tbody', {}, rows)) : el('p', {}, 'Không có khóa sổ nào đang hiệu lực.')),
    data.may_change ? addForm() : null);
}
