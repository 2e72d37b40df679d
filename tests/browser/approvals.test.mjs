// Phê duyệt end to end (issue 16), in a real browser: 6A's HK1 is brought to
// the principal by real clients (each subject teacher fills their subject
// through their own `sodiem ui` and signs it with `sodiem sign`, the
// homeroom teacher signs the class, the vice principal reviews). The
// principal's console shows 6A waiting for approval with its board and
// digest; the principal signs the approval in their own `sodiem ui`
// (Ký duyệt, a new key made there) and the ui shows the same digest; the
// console shows 6A approved; `sodiem-server export signed` + `verify` pass;
// the principal unapproves with a reason in the console, and the server
// (export refused, audit trail intact with the reason) agrees. No CSP
// violation or script error. Screenshots in build/browser-screenshots.
// Run by run.sh (CTest label `browser`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { BIN, client, enroll, screenshot, server, fillClass, tmpDir, withSchool } from './fixture.mjs';

const PASS = 'khoa-ky-so-2026\n';
let htUi;
const env = withSchool({
  browser: { ignoreHTTPSErrors: true },
  async prepare({ school, startUi }) {
    const teachers = school.accounts.filter((a) => (a.classes || []).includes('6A'));
    assert.equal(teachers.length, 13, 'the thirteen subjects of 6A');
    const homeroom = teachers.find((a) => a.homeroom === '6A');
    assert.ok(homeroom, "6A's homeroom teacher");
    const dirs = {};
    for (const a of teachers) {
      const dir = tmpDir('client');
      dirs[a.username] = dir;
      enroll(school, dir, a.username);
      await fillClass(dir, '6A', 'HK1', a === homeroom ? [a.subjects[0], 'Chủ nhiệm'] : [a.subjects[0]]);
      client(['key', 'init', '--data', dir, '--passphrase-stdin'], PASS);
      sign(dir, 'subject', a.subjects[0]);
    }
    sign(dirs[homeroom.username], 'class');
    const pht = tmpDir('client');
    enroll(school, pht, 'phohieutruong');
    client(['key', 'init', '--data', pht, '--passphrase-stdin'], PASS);
    sign(pht, 'review');
    // The principal's own device, with no signing key yet.
    const ht = tmpDir('client');
    enroll(school, ht, 'hieutruong');
    htUi = await startUi(ht);
  },
});

function sign(dir, step, subject) {
  client(['sign', step, '6A', 'HK1', '--data', dir, '--passphrase-stdin', ...(subject ? ['--subject', subject] : [])], PASS);
}

test('the console shows 6A waiting with its board, the principal approves it in their ui, then unapproves in the console',
  { timeout: 300_000 }, async () => {
    const { school, browser } = env;
    const { page, context } = browser;
    const origin = `https://127.0.0.1:${school.port}`;
    await page.goto(`${origin}/`);
    await page.waitForSelector('#login-form');
    await page.fill('#username', 'hieutruong');
    await page.fill('#password', school.password('hieutruong'));
    await page.click('#login-button');
    await page.waitForSelector('nav a[data-page="approvals"]:not([hidden])');
    await page.click('nav a[data-page="approvals"]');
    await page.waitForSelector('#approvals-table tr[data-class="6A"][data-waiting="approve"]');
    assert.match(await page.textContent('#approvals-table tr[data-class="6A"]'), /13\/13 môn/);
    assert.match(await page.textContent('#approvals-table tr[data-class="6A"]'), /phohieutruong/);
    assert.equal(await page.getAttribute('#approvals-table tr[data-class="6B"]', 'data-waiting'), 'subject');

    // The board exactly as the approval signs it, its digest, how to sign.
    await page.click('#approvals-table tr[data-class="6A"] button[data-action="board"]');
    await page.waitForSelector('#board-card[data-class="6A"][data-step="approve"]');
    const digest = (await page.textContent('#board-digest')).trim();
    assert.match(digest, /^[0-9a-f]{64}$/);
    assert.match(await page.textContent('#sign-instructions'), /Sổ điểm → Ký duyệt/);
    assert.equal(await page.$$eval('#board-card table.board[data-section="Tổng hợp HK1"] tbody tr', (t) => t.length), 40);
    const consoleOrder = await page.$$eval('#board-card table.board[data-section="Tổng hợp HK1"] tbody tr',
      (t) => t.map((r) => r.dataset.student));
    assert.equal(await page.$('#board-card .missing'), null, 'the board is complete');
    assert.equal(await page.$('#unapprove-form'), null, 'nothing to unapprove yet');
    assert.doesNotMatch(await page.textContent('main'), /\bnull\b|undefined|NaN/);
    await screenshot(page, 'approvals-waiting');

    // The principal signs on their own device: Sổ điểm → Ký duyệt.
    const uiPage = await context.newPage();
    uiPage.on('pageerror', (e) => browser.problems.push(`ui script error: ${e.message}`));
    await uiPage.goto(htUi.url);
    await uiPage.waitForSelector('#nav a[data-screen="sign"]');
    await uiPage.click('#nav a[data-screen="sign"]');
    await uiPage.waitForSelector('main[data-ready="sign"]');
    await uiPage.selectOption('select[name="step"]', 'approve');
    await uiPage.waitForFunction(() => {
      const h1 = document.querySelector('main[data-ready="sign"] h1')?.textContent || '';
      return h1.includes('Phê duyệt') && h1.includes('lớp 6A');
    });
    assert.equal((await uiPage.textContent('#sign-digest')).trim(), digest, 'the ui shows the digest the console showed');
    assert.equal(await uiPage.$$eval('table.board tbody tr', (t) => t.length), 40);
    // Both list the class in the class list's (Vietnamese) order.
    assert.deepEqual(await uiPage.$$eval('table.board tbody tr', (t) => t.map((r) => r.dataset.student)), consoleOrder);
    assert.ok(!(await uiPage.isDisabled('button[data-action="sign"]')));
    await screenshot(uiPage, 'approvals-ui-sign');
    await uiPage.fill('input[name="passphrase"]', 'khoa-hieu-truong');
    await uiPage.fill('input[name="passphrase2"]', 'khoa-hieu-truong');
    await uiPage.click('button[data-action="sign"]');
    await uiPage.waitForSelector('.sign-form .form-msg.ok', { timeout: 90_000 });
    const done = await uiPage.textContent('.sign-form .form-msg');
    assert.match(done, /phê duyệt/);
    assert.ok(done.includes(digest), `the signed digest: ${done}`);
    await screenshot(uiPage, 'approvals-ui-signed');

    // The console: approved, with the same digest.
    await page.bringToFront();
    await page.click('nav a[data-page="progress"]');
    await page.waitForSelector('#progress-table');
    await page.click('nav a[data-page="approvals"]');
    await page.waitForSelector('#approvals-table tr[data-class="6A"][data-waiting=""]');
    assert.match(await page.textContent('#approvals-table tr[data-class="6A"] td.waiting'), /Đã phê duyệt/);
    await page.click('#approvals-table tr[data-class="6A"] button[data-action="board"]');
    await page.waitForSelector('#board-card[data-approved="true"]');
    assert.equal((await page.textContent('#board-digest')).trim(), digest);
    await screenshot(page, 'approvals-approved');

    // The signed export verifies offline.
    const exported = path.join(tmpDir('export'), '6A-HK1.json');
    server(['export', 'signed', '--data', school.dir, '--class', '6A', '--term', 'HK1', exported]);
    assert.match(server(['verify', exported]), /16 chữ ký hợp lệ/);

    // Unapprove with a reason, from the console.
    await page.click('#unapprove-form button[data-action="unapprove"]');
    await page.waitForFunction(() => document.querySelector('#message')?.textContent.includes('cần ghi lý do'));
    await page.fill('#unapprove-reason', 'Sai sót điểm môn Toán, cần sửa');
    await page.click('#unapprove-form button[data-action="unapprove"]');
    await page.waitForFunction(() => document.querySelector('#message')?.textContent.startsWith('Đã hủy phê duyệt'));
    await page.waitForSelector('#approvals-table tr[data-class="6A"][data-waiting="approve"]');
    await screenshot(page, 'approvals-unapproved');

    // The server agrees: nothing approved to export, the trail intact with the reason.
    const refused = spawnSync(BIN.server, ['export', 'signed', '--data', school.dir, '--class', '6A', '--term', 'HK1',
      path.join(tmpDir('export'), 'again.json')], { encoding: 'utf8' });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /chưa được Hiệu trưởng phê duyệt/);
    server(['audit', 'verify', '--data', school.dir]);
    const audit = await page.evaluate(async () => (await fetch('/api/audit?kind=unapproved')).json());
    assert.match(JSON.stringify(audit), /hieutruong/);
    assert.match(JSON.stringify(audit), /Sai sót điểm môn Toán, cần sửa/);
    assert.deepEqual(browser.problems, []);
  });
