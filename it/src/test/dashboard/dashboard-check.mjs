// Drives Debian's headless chromium (through playwright-core, no browser download) against a running
// flashcopy dashboard for DashboardIT. Protocol with the JUnit side, one line each on stdout/stdin:
//   checks the page asks for the token when the link lacks it; prints READY once the page is live; waits for GO (the test has run `flashcopy mkflash src:tgt`);
//   then watches src:tgt appear and its copy progress move, establishes src:snap through the page's
//   form, withdraws it through the page with the confirmation dialog, and prints RESULT {json}.
// Screenshots go to $SHOTS_DIR. Any failure prints FAILED <reason> and exits 1.
import { chromium } from 'playwright-core';
import { createInterface } from 'node:readline';

const url = process.env.DASHBOARD_URL;
const shots = process.env.SHOTS_DIR;
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const say = (s) => process.stdout.write(s + '\n');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const browser = await chromium.launch({ executablePath: browserPath, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
const result = { pageErrors: [], progress: [], maxIops: 0, maxChanged: 0 };
try {
  // Without the token in the link the page asks for it once, then works.
  const [base, token] = url.split('#token=');
  const asking = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  await asking.goto(base);
  await asking.waitForSelector('#token-dialog[open]', { timeout: 20000 });
  await asking.screenshot({ path: shots + '/00-token-dialog.png' });
  await asking.fill('#token-input', token);
  await asking.click('#token-form button[type=submit]');
  await asking.waitForSelector('#status-dot.ok', { timeout: 20000 });
  result.tokenDialogWorked = true;
  await asking.close();

  const page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
  page.on('pageerror', (e) => result.pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') result.pageErrors.push(m.text()); });

  await page.goto(url);
  await page.waitForSelector('#status-dot.ok', { timeout: 20000 });
  result.addressBarAfterLoad = page.url();
  result.volumesListed = await page.$$eval('#volumes tr', (rows) => rows.map((r) => r.dataset.volume));
  await page.screenshot({ path: shots + '/01-loaded.png', fullPage: true });
  say('READY');
  const go = await lines.next();
  if (go.value !== 'GO') throw new Error('expected GO on stdin, got ' + go.value);

  const card = '[data-pair="src:tgt"]';
  await page.waitForSelector(card, { timeout: 20000 });
  const started = Date.now();
  while (Date.now() - started < 90000) {
    const copied = Number(await page.getAttribute(card, 'data-copied'));
    if (result.progress.length === 0 || copied !== result.progress[result.progress.length - 1]) {
      result.progress.push(copied);
    }
    result.maxIops = Math.max(result.maxIops, Number(await page.textContent('#t-iops')) || 0);
    result.maxChanged = Math.max(result.maxChanged, Number(await page.getAttribute(card, 'data-changed')));
    if (result.progress.length === 3) await page.screenshot({ path: shots + '/02-copying.png', fullPage: true });
    const enough = result.progress.length >= 5 || copied >= 100;
    if (enough && (result.maxIops > 0 || Date.now() - started > 30000)) break;
    await sleep(400);
  }
  result.rateText = await page.$eval(card + ' .rel-stats', (e) => e.textContent);
  result.graphNodes = await page.$$eval('#graph .node', (ns) => ns.map((n) => n.dataset.volume).sort());
  result.graphEdges = await page.$$eval('#graph path.edge', (es) => es.length);
  await page.locator(card).screenshot({ path: shots + '/03-relationship-card.png' });

  // mkflash through the page's own form.
  await page.click('#new-flash');
  await page.selectOption('#mk-source', 'src');
  await page.fill('#mk-target', 'snap');
  await page.check('input[name=mk-mode][value=nocopy]');
  await page.screenshot({ path: shots + '/04-mkflash-form.png' });
  await page.click('#mkflash-form button[value=ok]');
  await page.waitForSelector('[data-pair="src:snap"]', { timeout: 20000 });
  result.snapState = await page.getAttribute('[data-pair="src:snap"]', 'data-state');
  await sleep(1200); // one more poll, so the graph shows both targets
  await page.screenshot({ path: shots + '/05-two-targets.png', fullPage: true });

  // rmflash through the page: the confirmation dialog first, then the card goes.
  await page.click('[data-pair="src:snap"] button:has-text("Withdraw")');
  await page.waitForSelector('#confirm-dialog[open]');
  result.confirmText = await page.textContent('#confirm-text');
  await page.screenshot({ path: shots + '/06-confirm-withdraw.png' });
  await page.click('#confirm-ok');
  await page.waitForSelector('[data-pair="src:snap"]', { state: 'detached', timeout: 20000 });
  result.snapWithdrawn = true;
  say('RESULT ' + JSON.stringify(result));
} catch (e) {
  say('FAILED ' + String(e).split('\n')[0] + ' ' + JSON.stringify(result));
  process.exitCode = 1;
} finally {
  await browser.close();
}
process.exit();
