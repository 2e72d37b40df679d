// Cuối năm in a real browser (issue 16, year end): on the demo school, 6A's
// teachers fill both terms through their own `sodiem ui` (the fixture's
// fillClass), the maths teacher gives HS6A01 2 in every Toán cell with
// `sodiem set`, and so does the literature teacher in Ngữ văn (two subjects:
// TT22's one-subject adjustment does not lift the result). As hieutruong, in the console only: Cuối năm names the
// cells that still keep 6B's year board from being signed, 6A's re-test
// list holds HS6A01 in Toán, 6A's students show their outcomes (provisional:
// not yet approved), the school's lists are empty (no class approved), the
// same lists as `sodiem-server outcomes --json`; the page prints (print
// media hides the navigation). Khóa sổ sets HK2's entry window. A teacher's console has no Cuối năm. No CSP
// violation or script error. Screenshots in build/browser-screenshots.
// Run by run.sh (CTest label `browser`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { client, consoleLogin, enroll, fillClass, screenshot, server, tmpDir, withSchool } from './fixture.mjs';

const CLS = '6A';

const env = withSchool({
  browser: { ignoreHTTPSErrors: true },
  async prepare({ school }) {
    const teachers = school.accounts.filter((a) => (a.classes || []).includes(CLS));
    assert.equal(teachers.length, 13, 'the thirteen subjects of 6A');
    const homeroom = teachers.find((a) => a.homeroom === CLS);
    for (const a of teachers) {
      const dir = tmpDir('client');
      enroll(school, dir, a.username);
      for (const term of ['HK1', 'HK2']) {
        // HS6A01's Toán and Ngữ văn cells of the term, as `sodiem board` names them before they are filled.
        const low = JSON.parse(client(['board', '--data', dir, CLS, term, '--json'])).missing
          .filter((m) => ['Toán', 'Ngữ văn'].includes(a.subjects[0]) && m.subject === a.subjects[0] && m.student === 'HS6A01' && m.column.startsWith(term));
        await fillClass(dir, CLS, term, a === homeroom ? [a.subjects[0], 'Chủ nhiệm'] : [a.subjects[0]]);
        for (const m of low) client(['set', '--data', dir, CLS, m.subject, 'HS6A01', m.column, '2']);
        if (low.length) client(['sync', '--data', dir]);
      }
    }
  },
});

test('the principal reads the year-end lists and the cells that block signing in the console, and prints them',
  { timeout: 600_000 }, async () => {
    const { school, browser } = env;
    const { page } = browser;
    await consoleLogin(env, 'hieutruong');
    await page.waitForSelector('nav a[data-page="yearend"]:not([hidden])');
    await page.click('nav a[data-page="yearend"]');
    await page.waitForSelector('#school-lists');

    // The cells that keep boards from being signed: 6A is complete, 6B is not.
    await page.waitForSelector('#missing-list');
    assert.equal(await page.$('#missing-list .missing[data-class="6A"]'), null, "6A's year board is complete");
    const b6 = await page.textContent('#missing-list .missing[data-class="6B"]');
    assert.match(b6, /Lớp 6B: còn \d+ ô/);
    assert.match(b6, /HK1\.TX1|HK1\.GK|HK1\.RL/);

    // The re-test list: HS6A01 in Toán and Ngữ văn, year average 2,0, not yet re-tested.
    const retest = await page.$$eval('#retest-list tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
    assert.equal(retest.length, 2);
    assert.deepEqual(retest.map((r) => r[4]).sort(), ['Ngữ văn', 'Toán']);
    for (const r of retest) assert.deepEqual([r[1], r[2], r[5], r[6]], ['6A', 'HS6A01', '2,0', 'Chưa kiểm tra lại']);

    // 6A: provisional (not approved), one Kiểm tra lại, the rest Lên lớp.
    const c6a = '.year-class[data-class="6A"]';
    assert.equal(await page.getAttribute(c6a, 'data-approved'), 'false');
    assert.match(await page.textContent(c6a), /Chưa phê duyệt kết quả cả năm: kết quả dưới đây là tạm tính/);
    assert.match(await page.textContent(`${c6a} tr[data-student="HS6A01"]`), /Kiểm tra lại/);
    const listed = await page.$$eval(`${c6a} .year-list[data-list="Kiểm tra lại"] tbody tr`, (r) => r.map((x) => x.dataset.student));
    assert.deepEqual(listed, ['HS6A01']);
    const cli = JSON.parse(server(['outcomes', '--data', school.dir, '--class', CLS, '--json']));
    const promoted = cli.classes[0].lists.outcome['Lên lớp'].map((p) => p.student);
    assert.ok(promoted.length > 30);
    const shown = await page.$$eval(`${c6a} .year-list[data-list="Lên lớp"][data-group="outcome"] tbody tr`, (r) => r.map((x) => x.dataset.student));
    assert.deepEqual(shown, promoted, "the page's list is the CLI's");
    // No class approved yet: the school's lists are empty.
    assert.match(await page.textContent('#school-lists'), /Chưa có học sinh nào/);
    assert.doesNotMatch(await page.textContent('main'), /\bnull\b|undefined|NaN/);
    await screenshot(page, 'console-yearend');

    // One class, then printed: the navigation and buttons are not on paper.
    await page.selectOption('#yearend-class', CLS);
    await page.waitForFunction(() => document.querySelector('h1')?.textContent.includes('lớp 6A'));
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.isVisible('#top'), false);
    assert.equal(await page.isVisible('#yearend-print'), false);
    assert.equal(await page.isVisible('#retest-list'), true);
    await screenshot(page, 'console-yearend-print');
    const pdf = await page.pdf({ format: 'A4' });
    assert.ok(pdf.length > 10_000);
    await page.emulateMedia({ media: 'screen' });

    // Khóa sổ: the terms' entry windows, HK2's set from the page (as `sodiem-server term set`).
    await page.click('nav a[data-page="locks"]');
    await page.waitForSelector('#terms-table tr[data-term="HK2"]');
    await page.selectOption('#window-term', 'HK2');
    await page.fill('#window-opens', '05/01/2027');
    await page.fill('#window-closes', '31/05/2027');
    await page.click('#window-form button[type="submit"]');
    await page.waitForFunction(() => document.querySelector('#terms-table tr[data-term="HK2"] td[data-field="closes"]')?.textContent === '31/05/2027');
    assert.equal(await page.textContent('#terms-table tr[data-term="HK2"] td[data-field="opens"]'), '05/01/2027');
    assert.match(await page.textContent('#message'), /Đã đặt thời gian nhập điểm HK2/);
    await screenshot(page, 'console-entry-windows');

    // A teacher's console has no Cuối năm, and the server refuses its data.
    await consoleLogin(env, 'gv.toan.2');
    assert.equal(await page.isVisible('nav a[data-page="yearend"]'), false);
    const status = await page.evaluate(async () => (await fetch('/api/yearend', { credentials: 'same-origin' })).status);
    assert.equal(status, 403);
    assert.deepEqual(browser.problems, []);
  });
