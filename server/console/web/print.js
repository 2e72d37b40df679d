// The console's print buttons: a button that downloads a printed record
// (GET `path` with `params()`, a PDF the server makes with the functions of
// `sodiem-server print`), saying on the status line what was saved or why
// not. Used by Tiến độ (progress.js) and Phê duyệt (approvals.js).
import { download } from './api.js';
import { el, failed, say } from './dom.js';

export function printButton(id, label, path, params) {
  const button = el('button', { type: 'button', id, class: 'no-print' }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    say('Đang in…');
    try {
      say(`Đã tải về ${await download(path, params())}`);
    } catch (err) { failed(err); } finally { button.disabled = false; }
  });
  return button;
}
