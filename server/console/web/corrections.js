// Yêu cầu điều chỉnh: each request with old → new, reason, author, the
// cell's history on a click; approve or refuse with a comment (the server
// decides who may: the principal, a vice principal only when delegated).
import { get, post } from './api.js';
import { el, failed, say, setMain } from './dom.js';
import { historyToggle } from './history.js';

let status = 'pending';
const STATUS = { pending: 'Chờ duyệt', approved: 'Đã duyệt', refused: 'Đã từ chối' };

function item(r, mayDecide) {
  const comment = el('input', { type: 'text', placeholder: 'Ý kiến (bắt buộc khi từ chối)', 'aria-label': `Ý kiến cho yêu cầu #${r.id}`, maxlength: 500 });
  const decide = async (decision, button) => {
    button.disabled = true;
    try {
      const res = await post('/api/corrections/decide', { id: r.id, decision, comment: comment.value });
      say(res.message);
      await show();
    } catch (err) {
      failed(err);
      button.disabled = false;
    }
  };
  const [showStory, story] = historyToggle({ class: r.class, subject: r.subject, student: r.student, column: r.column });
  const approve = el('button', { type: 'button', class: 'primary', 'data-action': 'approve' }, 'Duyệt');
  const refuse = el('button', { type: 'button', class: 'danger', 'data-action': 'refuse' }, 'Từ chối');
  approve.addEventListener('click', () => decide('approve', approve));
  refuse.addEventListener('click', () => decide('refuse', refuse));
  return el('div', { class: 'card correction', 'data-id': r.id },
    el('div', {}, el('strong', {}, `#${r.id} · Lớp ${r.class} · ${r.subject} · ${r.name} (${r.student}) · cột ${r.column}`)),
    el('div', {}, 'Điểm: ', el('span', { class: 'old' }, r.old || '(trống)'), ' → ', el('span', { class: 'new' }, r.new || '(trống)')),
    el('div', {}, `Lí do: ${r.reason}`),
    el('div', { class: 'muted' }, `Người đề nghị: ${r.requested_by}, lúc ${r.requested_at} · ${STATUS[r.status] || r.status}`),
    r.decided_by ? el('div', { class: 'muted' }, `${r.decided_by} quyết định lúc ${r.decided_at}${r.comment ? `: ${r.comment}` : ''}`) : null,
    r.status === 'pending' && mayDecide ? el('div', { class: 'decide' }, comment, approve, refuse) : null,
    el('div', { class: 'decide' }, showStory), story);
}

export async function show() {
  const data = await get('/api/corrections', { status });
  const select = el('select', { id: 'status' },
    Object.entries({ pending: 'Chờ duyệt', approved: 'Đã duyệt', refused: 'Đã từ chối', all: 'Tất cả' })
      .map(([v, t]) => el('option', { value: v, selected: v === status }, t)));
  select.addEventListener('change', () => { status = select.value; show().catch(failed); });
  setMain(
    el('h1', {}, 'Yêu cầu điều chỉnh điểm'),
    el('div', { class: 'controls' }, el('label', { for: 'status' }, 'Trạng thái'), select),
    data.may_decide ? null : el('p', { class: 'muted' }, data.why_not),
    data.items.length ? el('div', { id: 'corrections' }, data.items.map((r) => item(r, data.may_decide)))
      : el('p', { id: 'corrections-empty' }, 'Không có yêu cầu nào.'));
}
