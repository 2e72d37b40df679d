// Offline and back, in a real browser: with the server stopped, marks stay
// `local` and the header says offline; the server comes back on the same port
// and the ui's background agent syncs them without a click (cells turn
// `synced`). Then the principal locks HK1 of 6A: a late mark is refused with
// the lock's reason (state `locked`), the teacher asks for a correction from
// the cell and sees it in the inbox. A closed school year's copy
// (DATA/years/<year>) is opened read-only: the page says so once, calmly,
// offers no sync and never shows a refusal, as the ui never tries to sync
// it. Run by run.sh (CTest label `browser`).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cell, cellSel, client, enroll, paste, screenshot, sleep, students, tmpDir, waitCell, waitColumn, withSchool } from './fixture.mjs';

let ui;
const env = withSchool({ browser: true });

const status = () => env.page.evaluate(async () => (await fetch('/api/status')).json());

test('offline marks stay local, sync by themselves when the server is back; a locked column refuses with its reason', { timeout: 300_000 }, async () => {
  const { school, browser, page } = env;
  const dataDir = tmpDir('client');
  enroll(school, dataDir, 'gv.toan.1');
  ui = await env.startUi(dataDir);
  await page.goto(ui.link({ class: '6A', subject: 'Toán' }));
  await page.waitForSelector('main[data-ready="grid"]');
  await page.waitForSelector('#online[data-online="yes"]', { timeout: 60_000 });
  const codes = (await students(page)).slice(0, 3);

  // The server goes away: marks are still recorded, as local.
  await school.stop();
  await page.click(cellSel(codes[0], 'HK1.TX1'));
  for (const m of ['8', '7,5', '9']) { await page.keyboard.type(m); await page.keyboard.press('Enter'); }
  await waitColumn(page, codes, 'HK1.TX1', 'local');
  await page.waitForSelector('#online[data-online="no"]', { timeout: 60_000 });
  assert.match(await page.textContent('#pending'), /Chờ gửi: [1-9]/);
  for (const c of codes) assert.equal((await cell(page, c, 'HK1.TX1')).state, 'local', 'still local while offline');
  await screenshot(page, 'grid-offline');

  // Back on the same port: the agent syncs on its own (no click), and the
  // grid updates quietly: an edit in progress and the cursor stay.
  await page.click(cellSel(codes[0], 'HK1.TX2'));
  await page.keyboard.type('6,');
  await school.start();
  await waitColumn(page, codes, 'HK1.TX1', 'synced', 120_000);
  assert.equal(await page.inputValue('.cell-editor'), '6,', 'the edit in progress survives the refresh');
  await page.keyboard.type('5');
  await page.keyboard.press('Tab');
  await waitCell(page, codes[0], 'HK1.TX2', { text: '6,5', state: ['local', 'synced'] });
  assert.equal(await page.getAttribute(cellSel(codes[0], 'HK1.TX3'), 'class'), 't-mark sel', 'the cursor moved on from there');
  await page.waitForSelector('#online[data-online="yes"]');
  await waitCell(page, codes[0], 'HK1.TX2', { text: '6,5', state: 'synced', timeout: 60_000 });
  assert.equal((await status()).pending, 0);
  assert.equal((await cell(page, codes[1], 'HK1.TX1')).text, '7,5');

  // A late mark typed offline; meanwhile the principal freezes HK1 of 6A,
  // counting from two minutes ago, with no offline grace window (a mark typed
  // before a lock began is otherwise still accepted within 72 h: the rule).
  // Back online, the mark comes back refused: locked, with the lock's reason.
  school.grace(0);
  await school.stop();
  await page.click(cellSel(codes[2], 'HK1.CK'));
  await page.keyboard.type('10');
  await page.keyboard.press('Enter');
  await waitCell(page, codes[2], 'HK1.CK', { state: 'local', text: '10' });
  const reason = 'Chốt điểm học kì I';
  school.lock('HK1', '6A', reason, 2);  // in force from before the mark: no grace can apply
  await school.start();
  await page.click('#sync-now');
  await waitCell(page, codes[2], 'HK1.CK', { state: 'locked', timeout: 90_000 });
  const locked = await cell(page, codes[2], 'HK1.CK');
  assert.ok(locked.title.includes(reason), `the lock's reason on hover: ${locked.title}`);

  // The whole column is greyed with the reason before anyone types (the
  // roster's lock notices); typing there offers a correction request, saves nothing.
  await waitCell(page, codes[0], 'HK1.CK', { state: 'locked', timeout: 60_000 });
  assert.ok((await cell(page, codes[0], 'HK1.CK')).title.includes(reason));
  await page.click(cellSel(codes[0], 'HK2.TX1'));  // not locked; then by keyboard to HK1.CK
  for (let i = 0; i < 10 && (await page.getAttribute('td.sel', 'data-column')) !== 'HK1.CK'; i++) await page.keyboard.press('ArrowLeft');
  assert.equal(await page.$('.cellpop:not([hidden])'), null, 'moving over locked cells opens nothing');
  await page.keyboard.type('8');
  await page.waitForSelector('.cellpop form.correction');
  assert.ok((await page.textContent('.cellpop')).includes(reason));
  assert.equal(await page.inputValue('.cellpop input[name="value"]'), '8', 'what was typed is the value asked for');
  assert.equal(await page.$('.cell-editor'), null, 'no editor on a locked cell');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.cellpop', { state: 'hidden' });
  assert.equal((await cell(page, codes[0], 'HK1.CK')).text, '', 'nothing saved');

  // Editing the locked cell offers a correction request.
  await page.click(cellSel(codes[2], 'HK1.CK'));
  await page.waitForSelector('.cellpop form.correction');
  assert.ok((await page.textContent('.cellpop')).includes(reason));
  await page.fill('.cellpop textarea[name="reason"]', 'Chấm sót câu 5');
  await page.click('.cellpop form.correction button[type="submit"]');
  await page.waitForFunction(() => /Đã ghi yêu cầu điều chỉnh/.test(document.querySelector('.grid-msg').textContent));
  await screenshot(page, 'grid-locked');

  // The inbox: the refusal with its reason, and the request once synced.
  await page.click('#sync-now');
  await page.waitForFunction(async () => (await (await fetch('/api/status')).json()).pending === 0, null, { timeout: 60_000 });
  await page.click('#nav a[data-screen="inbox"]');
  await page.waitForSelector('main[data-ready="inbox"]');
  const refusedRow = page.locator(`tr[data-kind="refused"][data-student="${codes[2]}"][data-column="HK1.CK"]`);
  assert.ok((await refusedRow.textContent()).includes(reason));
  // Already asked for from the cell: no second "Xin điều chỉnh" here.
  assert.ok((await refusedRow.textContent()).includes('Đã xin điều chỉnh'));
  assert.equal(await refusedRow.locator('button').count(), 0);
  await page.waitForSelector('tr[data-kind="correction"]', { timeout: 30_000 });
  assert.ok((await page.textContent('tr[data-kind="correction"]')).includes('Chấm sót câu 5'));
  await screenshot(page, 'inbox');
  assert.deepEqual(browser.problems, []);
});

test("a closed year's copy says once that it is last year's archived copy, read-only, and never tries to sync", { timeout: 180_000 }, async () => {
  const { school, browser, page } = env;
  const live = tmpDir('client'), home = tmpDir('home');
  enroll(school, live, 'gv.toan.1');
  enroll(school, home, 'gv.toan.1', 'o-nha');
  client(['set', '--data', live, '6A', 'Toán', 'HS6A01', 'HK2.TX2', '8']);
  // For the copy's inbox: a mark refused by a lock (a correction could be asked
  // for on the live store) and a conflict between this device and another.
  client(['set', '--data', live, '6A', 'Toán', 'HS6A02', 'HK1.CK', '10']);
  school.lock('HK1', '6A', 'Chốt điểm học kì I', 2);
  client(['set', '--data', live, '6A', 'Toán', 'HS6A03', 'HK2.GK', '9']);
  client(['set', '--data', home, '6A', 'Toán', 'HS6A03', 'HK2.GK', '6']);
  client(['sync', '--data', home]);
  client(['sync', '--data', live]);
  const probe = await env.startUi(live);
  await page.goto(probe.url);
  const year = await page.evaluate(async () => (await (await fetch('/api/session')).json()).school_year);
  await probe.stop();
  assert.match(year, /^\d{4}-\d{4}$/);
  // The copy as the client keeps it once the server moved on: DATA/years/<year> beside DATA/client.db.
  const data = tmpDir('client');
  const copy = path.join(data, 'years', year);
  fs.cpSync(live, copy, { recursive: true });
  fs.copyFileSync(path.join(live, 'client.db'), path.join(data, 'client.db'));

  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  // Every save the page would send, on the channel or as a POST: none on a copy.
  const writes = [];
  page.on('request', (r) => { if (r.method() === 'POST') writes.push(r.url()); });
  page.on('websocket', (ws) => ws.on('framesent', (f) => { if (String(f.payload).includes('"path"')) writes.push(String(f.payload)); }));
  const ui = await env.startUi(copy);
  await page.goto(ui.link({ class: '6A', subject: 'Toán' }));
  await page.waitForSelector('main[data-ready="grid"]');
  await page.waitForSelector('#archived:not([hidden])');
  const note = await page.textContent('#archived');
  assert.ok(note.includes(`bản lưu của năm học ${year}`) && note.includes('chỉ để xem') && note.includes('không đồng bộ'), note);
  assert.equal(await page.getAttribute('#online', 'data-online'), 'archived');
  assert.equal(await page.textContent('#online'), `Bản lưu năm học ${year} · chỉ xem`);
  assert.ok(await page.isHidden('#sync-now'), 'no sync offered');
  assert.ok(await page.isHidden('#pending'), 'nothing "to send"');
  // The refusal and the conflict wait for nothing here: no badge inviting a click.
  const held = await page.evaluate(async () => (await fetch('/api/status')).json());
  assert.equal(held.rejected + held.conflicts, 2, 'the copy holds both');
  assert.ok(await page.isHidden('#inbox-count'), 'no inbox badge on a copy');
  assert.equal((await cell(page, 'HS6A01', 'HK2.TX2')).text, '8', "the year's marks are there to read");
  // The refused mark: the server's reason without its "ask for a correction", and that this is a read-only copy.
  await page.click(cellSel('HS6A02', 'HK1.CK'));
  await page.waitForSelector('.cellpop:not([hidden]) .reason');
  const pop = await page.textContent('.cellpop');
  assert.ok(pop.includes('Sổ điểm đã khóa') && pop.includes('Chốt điểm học kì I'), pop);
  assert.ok(pop.includes(`Đây là bản lưu của năm học ${year}`) && pop.includes('chỉ để xem'), pop);
  assert.doesNotMatch(pop, /điều chỉnh|null|undefined/);
  assert.equal(await page.locator('.cellpop form, .cellpop textarea').count(), 0);
  await screenshot(page, 'grid-archived-copy-refused');
  await page.keyboard.press('Escape');
  // The whole grid is read-only: nothing to sign, no editor, nothing pasted or cleared, said why.
  assert.equal(await page.getAttribute('.grid-wrap', 'aria-readonly'), 'true');
  assert.equal(await page.locator('a.button:has-text("Xác nhận và ký")').count(), 0, 'no sign button');
  assert.ok(await page.isHidden('#nav-sign'), 'no "Ký duyệt" link');
  assert.ok(await page.isHidden('#nav-password'), 'no "Đổi mật khẩu" link');
  assert.ok((await page.textContent('.sheet-sub .keys')).startsWith('Chỉ xem'));
  await page.click(cellSel('HS6A01', 'HK2.TX2'));
  await page.keyboard.type('9');
  assert.equal(await page.locator('.cell-editor').count(), 0, 'typing opens no editor');
  const said = await page.textContent('.grid-msg');
  assert.ok(said.includes(`Bản lưu năm học ${year} chỉ để xem`), said);
  await page.keyboard.press('Enter');
  await page.keyboard.press('F2');
  assert.equal(await page.locator('.cell-editor').count(), 0, 'F2 opens no editor');
  await page.dblclick(cellSel('HS6A01', 'HK2.TX2'));
  assert.equal(await page.locator('.cell-editor').count(), 0, 'a double click opens no editor');
  await page.keyboard.press('Delete');
  await page.keyboard.press('Control+z');
  await paste(page, '7\r\n6\r\n5\r\n');
  await sleep(500);
  assert.equal((await cell(page, 'HS6A01', 'HK2.TX2')).text, '8', 'nothing cleared');
  assert.equal(await page.locator('td.saving, td.flash').count(), 0, 'nothing sent, nothing refused');
  assert.ok((await page.textContent('.grid-msg')).includes('chỉ để xem'));
  assert.deepEqual(writes, [], 'no save sent');
  await screenshot(page, 'grid-archived-copy-typing');
  // The sign page reached by its address: what it would sign, no passphrase form.
  await page.goto(ui.link({ view: 'sign' }));
  await page.waitForSelector('main[data-ready="sign"]');
  assert.equal(await page.locator('form.sign-form').count(), 0, 'no sign form');
  const signNote = await page.textContent('[data-read-only]');
  assert.ok(signNote.includes(`Không ký xác nhận được ở đây: đây là bản lưu của năm học ${year}`), signNote);
  const signPage = await page.textContent('main');
  assert.ok(!signPage.includes('Đủ điểm') && !signPage.includes('hãy đồng bộ') && !signPage.includes('Hãy nhập đủ'),
    'never "ready", never "sync first" nor "type the rest"');
  // No list of cells to fill on a copy where nothing is typed (the year has empty cells: the live book lists them).
  assert.equal(await page.locator('.missing').count(), 0, 'no missing cells listed');
  assert.doesNotMatch(signPage, /ô chưa có điểm|ô bắt buộc|sẽ ký/);
  await screenshot(page, 'sign-archived-copy');
  // The inbox: the refusal and the conflict to read, nothing to ask for nor choose.
  await page.goto(ui.link({ view: 'inbox' }));
  await page.waitForSelector('main[data-ready="inbox"]');
  await page.waitForSelector('tr[data-kind="refused"][data-student="HS6A02"]');
  await page.waitForSelector('tr[data-kind="conflict"][data-student="HS6A03"]');
  const inbox = await page.evaluate(async () => (await fetch('/api/inbox')).json());
  assert.equal(inbox.refused.find((x) => x.student === 'HS6A02').can_request_correction, false);
  assert.equal(await page.locator('main button').count(), 0, 'no "Xin điều chỉnh", "Giữ" or "Chọn"');
  const refusedText = await page.textContent('tr[data-kind="refused"][data-student="HS6A02"] td.reason');
  assert.ok(refusedText.includes('Chốt điểm học kì I') && refusedText.includes(`Đây là bản lưu của năm học ${year}`), refusedText);
  assert.doesNotMatch(refusedText, /điều chỉnh/, 'no action the copy cannot take');
  assert.doesNotMatch(inbox.refused.find((x) => x.student === 'HS6A02').reason, /điều chỉnh/);
  // `sodiem inbox` on the copy: the same words, no "Xin điều chỉnh: sodiem correction request …".
  const cli = client(['inbox', '--data', copy]);
  assert.ok(cli.includes(`Đây là bản lưu của năm học ${year}`), cli);
  assert.doesNotMatch(cli, /điều chỉnh/);
  assert.match(client(['inbox', '--data', live]), /Xin điều chỉnh: sodiem correction request/, 'the live store still offers it');
  assert.ok((await page.textContent('main [data-read-only]')).includes('chỉ để xem'));
  assert.doesNotMatch(await page.textContent('main'), /\bnull\b|undefined|cần chọn/);
  await screenshot(page, 'inbox-archived-copy');
  // The password page reached by its address: a note, no form.
  await page.goto(ui.link({ view: 'password' }));
  await page.waitForSelector('main[data-ready="password"]');
  assert.equal(await page.locator('main form').count(), 0, 'no password form');
  assert.ok((await page.textContent('main [data-read-only]')).includes('không đổi mật khẩu được'));
  await screenshot(page, 'password-archived-copy');
  // The class picker's tip: no "type a mark, paste from Excel" on a copy.
  await page.goto(ui.link({}));
  await page.waitForSelector('main[data-ready="picker"]');
  const tip = await page.textContent('.picker .hint');
  assert.ok(tip.includes('chỉ để xem') && !tip.includes('gõ điểm') && !tip.includes('dán'), tip);
  await page.goto(ui.link({ class: '6A', subject: 'Toán' }));
  await page.waitForSelector('main[data-ready="grid"]');
  // Several status polls later: still no attempt, no refusal anywhere, said once.
  await sleep(6000);
  const status = await page.evaluate(async () => (await fetch('/api/status')).json());
  assert.equal(status.online, null);
  assert.equal(status.last_error, '');
  assert.equal(await page.getAttribute('#online', 'title'), '');
  assert.equal(await page.locator('text=/bản lưu của năm học/').count(), 1, 'said once');
  assert.equal(await page.isHidden('#alarm'), true);
  assert.deepEqual(dialogs, []);
  await screenshot(page, 'grid-archived-copy');
  assert.deepEqual(browser.problems, []);
});
