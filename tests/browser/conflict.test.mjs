// A conflict in a real browser: one teacher, two devices (the ui on the
// laptop, the command line at home) change the same cell while apart. The
// grid shows the cell as a conflict with both values and authors; choosing
// one (POST /api/resolve) syncs and the other device gets it. Run by run.sh
// (CTest label `browser`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellSel, client, enroll, screenshot, tmpDir, waitCell, withSchool } from './fixture.mjs';

let ui;
const env = withSchool({ browser: true });

const showCell = (dir, student, column) => {
  const shown = JSON.parse(client(['show', '--data', dir, '6A', 'Toán', '--json']));
  return shown.students.find((s) => s.code === student).cells[column] ?? '';
};

test('two devices of one teacher edit one cell: both values shown, one chosen', { timeout: 300_000 }, async () => {
  const { school, browser, page } = env;
  const laptop = tmpDir('laptop'), home = tmpDir('home');
  enroll(school, laptop, 'gv.toan.1', 'laptop');
  enroll(school, home, 'gv.toan.1', 'o-nha');
  const student = 'HS6A01', column = 'HK1.GK';

  ui = await env.startUi(laptop);
  await page.goto(ui.link({ class: '6A', subject: 'Toán' }));
  await page.waitForSelector('main[data-ready="grid"]');
  await page.waitForSelector('#online[data-online="yes"]', { timeout: 60_000 });

  // Apart: the server is down while both devices write the cell.
  await school.stop();
  await page.click(cellSel(student, column));
  await page.keyboard.type('9');
  await page.keyboard.press('Enter');
  await waitCell(page, student, column, { state: 'local', text: '9' });
  client(['set', '--data', home, '6A', 'Toán', student, column, '6']);

  // Together again: home syncs first, then the laptop's agent.
  await school.start();
  client(['sync', '--data', home]);
  await page.click('#sync-now');
  await waitCell(page, student, column, { state: 'conflict', timeout: 90_000 });

  await page.click(cellSel(student, column));
  await page.waitForSelector('.cellpop .choices');
  const values = await page.$$eval('.cellpop .choice .val', (els) => els.map((e) => e.textContent));
  const authors = await page.$$eval('.cellpop .choice .who', (els) => els.map((e) => e.textContent));
  assert.deepEqual([...values].sort(), ['6', '9'], `both values shown: ${values}`);
  assert.ok(authors.every((a) => a.length > 0), `both authors shown: ${authors}`);
  await screenshot(page, 'conflict');

  // Choose the home value (6): it becomes this device's edit, synced, and home sees it.
  const pick = values.indexOf('6');
  await page.locator('.cellpop .choice button').nth(pick).click();
  await waitCell(page, student, column, { text: '6' });
  await page.click('#sync-now');
  await waitCell(page, student, column, { state: 'synced', text: '6', timeout: 60_000 });
  client(['sync', '--data', home]);
  assert.equal(showCell(home, student, column), '6');
  const inbox = await page.evaluate(async () => (await fetch('/api/inbox')).json());
  assert.equal(inbox.conflicts.length, 0, 'nothing left to resolve');
  assert.deepEqual(browser.problems, []);
});
