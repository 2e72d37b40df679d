// The school's web console in a real browser, its tools beyond the term's
// flow (issue 16): on Khóa sổ the principal opens an exception for one
// teacher and column, sets the grace window and removes the exception, each
// seen by the server's own CLI (`exception list`, `grace`); the
// administrator imports a students file with bad rows (each row's error
// shown, nothing imported) then a good one (seen by `export students`); the
// principal downloads the grade book, the class board and a transcript as
// PDF (read back with pdftotext). Screenshots in build/browser-screenshots;
// no CSP violation or script error throughout. Run by run.sh (CTest label
// `browser`).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { consoleLogin, downloadPdf, recordMarks, screenshot, server, tmpDir, withSchool } from './fixture.mjs';

const env = withSchool({
  browser: { ignoreHTTPSErrors: true },
  // gv.toan.1 records two marks of 6A Toán: something to print.
  prepare({ school }) {
    recordMarks(school, 'gv.toan.1', [['6A', 'Toán', 'HS6A01', 'HK1.TX1', '7'], ['6A', 'Toán', 'HS6A02', 'HK1.TX1', '9']]);
  },
});

const login = (user) => consoleLogin(env, user);

const message = (prefix) => env.page.waitForFunction((p) => document.querySelector('#message')?.textContent.startsWith(p), prefix);

test('Khóa sổ: an exception opened and removed, the grace window set, as the CLI sees them', { timeout: 120_000 }, async () => {
  const { school, browser, page } = env;
  await login('hieutruong');
  await page.click('nav a[data-page="locks"]');
  await page.waitForSelector('#exception-form');
  assert.ok(await page.$('#exceptions-empty'));

  await page.fill('#exc-user', 'gv.toan.1');
  await page.fill('#exc-class', '6A');
  await page.fill('#exc-subject', 'Toán');
  await page.fill('#exc-column', 'HK1.GK');
  await page.fill('#exc-until', '31/12/2099 17:00');
  await page.fill('#exc-reason', 'Ốm, thi bù giữa kì');
  await page.click('#exception-form button[type="submit"]');
  await message('Đã mở ngoại lệ');
  await page.waitForSelector('#exceptions-table');
  const row = await page.textContent('#exceptions-table tbody tr');
  assert.match(row, /gv\.toan\.1 · Lớp 6A · Toán · cột HK1\.GK/);
  assert.match(row, /31\/12\/2099 17:00/);
  assert.match(row, /Ốm, thi bù giữa kì \(hieutruong\)/);
  let listed = JSON.parse(server(['exception', 'list', '--data', school.dir, '--json']));
  assert.equal(listed.length, 1);
  assert.equal(listed[0].user, 'gv.toan.1');
  assert.equal(listed[0].column, 'HK1.GK');
  assert.equal(listed[0].by, 'hieutruong');

  await page.fill('#grace-hours', '24');
  await page.click('#grace-form button[type="submit"]');
  await message('Đã đặt thời gian ân hạn');
  await page.waitForFunction(() => document.querySelector('#grace-note')?.textContent.includes('24 giờ'));
  assert.match(server(['grace', '--data', school.dir]), /: 24 giờ/);
  assert.doesNotMatch(await page.textContent('main'), /\bnull\b|undefined|NaN/);
  await screenshot(page, 'console-exceptions');

  await page.click('#exceptions-table button[data-action="remove-exception"]');
  await message('Đã gỡ ngoại lệ');
  await page.waitForSelector('#exceptions-empty');
  listed = JSON.parse(server(['exception', 'list', '--data', school.dir, '--json']));
  assert.equal(listed.length, 0);
  assert.deepEqual(browser.problems, []);
});

test('Nhập danh sách: a file with bad rows shows each error and imports nothing; a good one imports', { timeout: 120_000 }, async () => {
  const { school, browser, page } = env;
  await login('quantri');
  await page.click('nav a[data-page="import"]');
  await page.waitForSelector('#import-form');
  const header = 'Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n';
  await page.selectOption('#import-what', 'students');
  await page.setInputFiles('#import-file', { name: 'hs-moi.csv', mimeType: 'text/csv',
    buffer: Buffer.from(`${header}HS6A90,Lê Văn Mới,01/02/2014,Nam,6A\nHS6A91,Trần Thị Sai,31/02/2014,Nữ,6A\n`) });
  await page.click('#import-button');
  await page.waitForSelector('#import-errors');
  const refused = await page.textContent('#import-errors');
  assert.match(refused, /Không nhập gì cả; 1 lỗi trong hs-moi\.csv/);
  assert.match(refused, /dòng 3/);
  assert.match(refused, /31\/02\/2014/);
  await screenshot(page, 'console-import-refused');
  let exported = path.join(tmpDir('export'), 'hs.csv');
  server(['export', 'students', '--data', school.dir, exported]);
  assert.doesNotMatch(fs.readFileSync(exported, 'utf8'), /HS6A90/, 'nothing imported, the good row neither');

  await page.setInputFiles('#import-file', { name: 'hs-moi.csv', mimeType: 'text/csv',
    buffer: Buffer.from(`${header}HS6A90,Lê Văn Mới,01/02/2014,Nam,6A\nHS6A91,Trần Thị Đúng,28/02/2014,Nữ,6A\n`) });
  await page.click('#import-button');
  await message('Đã nhập hs-moi.csv: thêm 2');
  assert.equal(await page.$('#import-errors'), null);
  exported = path.join(tmpDir('export'), 'hs.csv');
  server(['export', 'students', '--data', school.dir, exported]);
  assert.match(fs.readFileSync(exported, 'utf8'), /HS6A91,Trần Thị Đúng/);
  await screenshot(page, 'console-import-done');
  assert.deepEqual(browser.problems, []);
});

const printed = (button) => downloadPdf(env.page, button);

test('In hồ sơ: the grade book, the class board and a transcript download as PDF of the right class', { timeout: 180_000 }, async () => {
  const { browser, page } = env;
  await login('hieutruong');
  await page.click('nav a[data-page="progress"]');
  await page.waitForSelector('#progress-table');
  await page.click('#progress-table tr:has(td:text-is("6A")) a:text-is("Toán")');
  await page.waitForSelector('#gradebook table');
  await screenshot(page, 'console-print-buttons');

  const book = await printed('#print-gradebook');
  assert.equal(book.name, 'so-theo-doi-6A-Toán-HK1.pdf');
  assert.match(book.text, /6A/);
  assert.match(book.text, /Toán/);
  assert.match(book.text, /HS6A01/);
  assert.doesNotMatch(book.text, /HS6B01/);

  const board = await printed('#print-class-board');
  assert.equal(board.name, 'bang-tong-hop-6A-HK1.pdf');
  assert.match(board.text, /Lớp 6A — Học kì I/);
  assert.doesNotMatch(board.text, /Lớp 6B/);

  await page.selectOption('#transcript-student', 'HS6A02');
  const transcript = await printed('#print-transcript');
  assert.equal(transcript.name, 'hoc-ba-6A-HS6A02.pdf');
  assert.match(transcript.text, /HS6A02/);
  assert.doesNotMatch(transcript.text, /HS6A01/);

  // From the progress page's class list: another class's board.
  await page.selectOption('#board-class', '6B');
  const other = await printed('#print-board');
  assert.equal(other.name, 'bang-tong-hop-6B-HK1.pdf');
  assert.match(other.text, /Lớp 6B — Học kì I/);
  assert.doesNotMatch(other.text, /Lớp 6A/);
  assert.deepEqual(browser.problems, []);
});

test('Tạm khóa đăng nhập: wrong passwords lock an account and this address; the principal lifts each', { timeout: 120_000 }, async () => {
  const { page } = env;
  await login('hieutruong');
  // From this machine: five wrong passwords for vanthu, then for names that do not exist.
  const statuses = await page.evaluate(async (n) => {
    const out = [];
    for (let i = 0; i < n; i++) {
      const username = i < 5 ? 'vanthu' : `khong-co-${i}`;
      const r = await fetch('/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username, password: 'sai-mat-khau' }) });
      out.push(r.status);
    }
    return out;
  }, 20);
  assert.ok(statuses.every((s) => s === 401 || s === 429), statuses.join(' '));
  await page.click('nav a[data-page="progress"]');
  await page.waitForSelector('#progress-table');
  await page.click('nav a[data-page="accounts"]');
  await page.waitForSelector('#lockouts-table');
  const rows = await page.$$eval('#lockouts-table tbody tr', (trs) => trs.map((tr) => `${tr.dataset.scope} ${tr.dataset.key}`));
  assert.ok(rows.includes('account vanthu'), rows.join(', '));
  assert.ok(rows.includes('address 127.0.0.1'), rows.join(', '));
  assert.match(await page.textContent('#lockouts-table tr[data-scope="address"]'), /Địa chỉ máy\s*127\.0\.0\.1\s*\d{2}\/\d{2}\/\d{4}/);
  await screenshot(page, 'console-lockouts');

  await page.click('#lockouts-table tr[data-scope="address"] button[data-action="lift"]');
  await message('Đã gỡ tạm khóa đăng nhập từ địa chỉ 127.0.0.1');
  assert.equal(await page.$('#lockouts-table tr[data-scope="address"]'), null);
  await page.click('#lockouts-table tr[data-key="vanthu"] button[data-action="lift"]');
  await message('Đã gỡ tạm khóa đăng nhập của tài khoản vanthu');
  await page.waitForSelector('#lockouts-empty');
  assert.doesNotMatch(await page.textContent('main'), /\bnull\b|undefined|NaN/);
  await screenshot(page, 'console-lockouts-lifted');

  // Both lifts are in the trail, by the principal; vanthu logs in at once from this address.
  const trail = await page.evaluate(async () => (await fetch('/api/audit?kind=login_unlocked')).json());
  const lifted = trail.rows.filter((r) => JSON.stringify(r).includes('hieutruong'));
  assert.equal(lifted.length, 2, JSON.stringify(trail.rows));
  await login('vanthu');
  assert.match(await page.textContent('#user'), /vanthu/);
  assert.deepEqual(env.browser.problems, []);
});
