// A primary school (Tiểu học, Thông tư 27/2020) in a real browser, set up
// as an administrator does it from the shipped Tiểu học defaults (plain
// init, setup, imports): a subject grid of ratings (Hoàn thành tốt /
// Hoàn thành / Chưa hoàn thành) and periodic tests 1–10, refusing 0 and
// decimals in place; the homeroom grid, labelled for qualities and
// competences, with mid-term and end-of-term ratings (Tốt / Đạt / Cần cố
// gắng); the class board naming the required cells still empty, then
// complete, and the year with its results, awards and class totals; a
// pupil who moves class shows in the old class teacher's inbox after a
// sync. Run by run.sh (CTest label `browser`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  SAVED, School, cell, cellSel, enroll, screenshot, server, students, tmpDir, waitCell, withSchool,
} from './fixture.mjs';

const CLS = '4A';
const PUPILS = [['HS401', 'Giàng A Páo', 'Nam'], ['HS402', 'Sùng Thị Mai', 'Nữ'], ['HS403', 'Lò Văn Sơn', 'Nam']];
const pupilsCsv = (cls) => 'Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n' +
  PUPILS.map(([code, name, g]) => `${code},${name},05/09/2016,${g},${code === 'HS403' ? cls(code) : CLS}`).join('\n') + '\n';

let ui;
const env = withSchool({
  school: {
    level: 'tieu-hoc', name: 'Trường PTDTBT Tiểu học Bản Mù', students: pupilsCsv(() => CLS),
    staff: 'Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n' +
      `gv.lan,Vàng Thị Lan,GVBM;GVCN,,${CLS},"${School.subjectsOf('tieu-hoc', 4).map((s) => `${CLS}:${s}`).join(';')}"\n`,
  },
  // The principal opens both terms' entry now (HK2's would open in January).
  beforeStart({ school }) {
    const day = (d) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
    for (const term of ['HK1', 'HK2'])
      server(['term', 'set', '--data', school.dir, '--term', term, '--entry-opens', day(-3), '--entry-closes', day(60), '--maintenance']);
  },
  browser: true,
});

// Every required cell the board still lacks, filled through the page's own
// API (as a paste does): tests `test(student, subject, column)`, ratings
// Hoàn thành tốt, qualities and competences Tốt.
async function fillMissing(term, test) {
  const board = await env.page.evaluate(async ([cls, t]) => (await fetch(`/api/board?class=${cls}&term=${t}`)).json(), [CLS, term]);
  const bySubject = new Map();
  for (const m of board.missing) {
    const value = m.column.includes('.KT') ? test(m.student, m.subject, m.column)
      : m.subject === 'Chủ nhiệm' ? 'Tốt' : 'Hoàn thành tốt';
    if (!bySubject.has(m.subject)) bySubject.set(m.subject, []);
    bySubject.get(m.subject).push({ student: m.student, column: m.column, value });
  }
  const answers = await env.page.evaluate(async ([cls, groups]) => {
    const { csrf } = await (await fetch('/api/session')).json();
    const out = [];
    for (const [subject, edits] of groups) {
      const r = await fetch('/api/cells', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ class: cls, subject, edits }),
      });
      out.push({ subject, status: r.status, refused: (await r.json()).results.filter((x) => !x.ok) });
    }
    return out;
  }, [CLS, [...bySubject]]);
  for (const a of answers) assert.deepEqual([a.status, a.refused], [200, []], `${a.subject}: ${JSON.stringify(a.refused)}`);
  return board.missing.length;
}

// Selects a cell by a click, once the grid has it as the current cell
// (a refresh after a save may rebuild the grid under the pointer).
async function select(code, column) {
  for (let i = 0; i < 5; i++) {
    await env.page.click(cellSel(code, column));
    try {
      await env.page.waitForSelector(`${cellSel(code, column)}.sel`, { timeout: 2000 });
      return;
    } catch { /* clicked while the grid was rebuilt: again */ }
  }
  await screenshot(env.page, 'primary-select-failed');
  const at = await env.page.evaluate(() => { const td = document.querySelector('td.sel'); return td ? `${td.dataset.student} ${td.dataset.column}` : 'none'; });
  throw new Error(`cannot select ${code} ${column} (selected: ${at})`);
}

async function openBoard(term) {
  await env.page.goto(ui.link({ view: 'board', class: CLS, term }));
  await env.page.waitForSelector('main[data-ready="board"]');
}

test('a primary school: ratings and tests 1–10, qualities and competences, the board and the year', { timeout: 300_000 }, async () => {
  const { school, browser, page } = env;
  const dataDir = tmpDir('client');
  enroll(school, dataDir, 'gv.lan');
  ui = await env.startUi(dataDir);
  await page.goto(ui.link({ class: CLS, subject: 'Toán' }));
  await page.waitForSelector('main[data-ready="grid"]');

  // The subject grid of grade 4 Toán: ratings at mid-term and end of term,
  // the periodic tests the grade sits (GK1, CK1, GK2, CN), comments; no TX.
  const columns = await page.$$eval('tbody tr:first-child td[data-column]', (tds) => tds.map((td) => td.dataset.column));
  assert.deepEqual(columns, ['HK1.GK', 'HK1.KTGK', 'HK1.CK', 'HK1.KTCK', 'HK1.NX', 'HK2.GK', 'HK2.KTGK', 'HK2.CK', 'HK2.KTCK', 'HK2.NX']);
  const codes = await students(page);
  assert.deepEqual([...codes].sort(), ['HS401', 'HS402', 'HS403']);
  // Ratings as teachers type them: T, h, c.
  await select(codes[0], 'HK1.GK');
  for (const typed of ['T', 'h', 'c']) {
    await page.keyboard.type(typed);
    await page.keyboard.press('Enter');
  }
  await waitCell(page, codes[0], 'HK1.GK', { state: SAVED, text: 'Hoàn thành tốt' });
  await waitCell(page, codes[1], 'HK1.GK', { state: SAVED, text: 'Hoàn thành' });
  await waitCell(page, codes[2], 'HK1.GK', { state: SAVED, text: 'Chưa hoàn thành' });

  // A periodic test is an integer from 1 to 10: 0 and decimals are refused
  // in place (the cell stays empty, the message says why), 9 and 10 kept.
  for (const bad of ['0', '7.5', '7,5', '11']) {
    await select(codes[0], 'HK1.KTGK');
    await page.keyboard.type(bad);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.grid-msg.error');
    assert.match(await page.textContent('.grid-msg'), /từ 1 đến 10/, `refused: ${bad}`);
    assert.equal((await cell(page, codes[0], 'HK1.KTGK')).text, '', `${bad} is not stored`);
    await page.keyboard.press('Escape');
    await page.evaluate(() => document.querySelector('.grid-msg').classList.remove('error'));
  }
  await select(codes[0], 'HK1.KTGK');
  await page.keyboard.type('9');
  await page.keyboard.press('Enter');
  await page.keyboard.type('10');
  await page.keyboard.press('Enter');
  await waitCell(page, codes[0], 'HK1.KTGK', { state: SAVED, text: '9' });
  await waitCell(page, codes[1], 'HK1.KTGK', { state: SAVED, text: '10' });
  await screenshot(page, 'primary-grid');
  assert.deepEqual(browser.problems, []);

  // The homeroom: labelled for qualities and competences (no conduct in
  // primary), each rated at mid-term and at the end of the term.
  await page.goto(ui.link({ view: 'homeroom' }));
  await page.waitForSelector('main[data-ready="grid"]');
  assert.equal(await page.textContent('nav.tabs a[data-view="grid"]'), 'Phẩm chất, năng lực và nhận xét');
  const homeroomCols = await page.$$eval('tbody tr:first-child td[data-column]', (tds) => tds.map((td) => td.dataset.column));
  assert.equal(homeroomCols.length, 62, 'per term 5 qualities and 10 competences, mid-term and end of term, a comment');
  assert.deepEqual(homeroomCols.slice(0, 2), ['HK1.PC1.GK', 'HK1.PC2.GK']);
  assert.ok(homeroomCols.includes('HK2.NL10'));
  assert.ok(!homeroomCols.some((c) => c.endsWith('.RL')), 'no conduct column');
  await select(codes[0], 'HK1.PC1.GK');
  for (const typed of ['t', 'd', 'c']) {  // D for Đạt, as on a keyboard without Vietnamese input
    await page.keyboard.type(typed);
    await page.keyboard.press('Enter');
  }
  await waitCell(page, codes[0], 'HK1.PC1.GK', { state: SAVED, text: 'Tốt' });
  await waitCell(page, codes[1], 'HK1.PC1.GK', { state: SAVED, text: 'Đạt' });
  await waitCell(page, codes[2], 'HK1.PC1.GK', { state: SAVED, text: 'Cần cố gắng' });
  await page.keyboard.type('Khá');  // a conduct level is not a quality's
  await page.keyboard.press('Enter');
  await page.waitForSelector('.grid-msg.error');
  await page.keyboard.press('Escape');
  await screenshot(page, 'primary-homeroom');

  // The board names what the class-level signature still lacks, per subject.
  await page.click('nav.tabs a[data-view="board"]');
  await page.waitForSelector('main[data-ready="board"]');
  assert.equal(await page.textContent('nav.tabs a[data-view="grid"]'), 'Phẩm chất, năng lực và nhận xét');
  const shownMissing = Number(await page.getAttribute('.missing', 'data-missing'));
  const cliBoard = JSON.parse(await page.evaluate(async (cls) => JSON.stringify(await (await fetch(`/api/board?class=${cls}&term=HK1`)).json()), CLS));
  assert.equal(shownMissing, cliBoard.missing.length);
  assert.ok(shownMissing > 100, `missing: ${shownMissing}`);
  assert.match(await page.textContent('.missing'), /Chưa thể ký xác nhận: còn \d+ ô bắt buộc/);
  assert.ok(await page.$('.missing-subject[data-subject="Toán"] li[data-student="HS401"][data-column="HK1.CK"]'));
  assert.ok(await page.$('.missing-subject[data-subject="Chủ nhiệm"]'));
  // 15 qualities and competences, mid-term and end of term, 3 pupils; 3 typed above.
  assert.match(await page.textContent('.missing-subject[data-subject="Chủ nhiệm"] summary'), /Giáo viên chủ nhiệm — 87 ô/);
  // Many cells: folded per subject, the results table in view; a click opens a subject.
  assert.equal(await page.$eval('.missing-subject[data-subject="Toán"]', (d) => d.open), false);
  await page.click('.missing-subject[data-subject="Toán"] summary');
  assert.equal(await page.$eval('.missing-subject[data-subject="Toán"]', (d) => d.open), true);
  assert.ok(await page.isVisible('table.board'));
  assert.equal(await page.$$eval('table.board input, table.board textarea', (els) => els.length), 0);
  await screenshot(page, 'primary-board-missing');

  // Everything typed: the HK1 board is complete.
  await fillMissing('HK1', () => '9');
  await openBoard('HK1');
  assert.equal(await page.$('.missing'), null);
  assert.match(await page.textContent('p.ready'), /có thể được ký xác nhận/);
  assert.match(await page.textContent(`table.board tr[data-student="HS401"]`), /Hoàn thành tốt/);

  // HK2 and the year: HS402 scores 4 in the year-end Toán test (Chưa hoàn
  // thành), HS403 8s (Hoàn thành tốt), HS401 10s (Hoàn thành xuất sắc).
  const tests = { HS401: '10', HS402: '9', HS403: '8' };
  await fillMissing('CN', (student, subject, column) =>
    (student === 'HS402' && subject === 'Toán' && column === 'HK2.KTCK' ? '4' : tests[student]));
  await openBoard('CN');
  assert.ok(await page.$('p.ready'), 'the year is complete');
  const result = (code, column) => page.textContent(`table.board tr[data-student="${code}"] td[data-column="${column}"]`);
  assert.equal(await result('HS401', 'Kết quả giáo dục'), 'Hoàn thành xuất sắc');
  assert.equal(await result('HS401', 'Khen thưởng'), 'Học sinh Xuất sắc');
  assert.equal(await result('HS403', 'Kết quả giáo dục'), 'Hoàn thành tốt');
  assert.equal(await result('HS402', 'Kết quả giáo dục'), 'Chưa hoàn thành');
  assert.equal(await result('HS402', 'Hoàn thành chương trình'), 'Chưa hoàn thành chương trình lớp 4');
  assert.equal(await result('HS403', 'Hoàn thành chương trình'), 'Hoàn thành chương trình lớp 4');
  assert.ok(await page.$('table.board th.outcome'), 'the outcome columns are marked');
  // The class totals (TT27): how many pupils have each result.
  assert.match(await page.textContent('table.totals tr[data-column="Kết quả giáo dục"]'),
    /Chưa hoàn thành: 1.*Hoàn thành tốt: 1.*Hoàn thành xuất sắc: 1/);
  await screenshot(page, 'primary-board-year');
  assert.deepEqual(browser.problems, []);

  // Everything reaches the school's server.
  await page.click('#sync-now');
  await page.waitForFunction(async () => (await (await fetch('/api/status')).json()).pending === 0, null, { timeout: 90_000 });

  // HS403 moves to 4B (the school's import): after a sync the 4A teacher's
  // inbox says so.
  const file = `${school.dir}/chuyen-lop.csv`;
  (await import('node:fs')).writeFileSync(file, pupilsCsv(() => '4B'));
  server(['import', 'students', '--data', school.dir, file, '--maintenance']);
  await page.click('#sync-now');
  await page.waitForFunction(async () => (await (await fetch('/api/inbox')).json()).moves?.length === 1, null, { timeout: 90_000 });
  await page.goto(ui.link({ view: 'inbox' }));
  await page.waitForSelector('tr[data-kind="move"][data-student="HS403"]');
  assert.match(await page.textContent('tr[data-kind="move"]'), /Lò Văn Sơn \(HS403\).*4A.*4B/);
  await screenshot(page, 'inbox-move');
  assert.deepEqual(browser.problems, []);
});
