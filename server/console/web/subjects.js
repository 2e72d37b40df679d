// Môn lựa chọn (the principal and administrators, a school with THPT
// classes): each class's electives and study-topic subjects, and a form
// that changes one class's choice (POST /api/class-subjects/set: the server
// checks it as `sodiem-server class subjects` does, refuses in Vietnamese
// naming what is wrong, and audits). The page checks nothing itself.
import { get, post } from './api.js';
import { el, failed, say, setMain } from './dom.js';

let editing = '';  // the class whose form is open

function list(names) { return names.length ? names.join(', ') : '—'; }

function row(c) {
  const edit = el('button', { type: 'button', 'data-action': 'edit', 'aria-label': `Sửa lựa chọn của lớp ${c.class}` }, 'Sửa');
  edit.addEventListener('click', () => { editing = c.class; show().catch(failed); });
  return el('tr', { 'data-class': c.class, 'data-chosen': c.chosen ? 'yes' : 'no' },
    el('td', {}, c.class), el('td', { class: 'num' }, String(c.grade)),
    c.chosen ? [el('td', { class: 'electives' }, list(c.electives)), el('td', { class: 'topics' }, list(c.topics))]
      : el('td', { colspan: 2, class: 'muted' }, 'Chưa chọn: lớp học mọi môn của khối'),
    el('td', { class: 'no-print' }, edit));
}

// Checkboxes named `group`, one per subject offered, ticked as the class has chosen.
function boxes(group, offered, ticked) {
  return offered.map((name, i) => el('span', { class: 'check' },
    el('input', { type: 'checkbox', id: `${group}-${i}`, name: group, value: name, checked: ticked.includes(name) }),
    el('label', { for: `${group}-${i}` }, name)));
}

function form(c, data) {
  const error = el('p', { class: 'error-text', id: 'subjects-error', role: 'alert' });
  const save = el('button', { type: 'submit', class: 'primary', id: 'subjects-save' }, 'Ghi lựa chọn');
  const cancel = el('button', { type: 'button', id: 'subjects-cancel' }, 'Hủy');
  const node = el('form', { class: 'card', id: 'subjects-form', 'data-class': c.class },
    el('h2', {}, `Lựa chọn của lớp ${c.class} (khối ${c.grade})`),
    el('fieldset', { class: 'roles' }, el('legend', {}, `Môn lựa chọn (chọn ${data.electives_per_class})`),
      boxes('electives', c.offer.electives, c.chosen ? c.electives : [])),
    el('fieldset', { class: 'roles' }, el('legend', {}, `Môn có chuyên đề học tập (chọn ${data.topics_per_class})`),
      boxes('topics', c.offer.topics, c.chosen ? c.topics : [])),
    el('p', { class: 'muted' }, 'Chuyên đề chỉ chọn ở môn bắt buộc hoặc môn lựa chọn của lớp. '
      + 'Không bỏ được môn hay cột chuyên đề đã có điểm. Mọi thay đổi được ghi vào nhật ký.'),
    error, el('div', { class: 'decide' }, save, cancel));
  const close = () => { editing = ''; show().catch(failed); };
  cancel.addEventListener('click', close);
  node.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') close(); });
  node.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const ticked = (group) => [...node.querySelectorAll(`input[name="${group}"]:checked`)].map((b) => b.value);
    save.disabled = true;
    error.textContent = '';
    try {
      const res = await post('/api/class-subjects/set', { class: c.class, electives: ticked('electives'), topics: ticked('topics') });
      editing = '';
      await show();
      say(res.message);
      document.querySelector(`#subjects-table tr[data-class="${CSS.escape(c.class)}"] button`)?.focus();
    } catch (err) {
      if (err.status === 400) error.textContent = err.message.charAt(0).toUpperCase() + err.message.slice(1);
      else failed(err);
      save.disabled = false;
    }
  });
  return node;
}

export async function show() {
  const data = await get('/api/class-subjects');
  const open = data.classes.find((c) => c.class === editing);
  const editor = open ? form(open, data) : null;
  setMain(
    el('h1', {}, 'Môn lựa chọn và chuyên đề học tập'),
    el('p', { class: 'muted' }, `Mỗi lớp THPT học các môn bắt buộc, ${data.electives_per_class} môn lựa chọn và chuyên đề học tập `
      + `của ${data.topics_per_class} môn (Chương trình GDPT 2018). Lớp chưa chọn thì học mọi môn của khối.`),
    data.classes.length
      ? el('div', { class: 'card table-wrap' }, el('table', { id: 'subjects-table' },
        el('thead', {}, el('tr', {}, ['Lớp', 'Khối', 'Môn lựa chọn', 'Chuyên đề học tập', ''].map((h) => el('th', {}, h)))),
        el('tbody', {}, data.classes.map(row))))
      : el('p', { id: 'subjects-empty' }, 'Trường chưa có lớp THPT nào (khối 10–12) học theo chương trình đã thiết lập.'),
    editor);
  if (editor) editor.querySelector('input')?.focus();
}
