// The school's web console in a real browser (issue 16): a teacher files a
// correction request with the real client, then the principal opens
// https://HOST:PORT/ on the school server, logs in, sees Tiến độ (table and
// chart, a grade book read-only), and approves the request in the queue;
// the server's own CLI then shows it approved; a lock is set and removed
// from the Khóa sổ page; Nhật ký finds the cell's entries and its history
// and shows the chain intact; Tài khoản makes an account (its password
// shown once), disables it and revokes the teacher's device, each seen by
// the server's CLI. A phone-sized view too, and
// no CSP violation or script error throughout. Screenshots in
// build/browser-screenshots. Run by run.sh (CTest label `browser`).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { client, recordMarks, screenshot, server, withSchool } from './fixture.mjs';

// Every outcome code a page could show raw: the protocol's (its source
// table; "OK" aside, too common a word) and the cell history's own.
const OUTCOME_CODES = [
  ...[...fs.readFileSync(new URL('../../sync-protocol/src/error_code.cpp', import.meta.url), 'utf8')
    .matchAll(/\{ErrorCode::k\w+, "([A-Z_]+)"\}/g)].map((m) => m[1]).filter((c) => c !== 'OK'),
  'RESOLVED', 'CORRECTION_REQUESTED', 'CORRECTION_REFUSED'];

const env = withSchool({
  browser: { ignoreHTTPSErrors: true },
  // gv.toan.1 records a mark, then asks for it to be changed.
  prepare({ school }) {
    // HS6A02's book of the term is complete: a term result for the phổ điểm.
    const home = recordMarks(school, 'gv.toan.1', [['6A', 'Toán', 'HS6A01', 'HK1.TX1', '7'],
      ...['TX1', 'TX2', 'TX3', 'TX4', 'GK', 'CK'].map((col) => ['6A', 'Toán', 'HS6A02', `HK1.${col}`, '8'])]);
    client(['correction', 'request', '--data', home, '6A', 'Toán', 'HS6A01', 'HK1.TX1', '9', '--reason', 'Nhập nhầm cột']);
    client(['sync', '--data', home]);
  },
});

test('the principal logs in, sees Tiến độ and a grade book, approves a correction, sets and removes a lock', { timeout: 180_000 }, async () => {
  const { school, browser, page } = env;
  const origin = `https://127.0.0.1:${school.port}`;
  await page.goto(`${origin}/`);
  await page.waitForSelector('#login-form');
  await screenshot(page, 'console-login');

  // A wrong password first: refused in Vietnamese, still on the login form.
  await page.fill('#username', 'hieutruong');
  await page.fill('#password', 'khong-dung');
  await page.click('#login-button');
  await page.waitForFunction(() => document.querySelector('#login-error')?.textContent.includes('Sai tên đăng nhập'));

  await page.fill('#password', school.password('hieutruong'));
  await page.click('#login-button');
  await page.waitForSelector('#progress-table');
  assert.match(await page.textContent('#user'), /hieutruong \(Hiệu trưởng\)/);
  const rows = await page.$$eval('#progress-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
  const toan6A = rows.find((r) => r[0] === '6A' && r[1] === 'Toán');
  assert.ok(toan6A, 'the row of 6A Toán');
  assert.match(toan6A[3], /^7\/\d+$/, 'the seven marks recorded in 6A Toán are counted');
  assert.ok(await page.$$eval('#progress-chart .bar', (bars) => bars.length) > 0, 'a bar chart per class');
  assert.doesNotMatch(await page.textContent('main'), /\bnull\b|undefined|NaN/);
  await screenshot(page, 'console-progress');

  // Drill down: the grade book of 6A Toán, read-only.
  await page.click('#progress-table a:text-is("Toán")');
  await page.waitForSelector('#gradebook table');
  const first = await page.$$eval('#gradebook tbody tr:first-child td', (tds) => tds.map((td) => td.textContent));
  assert.equal(first[0], 'HS6A01');
  assert.equal(first[2], '7');
  assert.equal(await page.$$eval('#gradebook input, #gradebook [contenteditable]', (els) => els.length), 0, 'read-only');
  const second = await page.$$eval('#gradebook tbody tr:nth-child(2) td', (tds) => tds.map((td) => td.textContent));
  assert.equal(second.at(-1), '8,0', "the server's term result, decimal comma");
  const spread = await page.$$eval('#spread > span', (s) => s.map((x) => x.textContent));
  assert.deepEqual(spread.slice(-2), ['8 – 10', '1 HS'], 'phổ điểm: one student in the top band');
  await screenshot(page, 'console-gradebook');

  // The correction queue: old → new, reason, author; approve with a comment.
  await page.click('nav a[data-page="corrections"]');
  await page.waitForSelector('.correction');
  const text = await page.textContent('.correction');
  assert.match(text, /7\s*→\s*9/);
  assert.match(text, /Nhập nhầm cột/);
  assert.match(text, /gv\.toan\.1/);
  assert.match(text, /\d{2}\/\d{2}\/\d{4}/, 'dates as dd/mm/yyyy');
  assert.doesNotMatch(await page.textContent('main'), /\bnull\b|undefined|NaN/);
  await page.click('.correction button[data-action="history"]');
  await page.waitForSelector('.correction .history table');
  assert.match(await page.textContent('.correction .history'), /gv\.toan\.1/);
  await screenshot(page, 'console-corrections');
  await page.fill('.correction .decide input', 'Đồng ý, đã kiểm tra bài');
  await page.click('.correction button[data-action="approve"]');
  await page.waitForFunction(() => document.querySelector('#message')?.textContent.startsWith('Đã duyệt'));
  await page.waitForSelector('#corrections-empty');
  await screenshot(page, 'console-approved');

  // The server's own view: approved by the principal, with the comment.
  const list = JSON.parse(server(['correction', 'list', '--data', school.dir, '--json']));
  assert.equal(list.length, 1);
  assert.equal(list[0].status, 'approved');
  assert.equal(list[0].decided_by, 'hieutruong');
  assert.equal(list[0].comment, 'Đồng ý, đã kiểm tra bài');

  // Khóa sổ: set a lock from the form (dates typed dd/mm/yyyy), see it, remove it with a reason.
  await page.click('nav a[data-page="locks"]');
  await page.waitForSelector('#lock-form');
  await page.selectOption('#lock-term', 'HK1');
  await page.fill('#lock-class', '6A');
  await page.fill('#lock-until', '31/12/2099');
  await page.fill('#lock-reason', 'Chốt điểm học kì I');
  await page.click('#lock-form button[type="submit"]');
  await page.waitForSelector('#locks-table');
  const lockRow = await page.textContent('#locks-table tbody tr');
  assert.match(lockRow, /Lớp 6A/);
  assert.match(lockRow, /31\/12\/2099/);
  assert.match(lockRow, /Chốt điểm học kì I \(hieutruong\)/);
  const locks = JSON.parse(server(['lock', 'list', '--data', school.dir, '--json']));
  assert.equal(locks.length, 1);
  assert.equal(locks[0].class, '6A');
  await screenshot(page, 'console-locks');
  await page.fill('#locks-table tbody tr input', 'Mở để nhập bổ sung');
  await page.click('#locks-table tbody tr button');
  await page.waitForFunction(() => document.querySelector('#message')?.textContent.startsWith('Đã mở khóa'));
  assert.equal(JSON.parse(server(['lock', 'list', '--data', school.dir, '--json'])).length, 0);

  // Nhật ký: the chain's verdict (as `audit verify`), a cell's entries, its history from a row.
  await page.click('nav a[data-page="audit"]');
  await page.waitForSelector('#audit-table');
  await page.waitForFunction(() => document.querySelector('.verdict')?.dataset.intact === 'true');
  assert.match(await page.textContent('#audit-verdict'), /nguyên vẹn/);
  assert.doesNotMatch(await page.textContent('.verdict'), /null|undefined/);
  server(['audit', 'verify', '--data', school.dir]);  // exits 0: the same verdict
  await page.fill('#audit-student', 'HS6A01');
  await page.fill('#audit-column', 'HK1.TX1');
  await page.press('#audit-column', 'Enter');  // the keyboard submits the search
  await page.waitForSelector('#audit-table tr[data-kind="correction_approved"]');
  const approvedRow = await page.textContent('#audit-table tr[data-kind="correction_approved"]');
  assert.match(approvedRow, /hieutruong/);
  assert.match(approvedRow, /7 → 9/);
  const kinds = await page.$$eval('#audit-table tbody tr', (trs) => trs.map((tr) => tr.dataset.kind));
  assert.ok(kinds.includes('push'), "the teacher's push of that cell");
  await page.click('#audit-table tr[data-kind="correction_approved"] button[data-action="history"]');
  await page.waitForSelector('#audit-table .history table');
  assert.match(await page.textContent('#audit-table .history'), /gv\.toan\.1/);
  // Outcomes in words (the server's outcome_words), no code like CORRECTION_REQUESTED.
  assert.match(await page.textContent('#audit-table .history'), /Xin điều chỉnh/);
  assert.ok(OUTCOME_CODES.length > 15, 'the codes were read');
  const auditText = await page.textContent('#audit-table');
  for (const code of OUTCOME_CODES) assert.ok(!new RegExp(`\\b${code}\\b`).test(auditText), `no raw ${code}`);
  assert.doesNotMatch(await page.textContent('main'), /\bnull\b|undefined|NaN/);
  await screenshot(page, 'console-audit');
  await page.emulateMedia({ media: 'print' });
  await screenshot(page, 'console-audit-print');
  await page.emulateMedia({ media: 'screen' });

  // Tài khoản: make an account (its issued password shown once), disable it, revoke a device.
  await page.click('nav a[data-page="accounts"]');
  await page.waitForSelector('#accounts-table');
  await page.click('#account-create summary');
  await page.fill('#new-username', 'gv.ly.9');
  await page.fill('#new-full-name', 'Đỗ Văn Lý');
  await page.fill('#new-department', 'Khoa học tự nhiên');
  await page.check('#role-GVBM');
  await page.click('#create-account');
  await page.waitForSelector('#issued-password');
  const issued = (await page.textContent('#issued-password')).trim();
  assert.ok(issued.length >= 8, 'an issued password');
  await screenshot(page, 'console-accounts-issued');
  let accounts = JSON.parse(server(['account', 'list', '--data', school.dir, '--json']));
  const made = accounts.find((a) => a.username === 'gv.ly.9');
  assert.ok(made, 'the account exists for the CLI');
  assert.equal(made.must_change_password, true);
  await page.click('#accounts-table tr[data-user="gv.ly.9"] button[data-action="disable"]');
  await page.fill('#accounts-table tr[data-user="gv.ly.9"] input[data-field="reason"]', 'Tạo nhầm');
  await page.click('#accounts-table tr[data-user="gv.ly.9"] button[data-action="disable-confirm"]');
  await page.waitForFunction(() => document.querySelector('#message')?.textContent.startsWith('Đã khóa tài khoản'));
  assert.equal(await page.$('#issued-password'), null, 'the password is not shown again');
  accounts = JSON.parse(server(['account', 'list', '--data', school.dir, '--json']));
  assert.equal(accounts.find((a) => a.username === 'gv.ly.9').disabled, true);
  await page.click('#devices-table tbody tr button[data-action="revoke"]');
  await page.fill('#devices-table tbody tr input[data-field="reason"]', 'Mất máy');
  await page.click('#devices-table tbody tr button[data-action="revoke-confirm"]');
  await page.waitForFunction(() => document.querySelector('#message')?.textContent.startsWith('Đã thu hồi thiết bị'));
  const devices = JSON.parse(server(['device', 'list', '--data', school.dir, '--json']));
  assert.equal(devices.filter((d) => d.revoked).length, 1);
  assert.doesNotMatch(await page.textContent('main'), /\bnull\b|undefined|NaN/);
  await screenshot(page, 'console-accounts');

  // On a phone: the same pages, narrower.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('nav a[data-page="progress"]');
  await page.waitForSelector('#progress-table');
  await screenshot(page, 'console-phone-progress');
  await page.click('nav a[data-page="audit"]');
  await page.waitForSelector('#audit-table');
  await screenshot(page, 'console-phone-audit');

  // Logout: the session is gone on the server too.
  await page.click('#logout');
  await page.waitForSelector('#login-form');
  const after = await page.evaluate(async () => (await fetch('/api/session')).status);
  assert.equal(after, 401);
  assert.deepEqual(browser.problems, []);
});
