// Issue 14's main flow in a real browser: enroll through the page, open the
// grid, type 40 marks by keyboard, paste a column and a block from a
// tab-separated clipboard, check the averages against exact TT22 arithmetic
// (checked once against `sodiem grading eval`), refuse bad marks in place,
// undo, then SIGKILL the ui right after a cell turns local: the mark is there
// after a restart. Run by run.sh (CTest label `browser`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  SAVED, avgSel, cell, cellSel, comma, gradingEval, paste, screenshot, students, termAverage, tmpDir, waitCell, waitColumn, withSchool,
} from './fixture.mjs';

let ui;
const env = withSchool({ browser: true });

const teacher = 'gv.toan.1';

// Marks with one decimal, some with a comma, some with a point, some whole.
const mark = (i, salt) => {
  const t = (i * 37 + salt * 53 + 11) % 101;  // 0..100 tenths
  return t % 10 === 0 ? String(t / 10) : `${Math.floor(t / 10)}.${t % 10}`;
};

test('enroll through the page, then type, paste, see exact averages, undo, survive SIGKILL', { timeout: 300_000 }, async () => {
  const { school, browser, page } = env;
  const dataDir = tmpDir('client');
  ui = await env.startUi(dataDir);
  await page.goto(ui.url);
  assert.equal(new URL(page.url()).searchParams.get('token'), null, 'the token is not kept in the address bar');

  // First run: the enrollment page.
  await page.waitForSelector('main[data-ready="enroll"]');
  await page.fill('input[name="server"]', school.url);
  await page.fill('input[name="fingerprint"]', school.fingerprint);
  await page.fill('input[name="user"]', teacher);
  await page.fill('input[name="password"]', 'sai-mat-khau');
  await page.click('form.enroll button[type="submit"]');
  await page.waitForSelector('form.enroll .form-msg.error');
  const wrong = await page.textContent('form.enroll .form-msg');
  assert.ok(wrong.length > 5, 'a wrong password is refused with a message');
  await page.fill('input[name="password"]', school.password(teacher));
  await screenshot(page, 'enroll');
  await page.click('form.enroll button[type="submit"]');

  // The picker lists the teacher's assignments; open 6A Toán.
  await page.waitForSelector('a.pick[data-class="6A"][data-subject="Toán"]', { timeout: 60_000 });
  await page.click('a.pick[data-class="6A"][data-subject="Toán"]');
  await page.waitForSelector('main[data-ready="grid"]');
  assert.equal(new URL(page.url()).searchParams.get('class'), '6A');
  assert.equal(new URL(page.url()).searchParams.get('subject'), 'Toán');

  const codes = await students(page);
  assert.equal(codes.length, 40, 'the demo class has 40 students');
  const columns = await page.$$eval('tbody tr:first-child td[data-column^="HK1."]', (tds) => tds.map((td) => td.dataset.column));
  const tx = columns.filter((c) => /^HK1\.TX\d$/.test(c));
  assert.ok(tx.length >= 2 && columns.includes('HK1.GK') && columns.includes('HK1.CK'), `HK1 columns: ${columns}`);
  const headers = await page.$$eval('thead th', (ths) => ths.map((t) => t.textContent));
  assert.ok(headers.includes('STT') && headers.includes('Họ và tên') && headers.includes('Mã HS'));

  // 40 marks by keyboard in HK1.TX1: type, Enter moves down.
  const typed = codes.map((_, i) => mark(i, 1));
  await page.click(cellSel(codes[0], 'HK1.TX1'));
  for (let i = 0; i < codes.length; i++) {
    await page.keyboard.type(i % 3 === 0 ? comma(typed[i]) : typed[i]);
    await page.keyboard.press('Enter');
  }
  await waitColumn(page, codes, 'HK1.TX1', SAVED);
  for (let i = 0; i < codes.length; i++) {
    assert.equal((await cell(page, codes[i], 'HK1.TX1')).text, comma(typed[i]), `typed mark of ${codes[i]}`);
  }
  assert.deepEqual(await page.evaluate(() => document.activeElement.className), 'grid-wrap', 'the grid keeps the focus');

  // A column of 40 pasted from Excel (Windows line endings, trailing newline).
  const col2 = codes.map((_, i) => mark(i, 2));
  await page.click(cellSel(codes[0], 'HK1.TX2'));
  await paste(page, col2.map(comma).join('\r\n') + '\r\n');
  await waitColumn(page, codes, 'HK1.TX2', SAVED);
  for (let i = 0; i < codes.length; i++) assert.equal((await cell(page, codes[i], 'HK1.TX2')).text, comma(col2[i]));

  // The rest of the term as one block (TX3… GK CK), LibreOffice style (\n).
  const rest = tx.slice(2).concat(['HK1.GK', 'HK1.CK']);
  const block = codes.map((_, i) => rest.map((__, j) => mark(i, 3 + j)));
  await page.click(cellSel(codes[0], rest[0]));
  await paste(page, block.map((row) => row.join('\t')).join('\n') + '\n');
  for (const c of rest) await waitColumn(page, codes, c, SAVED);

  // Averages: exact TT22 arithmetic, the formula checked once by the grading engine.
  const marksOf = (i) => ({ tx: [typed[i], col2[i], ...block[i].slice(0, rest.length - 2)], gk: block[i][rest.length - 2], ck: block[i][rest.length - 1] });
  const m0 = marksOf(0);
  const engine = gradingEval({ rule: 'TT22', op: 'term_average', tx: m0.tx, gk: m0.gk, ck: m0.ck });
  assert.equal(termAverage(m0.tx, m0.gk, m0.ck), engine.value, 'the test formula agrees with sodiem grading eval');
  for (let i = 0; i < codes.length; i++) {
    const m = marksOf(i);
    const want = comma(termAverage(m.tx, m.gk, m.ck));
    await page.waitForFunction(([sel, w]) => document.querySelector(sel)?.textContent === w, [avgSel(codes[i], 'HK1'), want]);
  }
  await screenshot(page, 'grid');

  // Bad marks are refused in place with the reason; nothing stored.
  const target = codes[5];
  const before11 = (await cell(page, target, 'HK1.TX1')).text;
  for (const bad of ['11', 'abc', '8.25']) {
    await page.click(cellSel(target, 'HK1.TX1'));
    await page.keyboard.type(bad);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.grid-msg.error');
    const msg = await page.textContent('.grid-msg');
    assert.match(msg, /Không nhận/, `refusal of ${bad}`);
    assert.match(msg, /điểm/, `the reason names the mark (${bad}): ${msg}`);
    await waitCell(page, target, 'HK1.TX1', { text: before11 });
    await page.keyboard.press('Escape');
  }
  const grid = await page.evaluate(async () => (await fetch('/api/grid?class=6A&subject=To%C3%A1n')).json());
  assert.equal(grid.students.find((s) => s.code === target).cells['HK1.TX1'].value, typed[5], 'the refused values were not stored');

  // Like Excel: a refused value keeps the cell in edit with what was typed,
  // the cursor does not move, the reason stays in view (not a popover gone
  // in a few seconds) until it is corrected, or Esc gives it up.
  const editorOpen = () => page.evaluate(() => {
    const ed = document.querySelector('.cell-editor');
    return ed ? { value: ed.value, focused: document.activeElement === ed } : null;
  });
  const selected = () => page.$eval('td.sel', (td) => `${td.dataset.student} ${td.dataset.column}`);
  await page.click(cellSel(target, 'HK1.TX1'));
  await page.keyboard.type('11');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.cellpop[data-refused="true"]:not([hidden])');
  assert.deepEqual(await editorOpen(), { value: '11', focused: true }, 'in edit with 11');
  assert.equal(await selected(), `${target} HK1.TX1`, 'the cursor stays on the refused cell');
  await page.waitForTimeout(7000);  // longer than the transient popover's 6 s
  assert.ok(await page.isVisible('.cellpop[data-refused="true"]'), 'the reason stays in view');
  assert.match(await page.textContent('.cellpop'), /Bạn nhập: “11”/);
  assert.match(await page.textContent('.grid-msg.error'), /Không nhận.*điểm.*Esc/);
  await screenshot(page, 'grid-refused-in-edit');
  await page.keyboard.press('Escape');
  assert.equal(await editorOpen(), null, 'Esc leaves the editor');
  assert.equal((await cell(page, target, 'HK1.TX1')).text, before11, 'Esc: the old value');
  assert.ok(await page.isHidden('.cellpop'), 'and the reason goes');
  assert.equal(await page.locator('.grid-msg.error').count(), 0);
  // Refused again, then corrected in the same editor: saved, then down.
  const below = codes[6];
  await page.click(cellSel(target, 'HK2.TX1'));
  await page.keyboard.type('abc');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.cellpop[data-refused="true"]:not([hidden])');
  assert.deepEqual(await editorOpen(), { value: 'abc', focused: true });
  for (let i = 0; i < 3; i++) await page.keyboard.press('Backspace');
  await page.keyboard.type('7,5');
  await page.keyboard.press('Enter');
  await waitCell(page, target, 'HK2.TX1', { state: SAVED, text: '7,5' });
  assert.equal(await editorOpen(), null);
  assert.equal(await selected(), `${below} HK2.TX1`, 'corrected: Enter moves down');
  assert.ok(await page.isHidden('.cellpop'));
  await page.keyboard.press('Escape');

  // F2 keeps the content, Esc cancels, Delete clears, Ctrl+Z brings it back.
  await page.click(cellSel(codes[1], 'HK1.TX1'));
  await page.keyboard.press('F2');
  await page.keyboard.type('0');
  await page.keyboard.press('Escape');
  assert.equal((await cell(page, codes[1], 'HK1.TX1')).text, comma(typed[1]), 'Esc cancels');
  await page.keyboard.press('Delete');
  await waitCell(page, codes[1], 'HK1.TX1', { text: '', state: SAVED });
  assert.equal(await page.textContent(avgSel(codes[1], 'HK1')), '', 'no average without every mark');
  await page.keyboard.press('Control+z');
  await waitCell(page, codes[1], 'HK1.TX1', { text: comma(typed[1]), state: SAVED });
  const m1 = marksOf(1);
  await page.waitForFunction(([sel, w]) => document.querySelector(sel)?.textContent === w,
    [avgSel(codes[1], 'HK1'), comma(termAverage(m1.tx, m1.gk, m1.ck))]);

  // Comment column: free text.
  await page.click(cellSel(codes[0], 'HK1.NX'));
  await page.keyboard.type('Chăm chỉ, tiến bộ rõ');
  await page.keyboard.press('Enter');
  await waitCell(page, codes[0], 'HK1.NX', { text: 'Chăm chỉ, tiến bộ rõ', state: SAVED });

  // A block copied with its average column, one row too many: what is left out is said, in one sentence.
  await page.click(cellSel(codes[38], 'HK2.GK'));
  await paste(page, '7\t8\t9\r\n6\t5\t4\r\n3\t2\t1\r\n');
  await waitCell(page, codes[39], 'HK2.CK', { text: '5', state: SAVED });
  await page.waitForFunction(() => document.querySelector('.grid-msg')?.textContent.includes('bỏ qua'));
  const pasted = await page.textContent('.grid-msg');
  assert.equal(pasted, 'Đã dán 4 ô trên máy này; bỏ qua 1 dòng thừa (hết danh sách); '
    + 'bỏ qua 2 giá trị rơi vào cột tự tính (điểm trung bình).');
  await screenshot(page, 'grid-paste-notes');

  // SIGKILL right after a cell turns local: the write was durable.
  await page.click(cellSel(codes[39], 'HK2.TX1'));
  await page.keyboard.type('9,5');
  await page.keyboard.press('Enter');
  await waitCell(page, codes[39], 'HK2.TX1', { state: 'local', text: '9,5' });
  await ui.kill();
  ui = await env.startUi(dataDir);
  await page.goto(ui.link({ class: '6A', subject: 'Toán' }));  // a deep link through the token handshake
  await page.waitForSelector('main[data-ready="grid"]');
  assert.equal(new URL(page.url()).search, `?${new URLSearchParams({ class: '6A', subject: 'Toán' })}`);
  const kept = await cell(page, codes[39], 'HK2.TX1');
  assert.equal(kept.text, '9,5');
  assert.ok(['local', 'synced'].includes(kept.state), kept.state);
  assert.deepEqual(browser.problems, []);
});
