// The school's web console in a real browser, its tools beyond the term's
// flow (issue 16): on Khóa sổ the principal opens an exception for one
// teacher and column, sets the grace window and removes the exception, each
// seen by the server's own CLI (`exception list`, `grace`); the
// administrator imports a students file with bad rows (each row's error
// shown, nothing imported) then a good one (seen by `export students`).
// Screenshots in build/browser-screenshots; no CSP violation or script
// error throughout. Run by run.sh (CTest label `browser`).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { School, openBrowser, screenshot, server, tmpDir } from './fixture.mjs';

let school, browser, page, origin;

before(async () => {
  school = new School();
  await school.start();
  origin = `https://127.0.0.1:${school.port}`;
  browser = await openBrowser({ ignoreHTTPSErrors: true });
  page = browser.page;
});

after(async () => {
  await browser?.close();
  await school?.stop();
});

async function login(user) {
  await page.context().clearCookies();  // whoever was signed in before
  await page.goto(`${origin}/`);
  await page.waitForSelector('#login-form');
  await page.fill('#username', user);
  await page.fill('#password', school.password(user));
  await page.click('#login-button');
  await page.waitForSelector('#top:not([hidden])');
}

const message = (prefix) => page.waitForFunction((p) => document.querySelector('#message')?.textContent.startsWith(p), prefix);

test('Khóa sổ: an exception opened and removed, the grace window set, as the CLI sees them', { timeout: 120_000 }, async () => {
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
