// "Xác nhận và ký" in a real browser: refused (button disabled, the missing
// cells listed) while the term is incomplete; after a whole term is pasted
// and synced, the page shows exactly what will be signed, and the teacher
// creates a key (passphrase twice) and signs. Run by run.sh (CTest label
// `browser`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellSel, enroll, paste, screenshot, students, tmpDir, waitColumn, withSchool } from './fixture.mjs';

let ui;
const env = withSchool({ browser: true });

test('signing is refused while cells are missing, then shows what is signed and signs', { timeout: 300_000 }, async () => {
  const { school, browser, page } = env;
  const dataDir = tmpDir('client');
  enroll(school, dataDir, 'gv.toan.1');
  ui = await env.startUi(dataDir);

  await page.goto(ui.link({ view: 'sign', class: '6A', subject: 'Toán', term: 'HK1' }));
  await page.waitForSelector('main[data-ready="sign"]');
  assert.ok(await page.isDisabled('button[data-action="sign"]'), 'nothing to sign yet');
  assert.match(await page.textContent('.missing'), /chưa có điểm/);

  // A whole term pasted as one block.
  await page.goto(`${ui.origin}/?class=6A&subject=${encodeURIComponent('Toán')}`);
  await page.waitForSelector('main[data-ready="grid"]');
  const codes = await students(page);
  const cols = (await page.$$eval('tbody tr:first-child td[data-column^="HK1."]', (tds) => tds.map((td) => td.dataset.column)))
    .filter((c) => !c.endsWith('.NX'));
  await page.click(cellSel(codes[0], cols[0]));
  await paste(page, codes.map((_, i) => cols.map((__, j) => String(5 + ((i + j) % 6))).join('\t')).join('\r\n'));
  for (const c of cols) await waitColumn(page, codes, c, 'synced', 90_000);

  await page.goto(`${ui.origin}/?view=sign&class=6A&subject=${encodeURIComponent('Toán')}&term=HK1`);
  await page.waitForSelector('main[data-ready="sign"]');
  assert.equal(await page.$('.missing'), null);
  const rows = await page.$$eval('table.board tbody tr', (trs) => trs.length);
  assert.equal(rows, codes.length, 'every student is in what is signed');
  const first = await page.textContent(`table.board tr[data-student="${codes[0]}"] td.result`);
  assert.match(first, /^\d+,\d$/, `a term result per student: ${first}`);
  assert.ok(!(await page.isDisabled('button[data-action="sign"]')));
  await screenshot(page, 'sign');

  // No key on this device yet: the passphrase twice, then sign.
  await page.fill('input[name="passphrase"]', 'khoa-ky-so-2026');
  await page.fill('input[name="passphrase2"]', 'khac');
  await page.click('button[data-action="sign"]');
  await page.waitForSelector('.sign-form .form-msg.error');
  await page.fill('input[name="passphrase2"]', 'khoa-ky-so-2026');
  await page.click('button[data-action="sign"]');
  await page.waitForSelector('.sign-form .form-msg.ok', { timeout: 90_000 });
  const done = await page.textContent('.sign-form .form-msg');
  assert.match(done, /[0-9a-f]{16,}/, `the digest of what was signed: ${done}`);
  assert.deepEqual(browser.problems, []);
});
