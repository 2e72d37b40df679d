// The principal runs a whole term from the console (issue 16, "done when"):
// on the demo school, 6A's teachers have filled HK1 through their own
// `sodiem ui` (the fixture). As hieutruong, in the console only: Tiến độ
// shows 6A full; Khóa sổ sets a lock on 6A; a teacher's late mark (the
// teacher's side through the CLI) is refused, so they file a correction,
// which the principal approves in the queue; an exception lets another
// teacher change one cell after the lock; Phê duyệt walks 6A through the
// chain, each step seen in the console as the teachers and the vice
// principal sign on their own devices, the approval signed in the
// principal's own ui (the server holds no key: Ký duyệt); the class board
// prints as PDF; Nhật ký finds the lock, the exception, the decision and
// the approval. Each step asserts what the page shows; screenshots per step
// in build/browser-screenshots. Run by run.sh (CTest label `browser`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { BIN, client, consoleLogin, downloadPdf, enroll, fillClass, pdfText, screenshot, server, sleep, tmpDir, withSchool } from './fixture.mjs';

const PASS = 'khoa-ky-so-2026\n';
const CLS = '6A';
const dirs = {};  // each teacher's client data directory
let teachers, homeroom, htUi;

const env = withSchool({
  browser: { ignoreHTTPSErrors: true },
  async prepare({ school, startUi }) {
    teachers = school.accounts.filter((a) => (a.classes || []).includes(CLS));
    assert.equal(teachers.length, 13, 'the thirteen subjects of 6A');
    homeroom = teachers.find((a) => a.homeroom === CLS);
    for (const a of teachers) {
      dirs[a.username] = tmpDir('client');
      enroll(school, dirs[a.username], a.username);
      await fillClass(dirs[a.username], CLS, 'HK1', a === homeroom ? [a.subjects[0], 'Chủ nhiệm'] : [a.subjects[0]]);
      client(['key', 'init', '--data', dirs[a.username], '--passphrase-stdin'], PASS);
    }
    dirs.phohieutruong = tmpDir('client');
    enroll(school, dirs.phohieutruong, 'phohieutruong');
    client(['key', 'init', '--data', dirs.phohieutruong, '--passphrase-stdin'], PASS);
    // The principal's own device (signing happens there, never on the server).
    dirs.hieutruong = tmpDir('client');
    enroll(school, dirs.hieutruong, 'hieutruong');
    htUi = await startUi(dirs.hieutruong);
  },
});

const teacherOf = (subject) => teachers.find((a) => a.subjects[0] === subject).username;
const sign = (who, step, subject) =>
  client(['sign', step, CLS, 'HK1', '--data', dirs[who], '--passphrase-stdin', ...(subject ? ['--subject', subject] : [])], PASS);
// A command that may be refused: its exit status and output.
const attempt = (args) => spawnSync(BIN.client, args, { encoding: 'utf8', timeout: 120_000 });

const message = (page, prefix) =>
  page.waitForFunction((p) => document.querySelector('#message')?.textContent.startsWith(p), prefix);
const noJunk = async (page) => assert.doesNotMatch(await page.textContent('main'), /\bnull\b|undefined|NaN/);

// The read-only grade book of 6A × subject on Tiến độ: {student: [cells…]}.
async function gradebook(page, subject) {
  await page.click('nav a[data-page="progress"]');
  await page.waitForSelector('#progress-table');
  await page.click(`#progress-table tr:has(td:text-is("${CLS}")) a:text-is("${subject}")`);
  await page.waitForFunction((s) => document.querySelector('#gradebook h2')?.textContent.includes(`môn ${s} lớp`), subject);
  const head = await page.$$eval('#gradebook thead th', (th) => th.map((x) => x.textContent));
  const rows = await page.$$eval('#gradebook tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
  return { head, row: (code) => rows.find((r) => r[0] === code) };
}

// Phê duyệt, fresh: the state of 6A's row.
async function approvalsRow(page, waiting) {
  await page.click('nav a[data-page="progress"]');
  await page.waitForSelector('#progress-table');
  await page.click('nav a[data-page="approvals"]');
  await page.waitForSelector(`#approvals-table tr[data-class="${CLS}"][data-waiting="${waiting}"]`);
  return page.textContent(`#approvals-table tr[data-class="${CLS}"]`);
}

// The audit rows of one kind for 6A (or all classes), as the page shows them.
async function auditRows(page, kind, cls = CLS) {
  await page.click('nav a[data-page="audit"]');
  await page.waitForSelector('#audit-form');
  await page.fill('#audit-class', cls);
  await page.selectOption('#audit-kind', kind);
  await page.click('#audit-search');
  await page.waitForFunction((k) => document.querySelector(`#audit-table tr[data-kind="${k}"]`) || document.querySelector('#audit-empty'), kind);
  return page.$$eval(`#audit-table tbody tr[data-kind="${kind}"]`, (trs) => trs.map((tr) => tr.textContent));
}

test('the principal runs a whole term from the console: progress, lock, exception, correction, approval, print, audit',
  { timeout: 600_000 }, async () => {
    const { school, browser, page } = env;
    const toan = teacherOf('Toán'), van = teacherOf('Ngữ văn');

    // 1. Tiến độ: every HK1 book of 6A is complete.
    await consoleLogin(env, 'hieutruong');
    await page.waitForSelector('#progress-table');
    const rows = await page.$$eval('#progress-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
    const six = rows.filter((r) => r[0] === CLS);
    assert.ok(six.length >= 12, `6A's subjects on Tiến độ: ${six.length}`);
    for (const r of six) {
      const [filled, required] = r[3].split('/').map(Number);
      assert.ok(required > 0 && filled === required, `6A ${r[1]} complete: ${r[3]}`);
    }
    assert.ok(rows.some((r) => r[0] === '6B' && !/^(\d+)\/\1$/.test(r[3])), '6B is not complete: the page tells them apart');
    let book = await gradebook(page, 'Toán');
    const tx1 = book.head.indexOf('TX1');
    assert.equal(book.row('HS6A01')[tx1], '8');
    await noJunk(page);
    await screenshot(page, 'term-1-progress');

    // 2. Khóa sổ: 6A's HK1 is locked from now on.
    await page.click('nav a[data-page="locks"]');
    await page.waitForSelector('#lock-form');
    await page.selectOption('#lock-term', 'HK1');
    await page.fill('#lock-class', CLS);
    await page.fill('#lock-reason', 'Chốt điểm học kì I lớp 6A');
    await page.click('#lock-form button[type="submit"]');
    await message(page, 'Đã');
    await page.waitForSelector('#locks-table');
    assert.match(await page.textContent('#locks-table tbody tr'), /Lớp 6A.*Chốt điểm học kì I lớp 6A \(hieutruong\)/s);
    await noJunk(page);
    await screenshot(page, 'term-2-lock');
    await sleep(1500);  // the teacher's mark below is typed strictly after the lock began

    // 3. A late mark by the Toán teacher is refused; they ask for a correction instead.
    attempt(['set', '--data', dirs[toan], CLS, 'Toán', 'HS6A01', 'HK1.TX1', '9']);
    attempt(['sync', '--data', dirs[toan]]);
    book = await gradebook(page, 'Toán');
    assert.equal(book.row('HS6A01')[tx1], '8', 'the late mark did not reach the book');
    client(['correction', 'request', '--data', dirs[toan], CLS, 'Toán', 'HS6A01', 'HK1.TX1', '9', '--reason', 'Cộng sót điểm câu 3']);
    client(['sync', '--data', dirs[toan]]);

    // 4. An exception: the Ngữ văn teacher may still change HK1.GK until tomorrow evening.
    const tomorrow = new Date(Date.now() + 7 * 3600_000 + 86_400_000).toISOString();  // Vietnam time
    const until = `${tomorrow.slice(8, 10)}/${tomorrow.slice(5, 7)}/${tomorrow.slice(0, 4)} 17:00`;
    await page.click('nav a[data-page="locks"]');
    await page.waitForSelector('#exception-form');
    await page.fill('#exc-user', van);
    await page.fill('#exc-class', CLS);
    await page.fill('#exc-subject', 'Ngữ văn');
    await page.fill('#exc-column', 'HK1.GK');
    await page.fill('#exc-until', until);
    await page.fill('#exc-reason', 'Phúc khảo bài giữa kì');
    await page.click('#exception-form button[type="submit"]');
    await message(page, 'Đã mở ngoại lệ');
    await page.waitForSelector('#exceptions-table');
    const excRow = await page.textContent('#exceptions-table tbody tr');
    assert.ok(excRow.includes(`${van} · Lớp 6A · Ngữ văn · cột HK1.GK`), excRow);
    assert.ok(excRow.includes(until), excRow);
    await screenshot(page, 'term-4-exception');
    client(['set', '--data', dirs[van], CLS, 'Ngữ văn', 'HS6A02', 'HK1.GK', '9']);
    client(['sync', '--data', dirs[van]]);
    book = await gradebook(page, 'Ngữ văn');
    assert.equal(book.row('HS6A02')[book.head.indexOf('GK')], '9', 'the exception let the change in');

    // 5. The correction queue: 8 → 9 with its reason, approved with a comment.
    await page.click('nav a[data-page="corrections"]');
    await page.waitForSelector('.correction');
    const corr = await page.textContent('.correction');
    assert.match(corr, /HS6A01.*HK1\.TX1/s);
    assert.match(corr, /8\s*→\s*9/);
    assert.match(corr, /Cộng sót điểm câu 3/);
    assert.ok(corr.includes(toan));
    await screenshot(page, 'term-5-correction');
    await page.fill('.correction .decide input', 'Đồng ý, đã xem lại bài');
    await page.click('.correction button[data-action="approve"]');
    await message(page, 'Đã duyệt');
    await page.waitForSelector('#corrections-empty');
    book = await gradebook(page, 'Toán');
    assert.equal(book.row('HS6A01')[tx1], '9', 'the approved value is in the book');
    await screenshot(page, 'term-5-approved');

    // 6. Phê duyệt: the chain of 6A, step by step, as each signer signs on their own device.
    for (const a of teachers) client(['sync', '--data', dirs[a.username]]);  // the correction reaches every copy
    assert.match(await approvalsRow(page, 'subject'), /0\/13 môn/);
    await screenshot(page, 'term-6-chain-start');
    for (const a of teachers) sign(a.username, 'subject', a.subjects[0]);
    assert.match(await approvalsRow(page, 'class'), /13\/13 môn/);
    sign(homeroom.username, 'class');
    assert.match(await approvalsRow(page, 'review'), new RegExp(`Đã ký: ${homeroom.username.replace(/\./g, '\\.')}`));
    sign('phohieutruong', 'review');
    assert.match(await approvalsRow(page, 'approve'), /Đã ký: phohieutruong/);
    await page.click(`#approvals-table tr[data-class="${CLS}"] button[data-action="board"]`);
    await page.waitForSelector(`#board-card[data-class="${CLS}"][data-step="approve"]`);
    const digest = (await page.textContent('#board-digest')).trim();
    assert.match(digest, /^[0-9a-f]{64}$/);
    assert.equal(await page.$('#board-card .missing'), null, 'the board is complete');
    const boardToan = await page.textContent('#board-card table.board tr[data-student="HS6A01"] td[data-column="Toán"]');
    assert.equal(boardToan, book.row('HS6A01').at(-1), "the board signs the book's term result, after the correction");
    assert.notEqual(boardToan, '8,0', 'the approved 9 counts in the term result');
    await noJunk(page);
    await screenshot(page, 'term-6-board');

    // The principal signs the approval in their own ui (Ký duyệt): the same digest.
    const uiPage = await browser.context.newPage();
    uiPage.on('pageerror', (e) => browser.problems.push(`ui script error: ${e.message}`));
    await uiPage.goto(htUi.url);
    // First brought up to date (the sign page says so when its digest differs).
    const synced = async () => (await uiPage.evaluate(async () => (await fetch('/api/status')).json())).last_sync;
    const before = await synced();
    await uiPage.waitForSelector('#sync-now:not([disabled])');
    await uiPage.click('#sync-now');
    await uiPage.waitForFunction(async (b) => {
      const s = await (await fetch('/api/status')).json();
      return !s.syncing && s.last_sync && s.last_sync !== b;
    }, before, { timeout: 60_000 });
    await uiPage.click('#nav a[data-screen="sign"]');
    await uiPage.waitForSelector('main[data-ready="sign"]');
    await uiPage.selectOption('select[name="step"]', 'approve');
    await uiPage.waitForFunction(() => /Phê duyệt.*lớp 6A/.test(document.querySelector('main[data-ready="sign"] h1')?.textContent || ''));
    assert.equal((await uiPage.textContent('#sign-digest')).trim(), digest, 'the ui signs what the console showed');
    await uiPage.fill('input[name="passphrase"]', 'khoa-hieu-truong');
    await uiPage.fill('input[name="passphrase2"]', 'khoa-hieu-truong');
    await uiPage.click('button[data-action="sign"]');
    await uiPage.waitForSelector('.sign-form .form-msg.ok', { timeout: 90_000 });
    await uiPage.close();

    await page.bringToFront();
    assert.match(await approvalsRow(page, ''), /Đã phê duyệt/);
    await page.click(`#approvals-table tr[data-class="${CLS}"] button[data-action="board"]`);
    await page.waitForSelector('#board-card[data-approved="true"]');
    assert.equal((await page.textContent('#board-digest')).trim(), digest);
    await screenshot(page, 'term-6-approved');
    const exported = path.join(tmpDir('export'), '6A-HK1.json');
    server(['export', 'signed', '--data', school.dir, '--class', CLS, '--term', 'HK1', exported]);
    assert.match(server(['verify', exported]), /16 chữ ký hợp lệ/);

    // 7. The approved board as PDF from Phê duyệt: the very file `sodiem-server print board` makes,
    // with the principal's signature over the digest shown.
    const pdf = await downloadPdf(page, '#print-approval-board');
    assert.equal(pdf.name, 'bang-tong-hop-6A-HK1.pdf');
    const cliPdf = path.join(tmpDir('print'), 'cli.pdf');
    server(['print', 'board', '--data', school.dir, '--class', CLS, '--term', 'HK1', cliPdf]);
    assert.equal(pdf.text, pdfText(cliPdf), 'the console prints what the CLI prints');
    assert.match(pdf.text, /Lớp 6A — Học kì I/);
    assert.ok(pdf.text.includes(`SHA-256 ${digest.slice(0, 16)}`), 'the signed digest is on the paper');
    assert.match(await page.textContent('#message'), /Đã tải về bang-tong-hop-6A-HK1\.pdf/);
    await screenshot(page, 'term-7-printed');

    // 8. Nhật ký: each of the principal's acts of the term, and the chain intact.
    const locks = await auditRows(page, 'lock_set');
    assert.equal(locks.length, 1);
    assert.match(locks[0], /hieutruong.*Chốt điểm học kì I lớp 6A/s);
    const exceptions = await auditRows(page, 'exception_added');
    assert.equal(exceptions.length, 1);
    assert.ok(exceptions[0].includes('hieutruong') && exceptions[0].includes(van), exceptions[0]);
    const decisions = await auditRows(page, 'correction_approved');
    assert.equal(decisions.length, 1);
    assert.match(decisions[0], /hieutruong.*8 → 9/s);
    const signatures = await auditRows(page, 'confirmation');
    assert.ok(signatures.some((r) => r.includes('hieutruong') && /approve|phê duyệt/i.test(r)),
      `the principal's approval in the trail: ${signatures.filter((r) => r.includes('hieutruong'))}`);
    await page.waitForFunction(() => document.querySelector('.verdict')?.dataset.intact === 'true');
    await noJunk(page);
    await screenshot(page, 'term-8-audit');
    assert.deepEqual(browser.problems, []);
  });

