// A homeroom teacher in a real browser: conduct per term and the homeroom
// comment on the homeroom grid, attendance of the month by click and by
// keyboard (P / K, totals per student), all synced, the class summary
// board (read-only), and attendance per session once the class is taught
// two sessions a day; on a closed year's copy, the attendance sheet only to
// read and the board's empty cells as a folded note; a locked term's
// attendance days greyed before anyone types. Run by run.sh (CTest label `browser`).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { SAVED, cell, cellSel, client, enroll, screenshot, server, sleep, students, tmpDir, waitCell, withSchool } from './fixture.mjs';

let ui;
const env = withSchool({ browser: true });

test('a homeroom teacher records conduct, comments and attendance; the board shows them', { timeout: 300_000 }, async () => {
  const { school, browser, page } = env;
  const teacher = school.accounts.find((a) => a.homeroom && (a.roles || []).includes('GVCN'));
  const cls = teacher.homeroom;
  const dataDir = tmpDir('client');
  enroll(school, dataDir, teacher.username);
  ui = await env.startUi(dataDir);
  await page.goto(ui.url);
  await page.waitForSelector('#nav-homeroom:not([hidden])');
  await page.click('#nav-homeroom');
  await page.waitForSelector('main[data-ready="grid"]');
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('class'), cls);
  assert.equal(url.searchParams.get('subject'), 'Chủ nhiệm');

  // Conduct: the full word, or the short form the server normalizes.
  const codes = await students(page);
  await page.click(cellSel(codes[0], 'HK1.RL'));
  await page.keyboard.type('Tốt');
  await page.keyboard.press('Enter');
  await page.keyboard.type('K');
  await page.keyboard.press('Enter');
  await page.keyboard.type('giỏi');
  await page.keyboard.press('Enter');
  await waitCell(page, codes[0], 'HK1.RL', { state: SAVED, text: 'Tốt' });
  await waitCell(page, codes[1], 'HK1.RL', { state: SAVED, text: 'Khá' });
  await page.waitForSelector('.grid-msg.error');
  assert.match(await page.textContent('.grid-msg'), /Tốt, Khá, Đạt hoặc Chưa đạt/);
  assert.equal((await cell(page, codes[2], 'HK1.RL')).text, '', 'an unknown level is not stored');
  await page.keyboard.press('Escape');
  await page.click(cellSel(codes[0], 'HK1.NXCN'));
  await page.keyboard.type('Ngoan, lễ phép');
  await page.keyboard.press('Enter');
  await waitCell(page, codes[0], 'HK1.NXCN', { state: SAVED, text: 'Ngoan, lễ phép' });
  await screenshot(page, 'homeroom');

  // Attendance of this month.
  await page.click('nav.tabs a[href*="attendance"]');
  await page.waitForSelector('main[data-ready="attendance"]');
  const days = await page.$$eval('tbody tr:first-child td[data-column^="CC."]', (tds) => tds.map((td) => td.dataset.column));
  assert.ok(days.length >= 20, `school days of the month: ${days.length}`);
  const [d1, d2] = days;
  await page.click(cellSel(codes[0], d1));  // "" → P
  await waitCell(page, codes[0], d1, { state: SAVED, text: 'P' });
  await page.click(cellSel(codes[0], d1));  // P → K
  await waitCell(page, codes[0], d1, { state: SAVED, text: 'K' });
  await page.click(cellSel(codes[1], d1));
  await waitCell(page, codes[1], d1, { state: SAVED, text: 'P' });
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('k');
  await waitCell(page, codes[1], d2, { state: SAVED, text: 'K' });
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('p');
  await waitCell(page, codes[2], d2, { state: SAVED, text: 'P' });
  await page.keyboard.press('Delete');
  await waitCell(page, codes[2], d2, { state: SAVED, text: '' });
  const count = (code, kind) => page.textContent(`td[data-student="${code}"][data-count="${kind}"]`);
  assert.equal(await count(codes[0], 'K'), '1');
  assert.equal(await count(codes[1], 'P'), '1');
  assert.equal(await count(codes[1], 'K'), '1');

  // Synced by the background agent (no click), then read back after a reload.
  await waitCell(page, codes[1], d2, { state: 'synced', timeout: 90_000 });
  await page.reload();
  await page.waitForSelector('main[data-ready="attendance"]');
  assert.equal((await cell(page, codes[0], d1)).text, 'K');
  assert.equal((await cell(page, codes[1], d1)).text, 'P');
  assert.equal(await count(codes[1], 'P'), '1');
  await screenshot(page, 'attendance');

  // The class summary board: read-only, with the conduct recorded.
  await page.click('nav.tabs a[href*="board"]');
  await page.waitForSelector('main[data-ready="board"]');
  const row = await page.textContent(`table.board tr[data-student="${codes[0]}"]`);
  assert.ok(row.includes('Tốt'), `the board shows the conduct: ${row}`);
  assert.equal(await page.$$eval('table.board input, table.board textarea', (els) => els.length), 0);
  await screenshot(page, 'board');
  assert.deepEqual(browser.problems, []);

  // The principal sets the class to two sessions a day: after a sync the
  // sheet has a morning and an afternoon column per day, each one session.
  school.sessions(cls, 2);
  await page.click('#sync-now');
  await page.waitForFunction(async () => (await (await fetch('/api/status')).json()).pending === 0);
  await page.click('nav.tabs a[href*="attendance"]');
  await page.waitForSelector('main[data-ready="attendance"]');
  const sessions = await page.$$eval('tbody tr:first-child td[data-column^="CC."]', (tds) => tds.map((td) => td.dataset.column));
  assert.equal(sessions.length, days.length * 2, 'two columns a day');
  const [s1, s2] = sessions;
  assert.match(s1, /^CC\.\d{4}-\d{2}-\d{2}\.S$/);
  assert.match(s2, /^CC\.\d{4}-\d{2}-\d{2}\.C$/);
  const before2 = Number(await count(codes[3], 'P') || 0);
  await page.click(cellSel(codes[3], s1));
  await waitCell(page, codes[3], s1, { state: SAVED, text: 'P' });
  await page.click(cellSel(codes[3], s2));
  await waitCell(page, codes[3], s2, { state: SAVED, text: 'P' });
  assert.equal(Number(await count(codes[3], 'P')), before2 + 2, 'each session counts one');
  assert.match(await page.textContent('.sheet-sub'), /theo buổi/);
  await screenshot(page, 'attendance-sessions');
  assert.deepEqual(browser.problems, []);
});

test("a closed year's copy shows the attendance sheet to read: no change on a click, a key or a letter", { timeout: 180_000 }, async () => {
  const { school, browser, page } = env;
  const teacher = school.accounts.find((a) => a.homeroom && (a.roles || []).includes('GVCN'));
  const cls = teacher.homeroom;
  const live = tmpDir('client');
  enroll(school, live, teacher.username);
  client(['sync', '--data', live]);
  const probe = await env.startUi(live);
  await page.goto(probe.url);
  const year = await page.evaluate(async () => (await (await fetch('/api/session')).json()).school_year);
  await probe.stop();
  // The copy as the client keeps it once the server moved on: DATA/years/<year> beside DATA/client.db.
  const data = tmpDir('client');
  const copy = path.join(data, 'years', year);
  fs.cpSync(live, copy, { recursive: true });
  fs.copyFileSync(path.join(live, 'client.db'), path.join(data, 'client.db'));

  const writes = [];
  page.on('request', (r) => { if (r.method() === 'POST') writes.push(r.url()); });
  page.on('websocket', (ws) => ws.on('framesent', (f) => { if (String(f.payload).includes('"path"')) writes.push(String(f.payload)); }));
  ui = await env.startUi(copy);
  await page.goto(ui.link({ view: 'attendance', class: cls }));
  await page.waitForSelector('main[data-ready="attendance"]');
  assert.ok((await page.textContent('.sheet-sub .keys')).includes('Chỉ xem'), 'the key help of a sheet to read');
  assert.ok(!(await page.textContent('.sheet-sub .keys')).includes('gõ P hoặc K'));
  const codes = await students(page);
  const days = await page.$$eval('tbody tr:first-child td[data-column^="CC."]', (tds) => tds.map((td) => td.dataset.column));
  const [d1, d2] = days;
  const before = [(await cell(page, codes[0], d1)).text, (await cell(page, codes[0], d2)).text];
  // A click selects, quietly: no cycle, no red refusal.
  await page.click(cellSel(codes[0], d1));
  await page.click(cellSel(codes[0], d2));
  assert.equal(await page.getAttribute(cellSel(codes[0], d2), 'class').then((c) => c.includes('sel')), true, 'selected');
  assert.equal(await page.locator('.grid-msg.error').count(), 0, 'a click says nothing');
  assert.equal((await cell(page, codes[0], d1)).text, before[0], 'not cycled');
  // Any letter, P or not: the copy's read-only note, not the attendance keys.
  await page.keyboard.press('x');
  let said = await page.textContent('.grid-msg');
  assert.ok(said.includes(`Bản lưu năm học ${year} chỉ để xem`) && !said.includes('gõ P'), said);
  await page.keyboard.press('p');
  await page.keyboard.press(' ');
  await page.keyboard.press('Delete');
  await sleep(500);
  said = await page.textContent('.grid-msg');
  assert.ok(said.includes('chỉ để xem'), said);
  assert.equal((await cell(page, codes[0], d2)).text, before[1], 'nothing recorded');
  assert.deepEqual(writes, [], 'no save sent');
  await screenshot(page, 'attendance-archived-copy');

  // Its board: the cells left empty when the year closed are information,
  // a neutral note, folded, not the live book's warning of cells to fill.
  await page.goto(ui.link({ view: 'board', class: cls }));
  await page.waitForSelector('main[data-ready="board"]');
  assert.equal(await page.locator('.missing').count(), 0, 'no warning box on a copy');
  const note = page.locator(`details.missing-archived[data-archived="${year}"]`);
  assert.equal(await note.count(), 1);
  assert.equal(await note.getAttribute('role'), 'note');
  assert.equal(await note.evaluate((d) => d.open), false, 'folded');
  const n = Number(await note.getAttribute('data-missing'));
  assert.ok(n > 0, 'the demo year has empty cells');
  assert.match(await note.locator('summary').first().textContent(), new RegExp(`^Năm học ${year} đã đóng: còn ${n} ô trống`));
  assert.equal(await note.evaluate((d) => getComputedStyle(d).backgroundColor), 'rgba(0, 0, 0, 0)', 'no orange');
  await screenshot(page, 'board-archived-copy');
  await note.locator('summary').first().click();
  assert.equal(await note.evaluate((d) => d.open), true, 'a click unfolds it');
  assert.deepEqual(browser.problems, []);
});

test('a locked term greys its attendance days before anyone types; a P there is refused on the page', { timeout: 180_000 }, async () => {
  const { school, browser, page } = env;
  const teacher = school.accounts.find((a) => a.homeroom && (a.roles || []).includes('GVCN'));
  const cls = teacher.homeroom;
  // The term of today (Vietnam time), from the school's terms.
  const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
  const terms = JSON.parse(server(['term', 'list', '--data', school.dir, '--json']));
  const term = terms.find((t) => t.starts_on <= today && today <= t.ends_on);
  assert.ok(term, `a term holds ${today}: ${JSON.stringify(terms)}`);
  const reason = 'Chốt sổ điểm danh học kì';
  school.lock(term.term, cls, reason, 2);
  const data = tmpDir('client');
  enroll(school, data, teacher.username, 'may-khoa');
  client(['sync', '--data', data]);
  const writes = [];
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/api/cells')) writes.push(r.url()); });
  page.on('websocket', (ws) => ws.on('framesent', (f) => { if (String(f.payload).includes('/api/cells')) writes.push(String(f.payload)); }));
  ui = await env.startUi(data);
  await page.goto(ui.link({ view: 'attendance', class: cls }));
  await page.waitForSelector('main[data-ready="attendance"]');
  const codes = await students(page);
  const days = await page.$$eval('tbody tr:first-child td[data-column^="CC."]', (tds) => tds.map((td) => td.dataset.column));
  const inTerm = days.filter((d) => d.slice(3, 13) >= term.starts_on && d.slice(3, 13) <= term.ends_on);
  assert.ok(inTerm.length > 0, 'days of the locked term this month');
  // Every day of the term greyed, for every student, before anyone types; the header too.
  for (const d of days) {
    const state = (await cell(page, codes[0], d)).state;
    assert.equal(state === 'locked', inTerm.includes(d), `${d}: ${state}`);
  }
  assert.equal(await page.locator('thead th.h-attendance.h-locked').count(), inTerm.length, 'the locked days\' headers');
  const last = codes[codes.length - 1];
  assert.equal((await cell(page, last, inTerm[0])).state, 'locked');
  assert.match(await page.getAttribute(cellSel(last, inTerm[0]), 'title'), new RegExp(reason));
  // A P typed there: refused on the page with the lock's reason, nothing saved.
  const before = (await cell(page, last, inTerm[0])).text;
  await page.click(cellSel(last, inTerm[0]));
  await page.waitForSelector('.cellpop:not([hidden]) .pop-title.lock');
  assert.match(await page.textContent('.cellpop'), new RegExp(reason));
  await page.keyboard.press('Escape');
  await page.keyboard.press('p');
  await page.waitForSelector('.cellpop:not([hidden]) .pop-title.lock');
  await sleep(500);
  assert.equal((await cell(page, last, inTerm[0])).text, before, 'nothing recorded');
  assert.deepEqual(writes, [], 'no save sent');
  await screenshot(page, 'attendance-locked');
  assert.deepEqual(browser.problems, []);
});
