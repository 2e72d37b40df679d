// The spreadsheet-like grade grid: one table built in a single pass, one set
// of delegated listeners, keyboard like Excel, paste of tab-separated blocks,
// undo, and the cell popover (refusal, conflict, lock, correction request).
// Used by screens.js (subject and homeroom grids) and homeroom.js
// (attendance). Every write goes through /api/cells (channel.js save: the page's
// channel, else a POST; see API.md).
import * as api from './api.js';
import { save as saveOnChannel } from './channel.js';
import { comma, esc, h, columnVN } from './util.js';

const LOCK_CODES = new Set(['TERM_LOCKED', 'ENTRY_CLOSED', 'APPROVED_READ_ONLY']);
const EMPTY = Object.freeze({ value: '', state: 'empty' });
const MAX_EDITS = 2000;  // per POST /api/cells
// How long the screen's writes for a committed edit wait for its answer
// (see hold): about one frame at 60 Hz, so the cursor never visibly lags.
const HOLD_MS = 16;

// Timings the benchmark (tests/browser/bench-ui.mjs) reads.
export const perf = (window.sodiemPerf = window.sodiemPerf || { saves: [], grids: [] });

// Excel / LibreOffice clipboard text → rows of cells. Windows or Unix line
// endings; one trailing newline is not an extra row.
export function parseClipboard(text) {
  let t = String(text).replace(/\r\n?/g, '\n');
  if (t.endsWith('\n')) t = t.slice(0, -1);
  if (t === '') return [];
  return t.split('\n').map((line) => line.split('\t'));
}

const isNumeric = (type) => type === 'mark' || type === 'average';
const display = (value, type) => (isNumeric(type) ? comma(value) : String(value ?? ''));

// Two cells as /api/grid gives them (flat objects of strings and numbers).
function sameCell(a, b) {
  if (a === b) return true;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => a[k] === b[k]);
}

function sameValue(typed, current, type) {
  if (type === 'mark') return typed.replace(',', '.') === String(current ?? '');
  return typed === String(current ?? '');
}

function cellTitle(cell, col) {
  switch (cell.state) {
    case 'local': return 'Đã lưu trên máy này, chưa gửi lên máy chủ';
    case 'refused':
      return `Bị từ chối: ${cell.reason || ''}\nBạn nhập: ${display(cell.mine, col.type) || '(trống)'}` +
        `\nTrên máy chủ: ${display(cell.server_value, col.type) || '(trống)'}\nBấm vào ô để xem và xin điều chỉnh.`;
    case 'locked':
      return `Đã khóa: ${cell.reason || ''}` + (cell.mine ? `\nBạn nhập: ${display(cell.mine, col.type)} (chưa được nhận)` : '') +
        '\nBấm vào ô để xin điều chỉnh.';
    case 'conflict':
      return `Hai giá trị khác nhau: ${display(cell.current, col.type)} (${cell.current_author || '?'}) và ` +
        `${display(cell.other, col.type)} (${cell.other_author || '?'}). Bấm vào ô để chọn.`;
    default:
      return col.type === 'comment' && cell.value ? String(cell.value) : '';
  }
}

let current = null;  // the grid on screen, resized with the window
window.addEventListener('resize', () => { if (current?.wrap.isConnected) current.fitHeight(); });

export class Grid {
  // opts: {cls, subject, columns: [{key, id?, average?, count?, label, group,
  // type, editable}], students: [{stt, code, name, cells, averages, absent}],
  // mode: 'subject' | 'attendance', onStatus(status), onChanged(),
  // readOnly: why nothing may be written ('' or absent: editable)}.
  // A read-only grid (a closed year's copy) moves, selects and copies, and
  // says readOnly at any edit, paste, undo or request instead of sending it.
  constructor(host, opts) {
    this.host = host;
    this.opts = opts;
    this.cols = opts.columns;
    this.colIndex = new Map(this.cols.map((c, i) => [c.key, i]));
    this.rows = [];
    this.rowIndex = new Map();
    this.cur = { r: 0, c: this.cols.findIndex((c) => c.editable) };
    if (this.cur.c < 0) this.cur.c = 0;
    this.editing = null;
    this.undoStack = [];
    this.queue = Promise.resolve();
    this.inflight = 0;
    this.lastCommit = -Infinity;  // performance.now() of the last save (the quiet refresh waits for a pause)
    this.held = [];  // screen writes waiting for a save's answer (hold, show)
    this.heldTimer = 0;
    this.setStudents(opts.students);
    this.build();
  }

  setStudents(students) {
    this.rows = students.map((s) => ({
      stt: s.stt, code: s.code, name: s.name,
      cells: { ...(s.cells || {}) }, averages: { ...(s.averages || {}) }, absent: { P: 0, K: 0, ...(s.absent || {}) },
    }));
    this.rowIndex = new Map(this.rows.map((row, i) => [row.code, i]));
  }

  cell(r, c) {
    const col = this.cols[c];
    return (col.id && this.rows[r].cells[col.id]) || EMPTY;
  }

  td(r, c) { return this.tbody.rows[r]?.cells[c + 3]; }

  // ---- rendering: one string, one innerHTML ----
  cellHtml(row, r, c) {
    const col = this.cols[c];
    const sel = r === this.cur.r && c === this.cur.c ? ' sel' : '';
    if (col.type === 'average') {
      return `<td class="avg${sel}" data-student="${esc(row.code)}" data-average="${esc(col.average)}">` +
        `${esc(comma(row.averages[col.average] ?? ''))}</td>`;
    }
    if (col.type === 'count') {
      return `<td class="count${sel}" data-student="${esc(row.code)}" data-count="${esc(col.count)}">` +
        `${row.absent[col.count] || ''}</td>`;
    }
    const cell = row.cells[col.id] || EMPTY;
    const title = cellTitle(cell, col);
    return `<td class="t-${col.type}${sel}" data-student="${esc(row.code)}" data-column="${esc(col.id)}" ` +
      `data-state="${esc(cell.state || 'synced')}"${title ? ` title="${esc(title)}"` : ''}>${esc(display(cell.value, col.type))}</td>`;
  }

  build() {
    const t0 = performance.now();
    const cols = this.cols;
    let head = '<tr><th class="stt" rowspan="2">STT</th><th class="name" rowspan="2">Họ và tên</th>' +
      '<th class="code" rowspan="2">Mã HS</th>';
    for (let i = 0; i < cols.length;) {
      let j = i;
      while (j < cols.length && cols[j].group === cols[i].group) j++;
      head += `<th class="grp" colspan="${j - i}">${esc(cols[i].group)}</th>`;
      i = j;
    }
    head += '</tr><tr>' + cols.map((c) =>
      `<th class="h-${c.type}${c.lock ? ' h-locked' : ''}"${c.title ? ` title="${esc(c.title)}"` : ''}>${esc(c.label)}</th>`).join('') + '</tr>';
    const body = this.rows.map((row, r) =>
      `<tr><td class="stt">${row.stt}</td><th class="name" scope="row">${esc(row.name)}</th>` +
      `<td class="code">${esc(row.code)}</td>${cols.map((_, c) => this.cellHtml(row, r, c)).join('')}</tr>`).join('');
    const ro = this.opts.readOnly ? ' readonly" aria-readonly="true' : '';
    this.host.innerHTML =
      `<div class="grid-wrap${ro}" tabindex="0" role="grid" aria-label="Bảng điểm">` +
      `<table class="grid grid-${this.opts.mode || 'subject'}"><thead>${head}</thead><tbody>${body}</tbody></table>` +
      `<div class="cellpop" hidden></div></div>` +
      `<div class="grid-msg" role="status" aria-live="polite"></div>` +
      `<datalist id="dl-grade"><option value="Đ"></option><option value="CĐ"></option></datalist>` +
      `<datalist id="dl-conduct"><option value="Tốt"></option><option value="Khá"></option>` +
      `<option value="Đạt"></option><option value="Chưa đạt"></option></datalist>` +
      `<datalist id="dl-rating"><option value="Hoàn thành tốt"></option><option value="Hoàn thành"></option>` +
      `<option value="Chưa hoàn thành"></option></datalist>` +
      `<datalist id="dl-quality"><option value="Tốt"></option><option value="Đạt"></option>` +
      `<option value="Cần cố gắng"></option></datalist>`;
    this.wrap = this.host.querySelector('.grid-wrap');
    this.table = this.wrap.querySelector('table');
    this.tbody = this.table.tBodies[0];
    this.pop = this.wrap.querySelector('.cellpop');
    this.msgEl = this.host.querySelector('.grid-msg');
    this.wrap.addEventListener('keydown', (e) => this.onKey(e));
    this.wrap.addEventListener('paste', (e) => this.onPaste(e));
    this.wrap.addEventListener('copy', (e) => this.onCopy(e));
    this.tbody.addEventListener('mousedown', (e) => this.onMouseDown(e));
    this.tbody.addEventListener('click', (e) => this.onClick(e));
    this.tbody.addEventListener('dblclick', (e) => this.onDblClick(e));
    this.wrap.addEventListener('focusout', (e) => {
      if (!this.editing || e.target !== this.editing.input) return;
      // A refused value's editor stays open while its popover is used (its ×: as Esc).
      if (this.editing.refused && this.pop.contains(e.relatedTarget)) return;
      this.commitEdit(0, 0);
    });
    this.fitHeight();
    this.freezeWidths();
    current = this;
    this.builtMs = performance.now() - t0;
  }

  // Column widths frozen after the first layout (table-layout: fixed): a
  // changed cell then re-lays out only itself, not the whole table, which
  // keeps the frame after each keystroke short (ui_save_ms).
  freezeWidths() {
    const first = this.tbody.rows[0];
    if (!first) return;
    const widths = [...first.cells].map((td) => Math.ceil(td.getBoundingClientRect().width));
    const group = document.createElement('colgroup');
    for (const w of widths) {
      const col = document.createElement('col');
      col.style.width = `${w}px`;
      group.append(col);
    }
    this.table.prepend(group);
    this.table.style.width = `${widths.reduce((a, b) => a + b, 0)}px`;
    this.table.style.tableLayout = 'fixed';
  }

  // The grid scrolls inside the window: header row and names stay in view.
  fitHeight() {
    const top = this.wrap.getBoundingClientRect().top + window.scrollY;
    this.wrap.style.maxHeight = `${Math.max(240, window.innerHeight - top - 34)}px`;
  }

  focus() { this.wrap.focus({ preventScroll: true }); }

  // Writes only what changed: an unchanged cell costs the browser no new layout.
  paint(r, c) {
    const td = this.td(r, c);
    if (!td) return;
    const col = this.cols[c];
    const row = this.rows[r];
    const put = (text) => { if (td.textContent !== text) td.textContent = text; };
    if (col.type === 'average') { put(comma(row.averages[col.average] ?? '')); return; }
    if (col.type === 'count') { put(String(row.absent[col.count] || '')); return; }
    const cell = this.cell(r, c);
    put(display(cell.value, col.type));
    const state = cell.state || 'synced';
    if (td.dataset.state !== state) td.dataset.state = state;
    const title = cellTitle(cell, col);
    if (title) { if (td.title !== title) td.title = title; } else if (td.hasAttribute('title')) td.removeAttribute('title');
  }

  paintAverages(r) {
    this.cols.forEach((col, c) => { if (col.type === 'average' || col.type === 'count') this.paint(r, c); });
  }

  // Quiet refresh after a sync: new states and values, same DOM, same cursor,
  // an edit in progress and cells being saved untouched. False if the class
  // list changed (the caller rebuilds).
  update(students) {
    this.show();
    if (students.length !== this.rows.length || students.some((s) => !this.rowIndex.has(s.code))) return false;
    for (const s of students) {
      const r = this.rowIndex.get(s.code);
      const row = this.rows[r];
      const before = row.cells;
      row.cells = { ...(s.cells || {}) };
      row.averages = { ...(s.averages || {}) };
      if (s.absent) row.absent = { P: 0, K: 0, ...s.absent };
      this.cols.forEach((col, c) => {
        const td = this.td(r, c);
        if (!td || td.classList.contains('saving')) {
          if (col.id && before[col.id]) row.cells[col.id] = before[col.id];
          return;
        }
        if (this.editing && this.editing.r === r && this.editing.c === c) return;
        if (!col.id) { this.paint(r, c); return; }
        if (!sameCell(before[col.id] || EMPTY, row.cells[col.id] || EMPTY)) this.paint(r, c);
      });
    }
    return true;
  }

  // ---- cursor ----
  select(r, c, { keepPop = false } = {}) {
    r = Math.max(0, Math.min(this.rows.length - 1, r));
    c = Math.max(0, Math.min(this.cols.length - 1, c));
    const old = this.td(this.cur.r, this.cur.c);
    if (old) old.classList.remove('sel');
    this.cur = { r, c };
    const td = this.td(r, c);
    if (!td) return;
    td.classList.add('sel');
    this.scrollToCursor();
    if (!keepPop) this.hidePop();
    const row = this.rows[r], col = this.cols[c];
    this.describe(`${row.stt}. ${row.name} (${row.code}) · ${col.id ? columnVN(col.id) : col.label}`);
  }

  // The cursor's cell scrolled into view in the next frame, whose layout
  // is done anyway, not at once (which would lay the table out twice).
  scrollToCursor() {
    if (this.scrollPending) return;
    this.scrollPending = true;
    requestAnimationFrame(() => {
      this.scrollPending = false;
      this.td(this.cur.r, this.cur.c)?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    });
  }

  move(dr, dc) { this.select(this.cur.r + dr, this.cur.c + dc); }

  describe(text) {
    if (!this.msgEl.classList.contains('sticky')) { this.msgEl.textContent = text; this.msgEl.className = 'grid-msg'; }
  }

  // until: true keeps the message until another one (or clearMessage).
  message(text, kind = 'info', { until = false } = {}) {
    this.msgEl.textContent = text;
    this.msgEl.className = `grid-msg ${kind} sticky`;
    clearTimeout(this.msgTimer);
    if (!until) this.msgTimer = setTimeout(() => this.msgEl.classList.remove('sticky'), kind === 'error' ? 8000 : 2500);
  }

  clearMessage() {
    clearTimeout(this.msgTimer);
    this.msgEl.textContent = '';
    this.msgEl.className = 'grid-msg';
  }

  posFromEvent(e) {
    const td = e.target.closest('td[data-column], td[data-average], td[data-count]');
    if (!td || !this.tbody.contains(td)) return null;
    return { r: td.parentElement.sectionRowIndex, c: td.cellIndex - 3, td };
  }

  // ---- mouse ----
  onMouseDown(e) {
    this.show();
    if (this.pop.classList.contains('transient')) this.hidePop();
    const p = this.posFromEvent(e);
    if (!p) return;
    if (this.editing && this.editing.r === p.r && this.editing.c === p.c) return;
    if (this.editing) this.commitEdit(0, 0);
    this.select(p.r, p.c);
    e.preventDefault();  // keep the focus on the grid
    this.focus();
  }

  onClick(e) {
    this.show();
    const p = this.posFromEvent(e);
    if (!p) return;
    const col = this.cols[p.c];
    const cell = this.cell(p.r, p.c);
    if (['refused', 'conflict', 'locked'].includes(cell.state)) { this.showCellInfo(p.r, p.c); return; }
    if (col.type === 'attendance' && !this.opts.readOnly) this.cycle(p.r, p.c);  // read-only: a click only selects
  }

  onDblClick(e) {
    this.show();
    const p = this.posFromEvent(e);
    if (!p || this.cols[p.c].type === 'attendance') return;
    this.startEdit('keep');
  }

  // ---- keyboard ----
  onKey(e) {
    this.show();
    if (this.pop.contains(e.target)) {
      if (e.key === 'Escape') { e.preventDefault(); this.hidePop(); this.focus(); }
      return;
    }
    if (this.pop.classList.contains('transient')) this.hidePop();
    if (this.editing) { this.onEditorKey(e); return; }
    const k = e.key;
    const ctrl = e.ctrlKey || e.metaKey;
    if (ctrl && !e.altKey && (k === 'z' || k === 'Z')) { e.preventDefault(); this.undo(); return; }
    if (ctrl && k === 'Home') { e.preventDefault(); this.select(0, 0); return; }
    if (ctrl && k === 'End') { e.preventDefault(); this.select(this.rows.length - 1, this.cols.length - 1); return; }
    if (ctrl || e.altKey) return;
    const col = this.cols[this.cur.c];
    const pageRows = Math.max(1, Math.floor(this.wrap.clientHeight / 28) - 3);
    const moves = {
      ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1],
      Enter: [e.shiftKey ? -1 : 1, 0], Tab: [0, e.shiftKey ? -1 : 1], PageUp: [-pageRows, 0], PageDown: [pageRows, 0],
    };
    if (moves[k]) { e.preventDefault(); this.move(...moves[k]); return; }
    if (k === 'Home') { e.preventDefault(); this.select(this.cur.r, 0); return; }
    if (k === 'End') { e.preventDefault(); this.select(this.cur.r, this.cols.length - 1); return; }
    if (k === 'Escape') { this.hidePop(); return; }
    if (k === 'F2') { e.preventDefault(); this.startEdit('keep'); return; }
    if (k === 'Delete' || k === 'Backspace') { e.preventDefault(); this.clearCurrent(); return; }
    if (col.type === 'attendance') {
      if (k === ' ') { e.preventDefault(); this.cycle(this.cur.r, this.cur.c); return; }
      if (k.length === 1) {
        e.preventDefault();
        if (this.refuseWrite()) return;  // read-only: said before any letter is judged
        const v = k.toUpperCase();
        if (v === 'P' || v === 'K') this.setValue(this.cur.r, this.cur.c, v);
        else this.message('Điểm danh: gõ P (vắng có phép) hoặc K (vắng không phép); Delete để xóa; dấu cách để đổi.', 'error');
        return;
      }
    }
    if (k === 'Process' || e.isComposing) { this.startEdit('replace', ''); return; }  // IME: let it type into the editor
    if (k.length === 1) { e.preventDefault(); this.startEdit('replace', k); }
  }

  onEditorKey(e) {
    const ed = this.editing;
    const k = e.key;
    if (k === 'Escape') { e.preventDefault(); this.cancelEdit(); return; }
    if (k === 'Enter') {
      if (ed.multiline && (e.shiftKey || e.altKey)) return;  // a new line in a comment
      e.preventDefault(); this.commitEdit(e.shiftKey ? -1 : 1, 0); return;
    }
    if (k === 'Tab') { e.preventDefault(); this.commitEdit(0, e.shiftKey ? -1 : 1); return; }
    if (ed.mode === 'replace' && !ed.multiline) {
      const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      if (moves[k]) { e.preventDefault(); this.commitEdit(...moves[k]); }
    }
  }

  // ---- editing ----
  // True (and said) when the grid is read-only: every write path asks first.
  refuseWrite() {
    if (!this.opts.readOnly) return false;
    this.message(this.opts.readOnly, 'error');
    return true;
  }

  startEdit(mode, initial = '') {
    if (this.refuseWrite()) return;
    const { r, c } = this.cur;
    const col = this.cols[c];
    if (!col.editable) {
      this.message(col.type === 'average'
        ? 'Điểm trung bình do chương trình tự tính theo quy định (TT22), không nhập tay.'
        : 'Ô này chỉ để xem.', 'error');
      return;
    }
    const cell = this.cell(r, c);
    if (cell.state === 'locked') { this.showCellInfo(r, c, mode === 'replace' ? initial : null); return; }
    const td = this.td(r, c);
    const multiline = col.type === 'comment';
    const input = multiline ? document.createElement('textarea') : document.createElement('input');
    input.className = `cell-editor ed-${col.type}`;
    if (!multiline) {
      input.type = 'text';
      input.autocomplete = 'off';
      input.spellcheck = false;
      if (col.type === 'grade') input.setAttribute('list', 'dl-grade');
      if (col.type === 'conduct') input.setAttribute('list', 'dl-conduct');
      if (col.type === 'rating') input.setAttribute('list', 'dl-rating');
      if (col.type === 'quality') input.setAttribute('list', 'dl-quality');
      if (col.type === 'mark') input.inputMode = 'decimal';
      if (col.type === 'test') input.inputMode = 'numeric';
    }
    input.value = mode === 'keep' ? display(cell.value, col.type) : initial;
    input.setAttribute('aria-label', `${this.rows[r].name} · ${columnVN(col.id)}`);
    const box = this.boxOf(td);
    input.style.left = `${box.left}px`;
    input.style.top = `${box.top}px`;
    input.style.minWidth = `${box.width}px`;
    if (!multiline) input.style.height = `${box.height}px`;
    this.wrap.append(input);
    this.editing = { r, c, input, mode, multiline };
    this.hidePop();
    input.focus({ preventScroll: true });
    const end = input.value.length;
    input.setSelectionRange(end, end);
  }

  boxOf(td) {
    const w = this.wrap.getBoundingClientRect(), b = td.getBoundingClientRect();
    return {
      left: b.left - w.left + this.wrap.scrollLeft, top: b.top - w.top + this.wrap.scrollTop,
      width: b.width, height: b.height, bottom: b.bottom - w.top + this.wrap.scrollTop,
    };
  }

  cancelEdit() {
    const ed = this.editing;
    if (!ed) return;
    this.editing = null;
    if (ed.refused) this.endRefusal();  // Esc: the old value stays, nothing was stored
    this.focus();
    ed.input.remove();
  }

  // A value the grid refused at once (11, abc: the grid's own validation),
  // typed in the editor: like Excel, the cell keeps the focus in edit with
  // what was typed, the reason shown beside it and in the message line until
  // it is corrected (Enter, Tab, an arrow) or given up (Esc: the old value).
  reopenRefused(r, c, typed, res) {
    this.select(r, c);
    this.startEdit('replace', typed);
    if (!this.editing) return;
    this.editing.refused = true;
    this.showRefusal(r, c, typed, res, { sticky: true });
    this.message(`Không nhận: ${this.rows[r].name} · ${columnVN(this.cols[c].id)}: ${res.error || res.code} ` +
      '— sửa lại rồi Enter, hoặc Esc để giữ giá trị cũ.', 'error', { until: true });
  }

  endRefusal() {
    this.hidePop();
    this.clearMessage();
  }

  commitEdit(dr, dc) {
    const ed = this.editing;
    if (!ed) return;
    this.editing = null;
    if (ed.refused) this.endRefusal();  // said again if refused again
    const text = ed.input.value.trim();
    const { r, c } = ed;
    // The focus back on the grid before anything else changes: focusing
    // lays the page out (cheap while nothing changed), and taking a focused
    // element away costs a style pass.
    const close = () => { this.focus(); ed.input.remove(); };
    if (sameValue(text, this.cell(r, c).value, this.cols[c].type)) {
      close();
      if (dr || dc) this.move(dr, dc);
      return;
    }
    // Only queued (hold): the request leaves before the screen changes; the
    // editor, the typed value and the cursor are shown with the answer.
    this.hold(close);
    this.save([{ r, c, value: text }], { fromEditor: true });
    if (dr || dc) this.hold(() => this.move(dr, dc));
  }

  // ---- the frame after a commit ----
  // A save's request leaves before the screen changes; the screen's writes
  // for it (the typed value marked as being saved, the editor closed, the
  // cursor moved) wait for the answer, at most HOLD_MS, so the page's thread
  // is idle when the answer arrives instead of laying out and painting a
  // frame that the answer then changes again: one frame shows it all. Any
  // event (a key, a click, a paste, a refresh) shows them first.
  hold(write) {
    this.held.push(write);
    if (!this.heldTimer) this.heldTimer = setTimeout(() => this.show(), HOLD_MS);
  }

  show() {
    if (!this.held.length) return;
    clearTimeout(this.heldTimer);
    this.heldTimer = 0;
    const writes = this.held;
    this.held = [];
    for (const write of writes) write();
  }

  setValue(r, c, value) {
    if (this.refuseWrite()) return;
    if (this.cell(r, c).state === 'locked') { this.showCellInfo(r, c, value); return; }
    if (sameValue(value, this.cell(r, c).value, this.cols[c].type)) return;
    this.save([{ r, c, value }]);
  }

  clearCurrent() {
    const { r, c } = this.cur;
    const col = this.cols[c];
    if (!col.editable) { this.startEdit('keep'); return; }
    if (this.cell(r, c).value === '' || this.cell(r, c).value === undefined) return;
    this.setValue(r, c, '');
  }

  cycle(r, c) {
    const td = this.td(r, c);
    const shown = td.classList.contains('saving') ? td.textContent : this.cell(r, c).value || '';
    const next = { '': 'P', P: 'K', K: '' }[shown] ?? '';
    this.setValue(r, c, next);
  }

  undo() {
    if (this.refuseWrite()) return;
    const last = this.undoStack.pop();
    if (!last) { this.message('Không còn thao tác nào để hoàn tác.'); return; }
    this.select(last[0].r, last[0].c);
    this.save(last, { undo: false, label: 'Hoàn tác' });
  }

  // ---- saving: POST /api/cells, one at a time, in order ----
  // fromEditor: one value typed in the cell's editor (refused: reopened there).
  save(edits, { undo = true, label = '', fromEditor = false } = {}) {
    this.hold(() => {
      for (const e of edits) {  // the typed value, marked as being saved
        const td = this.td(e.r, e.c);
        td.classList.add('saving');
        td.textContent = display(e.value, this.cols[e.c].type);
      }
    });
    this.inflight++;
    const t0 = performance.now();  // the commit: the benchmark's ui_save_ms runs from here to the answer shown
    this.lastCommit = t0;
    // Nothing before it: sent at once (not a microtask later, after the rest of the key's work).
    const go = () => this.send(edits, undo, label, t0, fromEditor);
    const run = (this.inflight === 1 ? go() : this.queue.then(go)).finally(() => { this.inflight--; });
    this.queue = run.catch(() => {});
    return run;
  }

  async send(edits, recordUndo, label, t0, fromEditor = false) {
    const results = [];
    const averages = {};
    let status = null;
    let answered = 0;
    try {
      for (let i = 0; i < edits.length; i += MAX_EDITS) {
        const part = edits.slice(i, i + MAX_EDITS);
        const ans = await saveOnChannel('/api/cells', {
          class: this.opts.cls, subject: this.opts.subject,
          edits: part.map((e) => ({ student: this.rows[e.r].code, column: this.cols[e.c].id, value: e.value })),
        });
        results.push(...(ans.results || []));
        Object.assign(averages, ans.averages || {});
        status = ans.status || status;
      }
      answered = performance.now();
    } catch (err) {
      this.show();
      for (const e of edits) { this.td(e.r, e.c).classList.remove('saving'); this.paint(e.r, e.c); this.flash(e.r, e.c); }
      this.message(err.message, 'error');
      return;
    }
    this.show();
    const undo = [];
    const refused = [];
    edits.forEach((e, i) => {
      const res = results[i] || { ok: false, error: 'Không có trả lời cho ô này.' };
      const col = this.cols[e.c];
      const row = this.rows[e.r];
      this.td(e.r, e.c).classList.remove('saving');
      if (res.ok) {
        const old = this.cell(e.r, e.c);
        undo.push({ r: e.r, c: e.c, value: old.value ?? '' });
        if (col.type === 'attendance') {
          if (old.value) row.absent[old.value] = Math.max(0, (row.absent[old.value] || 0) - 1);
          if (res.value) row.absent[res.value] = (row.absent[res.value] || 0) + 1;
        }
        row.cells[col.id] = { value: res.value ?? e.value, state: res.state || 'local' };
        this.paint(e.r, e.c);
      } else {
        this.paint(e.r, e.c);
        const td = this.td(e.r, e.c);
        td.title = `Không nhận: ${res.error || res.code}`;
        this.flash(e.r, e.c);
        refused.push({ ...e, res });
      }
    });
    for (const [code, av] of Object.entries(averages)) {
      const r = this.rowIndex.get(code);
      if (r === undefined) continue;
      this.rows[r].averages = { ...av };
    }
    for (const r of new Set(edits.map((e) => e.r))) this.paintAverages(r);
    const ms = performance.now() - t0;
    perf.saves.push(ms);
    (perf.saveParts ||= []).push({ t0, answered_ms: answered - t0, shown_ms: performance.now() - answered, syncing: !!status?.syncing });
    performance.measure('sodiem-save', { start: t0, duration: ms });
    if (recordUndo && undo.length) this.undoStack.push(undo);
    if (status) this.opts.onStatus?.(status);
    const ok = edits.length - refused.length;
    if (refused.length) {
      const first = refused[0];
      // Typed in the editor and refused by the grid's own rules (not a lock:
      // that one offers a correction request), nothing typed since: back in edit.
      if (fromEditor && edits.length === 1 && !LOCK_CODES.has(first.res.code) && !this.editing && this.lastCommit === t0) {
        this.reopenRefused(first.r, first.c, first.value, first.res);
        return;
      }
      const reason = first.res.error || first.res.code;
      const what = `${this.rows[first.r].name} · ${columnVN(this.cols[first.c].id)}: ${reason}`;
      this.message(edits.length === 1 ? `Không nhận: ${what}` :
        `Đã lưu ${ok} ô; ${refused.length} ô không được nhận (ô đầu tiên — ${what})`, 'error');
      this.showRefusal(first.r, first.c, first.value, first.res);
    } else if (label || edits.length > 1) {
      this.message(`${label || 'Đã lưu'} ${ok} ô trên máy này.`, 'ok');
    }
  }

  flash(r, c) {
    const td = this.td(r, c);
    if (!td) return;
    td.classList.remove('flash');
    void td.offsetWidth;  // restart the animation
    td.classList.add('flash');
  }

  // ---- paste / copy ----
  onPaste(e) {
    this.show();
    if (this.editing || this.pop.contains(e.target)) return;
    const text = e.clipboardData?.getData('text/plain');
    if (!text) return;
    e.preventDefault();
    if (this.refuseWrite()) return;
    const block = parseClipboard(text);
    const edits = [];
    let extraRows = 0, locked = 0, computed = 0, beyond = 0;
    block.forEach((line, i) => {
      const r = this.cur.r + i;
      if (r >= this.rows.length) { extraRows++; return; }
      line.forEach((raw, j) => {
        const c = this.cur.c + j;
        // A value over a computed column (the averages copied along from a
        // sheet of the same layout) or past the last column is left out, and said.
        if (c >= this.cols.length) { if (raw.trim()) beyond++; return; }
        if (!this.cols[c].editable) { if (raw.trim()) computed++; return; }
        if (this.cell(r, c).state === 'locked') { locked++; return; }
        const value = raw.trim();
        if (!sameValue(value, this.cell(r, c).value, this.cols[c].type)) edits.push({ r, c, value });
      });
    });
    const notes = [];
    if (extraRows) notes.push(`bỏ qua ${extraRows} dòng thừa (hết danh sách)`);
    if (computed) {
      notes.push(`bỏ qua ${computed} giá trị rơi vào cột tự tính (${this.opts.mode === 'attendance' ? 'số buổi vắng' : 'điểm trung bình'})`);
    }
    if (beyond) notes.push(`bỏ qua ${beyond} giá trị thừa bên phải (hết cột)`);
    if (locked) notes.push(`${locked} ô đã khóa không dán`);
    if (!edits.length) { this.message(['Không có ô nào thay đổi', ...notes].join('; ') + '.'); return; }
    this.save(edits, { label: 'Đã dán' }).then(() => {
      // "Đã dán 6 ô trên máy này; bỏ qua 2 dòng thừa (hết danh sách)."
      if (notes.length && !this.msgEl.classList.contains('error'))
        this.message(`${this.msgEl.textContent.replace(/\.$/, '')}; ${notes.join('; ')}.`, 'ok');
    });
  }

  onCopy(e) {
    this.show();
    if (this.editing || this.pop.contains(e.target)) return;
    const td = this.td(this.cur.r, this.cur.c);
    e.clipboardData.setData('text/plain', td.textContent);
    e.preventDefault();
  }

  // ---- the popover next to a cell ----
  hidePop() {
    clearTimeout(this.popTimer);
    this.pop.hidden = true;
    this.pop.classList.remove('transient');
    delete this.pop.dataset.refused;
    this.pop.replaceChildren();
  }

  showPop(r, c, ...children) {
    const td = this.td(r, c);
    clearTimeout(this.popTimer);
    this.pop.classList.remove('transient');
    this.pop.replaceChildren(
      h('button.pop-close', { type: 'button', title: 'Đóng (Esc)', 'aria-label': 'Đóng', onclick: () => {
        if (this.editing?.refused) this.cancelEdit();  // a refused value's popover: as Esc
        this.hidePop(); this.focus();
      } }, '×'),
      ...children.filter(Boolean));  // a part left out is null (the DOM would write "null")
    this.pop.hidden = false;
    const box = this.boxOf(td);
    const maxLeft = this.wrap.scrollLeft + this.wrap.clientWidth - this.pop.offsetWidth - 8;
    this.pop.style.left = `${Math.max(this.wrap.scrollLeft + 4, Math.min(box.left, maxLeft))}px`;
    const below = box.bottom + 4;
    const fitsBelow = below + this.pop.offsetHeight <= this.wrap.scrollTop + this.wrap.clientHeight;
    this.pop.style.top = `${fitsBelow ? below : Math.max(this.wrap.scrollTop, box.top - this.pop.offsetHeight - 4)}px`;
  }

  // sticky: the popover of a value reopened in its editor (reopenRefused),
  // there until the value is corrected or given up.
  showRefusal(r, c, typed, res, { sticky = false } = {}) {
    const col = this.cols[c];
    const parts = [h('p.pop-title.bad', {}, 'Không nhận giá trị này'),
      h('p', {}, `Bạn nhập: “${display(typed, col.type)}”`), h('p.reason', {}, res.error || res.code)];
    if (sticky) parts.push(h('p.hint', {}, 'Sửa lại giá trị rồi bấm Enter, hoặc Esc để giữ giá trị cũ.'));
    const canAsk = LOCK_CODES.has(res.code);
    if (canAsk) parts.push(this.correctionForm(r, c, typed));
    this.showPop(r, c, ...parts);
    if (sticky) this.pop.dataset.refused = 'true';
    if (!canAsk && !sticky) {  // only information: out of the way at the next key or click
      this.pop.classList.add('transient');
      this.popTimer = setTimeout(() => { if (this.pop.classList.contains('transient')) this.hidePop(); }, 6000);
    }
  }

  showCellInfo(r, c, typed = null) {
    this.select(r, c, { keepPop: true });
    const col = this.cols[c];
    const cell = this.cell(r, c);
    const v = (x) => display(x, col.type) || '(trống)';
    if (cell.state === 'refused') {
      this.showPop(r, c, h('p.pop-title.bad', {}, 'Máy chủ không nhận thay đổi của bạn'),
        h('p.reason', {}, cell.reason || cell.code || ''),
        h('p', {}, `Bạn nhập: ${v(cell.mine)} · Trên máy chủ: ${v(cell.server_value)} · Đang có: ${v(cell.value)}`),
        // A correction request is for a locked period; other refusals are mended by a new entry.
        LOCK_CODES.has(cell.code) ? this.correctionForm(r, c, typed ?? cell.mine ?? '')
          : this.opts.readOnly ? null : h('p.hint', {}, 'Có thể nhập lại giá trị đúng vào ô này.'));
    } else if (cell.state === 'locked') {
      this.showPop(r, c, h('p.pop-title.lock', {}, 'Ô này đã khóa'),
        h('p.reason', {}, cell.reason || cell.code || ''),
        cell.mine ? h('p', {}, `Bạn đã nhập ${v(cell.mine)} nhưng chưa được nhận. Trên máy chủ: ${v(cell.server_value)}.`) : null,
        this.correctionForm(r, c, typed ?? cell.mine ?? ''));
    } else if (cell.state === 'conflict') {
      const ro = this.opts.readOnly;
      const choose = (value) => this.resolve(r, c, value, note.value.trim());
      const note = h('input', { type: 'text', placeholder: 'Ghi chú (không bắt buộc)', 'aria-label': 'Ghi chú' });
      this.showPop(r, c, h('p.pop-title.warn', {}, 'Hai giá trị khác nhau cho cùng một ô'),
        h('div.choices', {},
          h('div.choice', {}, h('span.val', {}, v(cell.current)), h('span.who', {}, cell.current_author || ''),
            ro ? null : h('button', { type: 'button', 'data-choose': 'current', onclick: () => choose(cell.current ?? '') }, 'Giữ giá trị này')),
          h('div.choice', {}, h('span.val', {}, v(cell.other)), h('span.who', {}, cell.other_author || ''),
            ro ? null : h('button', { type: 'button', 'data-choose': 'other', onclick: () => choose(cell.other ?? '') }, 'Chọn giá trị này'))),
        ro ? h('p.hint', {}, ro) : note);
      this.pop.querySelector('button[data-choose]')?.focus();
    }
  }

  correctionForm(r, c, value) {
    // Read-only (a closed year's copy): the reason shown says so already (the ui words it, reason_here).
    if (this.opts.readOnly) return null;
    const col = this.cols[c];
    const valueIn = h('input', { type: 'text', value: display(value ?? '', col.type), 'aria-label': 'Giá trị đề nghị', name: 'value' });
    const reasonIn = h('textarea', { rows: '2', 'aria-label': 'Lý do', name: 'reason', placeholder: 'Lý do (ví dụ: chấm sót câu 5)' });
    const btn = h('button.primary', { type: 'submit' }, 'Xin điều chỉnh');
    const form = h('form.correction', {},
      h('label', {}, 'Giá trị đề nghị ', valueIn), h('label', {}, 'Lý do ', reasonIn), btn);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!reasonIn.value.trim()) { reasonIn.focus(); this.message('Hãy ghi lý do xin điều chỉnh.', 'error'); return; }
      btn.disabled = true;
      try {
        const ans = await api.post('/api/correction', {
          class: this.opts.cls, subject: this.opts.subject, student: this.rows[r].code, column: col.id,
          value: valueIn.value.trim(), reason: reasonIn.value.trim(),
        });
        this.hidePop();
        this.focus();
        this.message(`Đã ghi yêu cầu điều chỉnh${ans.seq ? ` (số ${ans.seq})` : ''}; yêu cầu sẽ được gửi lên máy chủ khi đồng bộ.`, 'ok');
      } catch (err) {
        btn.disabled = false;
        this.message(err.message, 'error');
      }
    });
    setTimeout(() => reasonIn.focus(), 0);
    return form;
  }

  async resolve(r, c, value, note) {
    const col = this.cols[c];
    try {
      await api.post('/api/resolve', {
        class: this.opts.cls, subject: this.opts.subject, student: this.rows[r].code, column: col.id, value, note,
      });
      this.rows[r].cells[col.id] = { value, state: 'local' };
      this.paint(r, c);
      this.hidePop();
      this.focus();
      this.message(`Đã chọn ${display(value, col.type) || '(trống)'}; sẽ gửi lên máy chủ khi đồng bộ.`, 'ok');
      this.opts.onChanged?.();
    } catch (err) {
      this.message(err.message, 'error');
    }
  }
}
