// The teacher's printed book in a real browser: the grid's "In" opens the
// print view of 6A Toán for the term being filled, which holds the school,
// class, subject, term, teacher, every student in the class list's order
// with the marks typed and exact TT22 averages, and signature lines; printed
// (page.pdf(), print media) it is A4 with no app chrome, and pdftotext reads
// the same back. A mark not yet received by the server makes it a draft.
// Run by run.sh (CTest label `browser`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  SHOTS, School, Ui, apiGet, cellSel, comma, enroll, openBrowser, paste, screenshot, students, termAverage, tmpDir, waitCell,
  waitColumn,
} from './fixture.mjs';

const SCHOOL = 'Trường THCS Lê Quý Đôn';
const teacher = 'gv.toan.1';
let school, ui, browser, page;

before(async () => {
  school = new School({ name: SCHOOL });
  await school.start();
  browser = await openBrowser();
  page = browser.page;
});

after(async () => {
  await browser?.close();
  await ui?.kill();
  await school?.stop();
});

function tool(bin, args) {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${bin} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

// Marks with one decimal or none, 4,5 … 9,5.
const markOf = (i, j) => String(4.5 + ((i * 3 + j * 5) % 11) / 2);
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('"In" gives the A4 book of the class × subject × term, read back from its PDF', { timeout: 300_000 }, async () => {
  const dataDir = tmpDir('client');
  enroll(school, dataDir, teacher);
  ui = await new Ui(dataDir).start();
  await page.goto(ui.link({ class: '6A', subject: 'Toán' }));
  await page.waitForSelector('main[data-ready="grid"]');

  // The whole HK1 of 6A Toán pasted as one block, then synced.
  const codes = await students(page);
  const grid = await apiGet(page, `/api/grid?class=6A&subject=${encodeURIComponent('Toán')}`);
  const cols = grid.columns.filter((c) => c.id && /^HK1\.(TX\d|GK|CK)$/.test(c.id)).map((c) => c.id);
  const tx = cols.filter((c) => /TX/.test(c));
  assert.ok(tx.length >= 2 && cols.includes('HK1.GK') && cols.includes('HK1.CK'), `HK1 columns: ${cols}`);
  const typed = codes.map((_, i) => cols.map((__, j) => markOf(i, j)));
  await page.click(cellSel(codes[0], cols[0]));
  await paste(page, typed.map((row) => row.join('\t')).join('\r\n'));
  for (const c of cols) await waitColumn(page, codes, c, 'synced', 90_000);

  // "In" on the grid: the print view of the term being filled (HK1).
  await page.click('a.button.print');
  await page.waitForSelector('main[data-ready="print"]');
  const url = new URL(page.url());
  assert.deepEqual([url.searchParams.get('view'), url.searchParams.get('class'), url.searchParams.get('subject'), url.searchParams.get('term')],
    ['print', '6A', 'Toán', 'HK1']);
  const doc = 'article.print-doc[data-class="6A"][data-subject="Toán"][data-term="HK1"]';
  await page.waitForSelector(doc);
  const fullName = school.account(teacher).full_name;
  assert.ok(fullName, 'the demo teacher has a full name');
  assert.equal(await page.textContent(`${doc} .school`), SCHOOL);
  assert.equal(await page.textContent(`${doc} .teacher`), fullName);
  assert.equal(await page.textContent(`${doc} .class`), '6A');
  assert.equal(await page.textContent(`${doc} .subject`), 'Toán');
  assert.equal(await page.textContent(`${doc} .term`), 'Học kì I');

  // Every student, in the class list's order, with the marks typed and the exact TT22 term average.
  const printed = await page.$$eval(`${doc} table.book tbody tr`, (trs) => trs.map((tr) => ({
    code: tr.dataset.student,
    cells: Object.fromEntries([...tr.cells].map((td, i) => [td.dataset.col || (i === 0 ? 'stt' : 'name'), td.textContent])),
  })));
  assert.deepEqual(printed.map((r) => r.code), codes, 'the class list, in its order');
  const averages = [];
  printed.forEach((row, i) => {
    assert.equal(row.cells.stt, String(i + 1));
    assert.equal(row.cells.name, grid.students[i].name);
    cols.forEach((c, j) => assert.equal(row.cells[c], comma(typed[i][j]), `${row.code} ${c}`));
    const avg = termAverage(tx.map((c) => typed[i][cols.indexOf(c)]), typed[i][cols.indexOf('HK1.GK')], typed[i][cols.indexOf('HK1.CK')]);
    assert.equal(row.cells.HK1, comma(avg), `${row.code}: ĐTB HK1`);
    averages.push(comma(avg));
  });
  const heads = await page.$$eval(`${doc} thead th`, (ths) => ths.map((th) => th.dataset.col || th.textContent));
  assert.ok(!heads.some((x) => /^HK2|^CN$/.test(x)), `only HK1 is printed: ${heads}`);

  // Printed: A4, no app chrome, read back from the PDF.
  await page.emulateMedia({ media: 'print' });
  for (const chrome of ['header#top', '.print-tools', '#nav', '#sync-now']) {
    assert.equal(await page.isVisible(chrome), false, `${chrome} is not printed`);
  }
  await screenshot(page, 'teacher-print');
  fs.mkdirSync(SHOTS, { recursive: true });
  const pdf = path.join(SHOTS, 'teacher-print.pdf');
  await page.pdf({ path: pdf, preferCSSPageSize: true });
  await page.emulateMedia({ media: 'screen' });
  const info = tool('pdfinfo', [pdf]);
  assert.match(info, /Page size:\s+[\d.]+ x [\d.]+ pts \(A4\)/, info);  // pdfinfo names the size
  const pages = Number(/Pages:\s+(\d+)/.exec(info)[1]);
  const fonts = tool('pdffonts', [pdf]).split('\n').slice(2).filter(Boolean);
  assert.ok(fonts.length && fonts.every((l) => / yes +(yes|no) +(yes|no) /.test(l)), `fonts embedded:\n${fonts.join('\n')}`);
  tool('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', pdf, path.join(SHOTS, 'teacher-print-page')]);
  const text = tool('pdftotext', ['-layout', pdf, '-']).normalize('NFC');
  for (const want of [SCHOOL.toLocaleUpperCase('vi'), 'SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH', 'Môn học: Toán', 'Lớp: 6A', 'Học kì I',
    `Giáo viên bộ môn: ${fullName}`, 'Hiệu trưởng', '(Ký và ghi rõ họ tên)', `Trang 1/${pages}`]) {
    assert.ok(text.includes(want), `the PDF says "${want}"`);
  }
  assert.ok(!/Đồng bộ ngay|Hộp thư|Ký duyệt|Về bảng điểm/.test(text), 'nothing of the app is printed');
  const lines = text.split('\n');
  let at = -1;
  printed.forEach((row, i) => {
    const marks = cols.map((c) => row.cells[c]);
    const re = new RegExp(`^\\s*${i + 1}\\s+${escapeRe(grid.students[i].name)}\\s+${[...marks, averages[i]].map(escapeRe).join('\\s+')}\\s*$`);
    const found = lines.findIndex((l, k) => k > at && re.test(l));
    assert.ok(found > at, `line of ${i + 1}. ${grid.students[i].name} with ${marks.join(' ')} → ${averages[i]}`);
    at = found;
  });

  // The year's page: each term's result and the year's.
  await page.selectOption('.print-tools select', 'CN');
  await page.waitForSelector('article.print-doc[data-term="CN"]');
  assert.deepEqual(await page.$$eval('article.print-doc thead th[data-col]', (ths) => ths.map((th) => th.dataset.col)), ['HK1', 'HK2', 'CN']);
  assert.equal(await page.textContent(`article.print-doc tr[data-student="${codes[0]}"] td[data-col="HK1"]`), averages[0]);

  // A mark the server has not received yet: the print says it is a draft.
  await school.stop();
  await page.goto(`${ui.origin}/?class=6A&subject=${encodeURIComponent('Toán')}`);
  await page.waitForSelector('main[data-ready="grid"]');
  await page.click(cellSel(codes[1], 'HK1.TX1'));
  await page.keyboard.type('10');
  await page.keyboard.press('Enter');
  await waitCell(page, codes[1], 'HK1.TX1', { state: 'local', text: '10' });
  await page.click('a.button.print');
  await page.waitForSelector('main[data-ready="print"]');
  assert.equal(await page.textContent(`article.print-doc tr[data-student="${codes[1]}"] td[data-col="HK1.TX1"]`), '10');
  assert.match(await page.textContent('article.print-doc .doc-note'), /1 ô chưa được máy chủ nhận \(bản nháp\)/);
  assert.deepEqual(browser.problems, []);
});
