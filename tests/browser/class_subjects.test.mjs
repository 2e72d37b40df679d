// Môn lựa chọn on the school's web console in a real browser: a THPT school
// set up as an administrator does it (plain init, setup --level thpt,
// imports); a teacher has already entered a Hóa học mark in 10A1. The
// principal, at her first login, opens the page, sees both classes without
// a choice, and by keyboard alone picks 10A1's electives and study topics:
// a choice without Hóa học is refused in place, naming the mark, and
// nothing changes (the server's own CLI, `class subjects`, says so); the
// choice with it is recorded and shown, and the CLI shows it too. No CSP
// violation or script error. Screenshots in build/browser-screenshots; run
// by run.sh (CTest label `browser`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { School, consoleLogin, recordMarks, screenshot, server, withSchool } from './fixture.mjs';

const env = withSchool({
  school: {
    level: 'thpt', name: 'Trường THPT Chu Văn An',
    students: 'Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n'
      + 'HS1001,Nguyễn Văn An,05/09/2010,Nam,10A1\nHS1002,Trần Thị Bình,12/03/2010,Nữ,10A1\nHS1003,Lê Minh Châu,01/01/2010,Nữ,10A2\n',
    staff: 'Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n'
      + `gv.mot,Giáo viên Một,GVBM;GVCN,,10A1,"${School.subjectsOf('thpt', 10).map((s) => `10A1:${s}`).join(';')}"\n`
      + 'hieu.truong,Vũ Thị Hiệu,HT,,,\n',
  },
  // Entry of HK1 open now, and a Hóa học mark of 10A1 on the server.
  beforeStart({ school }) {
    const day = (d) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
    server(['term', 'set', '--data', school.dir, '--term', 'HK1', '--entry-opens', day(-3), '--entry-closes', day(60), '--maintenance']);
  },
  prepare({ school }) {
    recordMarks(school, 'gv.mot', [['10A1', 'Hóa học', 'HS1001', 'HK1.TX1', '7']]);
  },
  browser: { ignoreHTTPSErrors: true },
});

const cli = () => server(['class', 'subjects', '--data', env.school.dir, '10A1']);

// Ticks exactly `names` among the form's checkboxes of `group`, by keyboard (focus, Space).
async function tick(group, names) {
  const { page } = env;
  for (const box of await page.$$(`#subjects-form input[name="${group}"]`)) {
    const [value, checked] = await box.evaluate((b) => [b.value, b.checked]);
    if (names.includes(value) === checked) continue;
    await box.focus();
    await page.keyboard.press('Space');
  }
}

test('Môn lựa chọn: the principal chooses 10A1\'s electives and topics by keyboard, a choice dropping a mark refused', { timeout: 180_000 }, async () => {
  const { browser, page } = env;
  await consoleLogin(env, 'hieu.truong');
  await page.click('nav a[data-page="subjects"]');
  await page.waitForSelector('#subjects-table');
  const rows = await page.$$eval('#subjects-table tbody tr', (trs) => trs.map((tr) => `${tr.dataset.class} ${tr.dataset.chosen}`));
  assert.deepEqual(rows, ['10A1 no', '10A2 no']);
  assert.match(await page.textContent('#subjects-table tr[data-class="10A1"]'), /Chưa chọn: lớp học mọi môn của khối/);

  // Open 10A1's form from the keyboard: its first checkbox gets the focus.
  await page.focus('#subjects-table tr[data-class="10A1"] button[data-action="edit"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#subjects-form[data-class="10A1"]');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'electives');
  assert.equal(await page.$$eval('#subjects-form input[name="electives"]', (b) => b.length), 9);

  // Without Hóa học: refused in place, naming the mark; nothing changes.
  const before = cli();
  await tick('electives', ['Địa lí', 'Vật lí', 'Sinh học', 'Tin học']);
  await tick('topics', ['Toán', 'Vật lí', 'Địa lí']);
  await page.focus('#subjects-save');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#subjects-error')?.textContent.length > 0);
  const refusal = await page.textContent('#subjects-error');
  assert.match(refusal, /lớp 10A1, môn Hóa học: đã có điểm, không thể bỏ môn này khỏi lớp/);
  assert.match(refusal, /^Không thay đổi gì/);
  await screenshot(page, 'console-subjects-refused');
  assert.equal(cli(), before);
  assert.match(before, /Địa lí.*Âm nhạc.*Mĩ thuật/, 'every subject of the grade');

  // With Hóa học: recorded, shown in the table, and as the CLI has it.
  await tick('electives', ['Vật lí', 'Hóa học', 'Sinh học', 'Tin học']);
  await tick('topics', ['Toán', 'Vật lí', 'Hóa học']);
  await page.focus('#subjects-save');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#message')?.textContent === 'Đã ghi lựa chọn của lớp 10A1');
  await page.waitForSelector('#subjects-table tr[data-class="10A1"][data-chosen="yes"]');
  assert.equal(await page.$('#subjects-form'), null);
  assert.equal(await page.textContent('#subjects-table tr[data-class="10A1"] td.electives'), 'Vật lí, Hóa học, Sinh học, Tin học');
  assert.equal(await page.textContent('#subjects-table tr[data-class="10A1"] td.topics'), 'Toán, Vật lí, Hóa học');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.action), 'edit');
  assert.doesNotMatch(await page.textContent('main'), /\bnull\b|undefined|NaN/);
  await screenshot(page, 'console-subjects');
  const after = cli();
  assert.match(after, /Toán \(chuyên đề\)/);
  assert.match(after, /Vật lí \(chuyên đề\), Hóa học \(chuyên đề\), Sinh học, Tin học/);
  assert.doesNotMatch(after, /Địa lí|Âm nhạc/);
  assert.deepEqual(browser.problems, []);
});
