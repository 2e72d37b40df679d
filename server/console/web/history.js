// A cell's history (the server's cell_history, as `sodiem-server history`):
// a button that shows or hides the table of who, when, outcome, old → new
// and why under it. Used by the corrections queue and the Nhật ký page.
import { get } from './api.js';
import { el, failed } from './dom.js';

export function cellName(c) { return `${c.class} · ${c.subject} · ${c.student} · ${c.column}`; }

// [button, box]: the button fills the box with the cell's history, or empties it.
export function historyToggle(cell, label = 'Lịch sử ô điểm') {
  const box = el('div', { class: 'history' });
  const button = el('button', { type: 'button', 'data-action': 'history', 'aria-expanded': 'false' }, label);
  button.addEventListener('click', async () => {
    if (box.childElementCount) {
      box.replaceChildren();
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    try {
      const data = await get('/api/history', { class: cell.class, subject: cell.subject, student: cell.student, column: cell.column });
      box.replaceChildren(el('div', { class: 'table-wrap' }, el('table', { class: 'history-table' },
        el('caption', {}, `Lịch sử ô ${cellName(cell)}`),
        el('thead', {}, el('tr', {}, ['Lúc', 'Người', 'Kết quả', 'Giá trị', 'Ghi chú'].map((h) => el('th', {}, h)))),
        el('tbody', {}, data.events.length ? data.events.map((e) => el('tr', {}, el('td', {}, e.at), el('td', {}, e.author),
          el('td', {}, e.outcome_text || e.outcome), el('td', {}, `${e.old || '(trống)'} → ${e.new || '(trống)'}`),
          el('td', {}, e.reason))) : el('tr', {}, el('td', { colspan: 5 }, '(chưa có thay đổi)'))))));
      button.setAttribute('aria-expanded', 'true');
    } catch (err) { failed(err); }
  });
  return [button, box];
}
