// The browser test of the exported forms: every form listed in schemas/gorgias/index.json is
// rendered with react-jsonschema-form in headless Chromium (Debian's /usr/bin/chromium, driven
// by playwright-core), and the config form is filled in and submitted.
//
//   node browser-test/run.mjs        (after `npm ci` in browser-test/)
//
// Serves browser-test/ and schemas/ on 127.0.0.1 (a random port), bundles src/main.jsx first,
// prints one line per check and a closing `browser: N passed, M failed`; exits 1 on a failure.
// Saves screenshots/config-form.png (the README shows it) and screenshots/config-form-errors.png.
// Environment: CHROMIUM (default /usr/bin/chromium), SCHEMAS_DIR (default ../schemas),
// SCREENSHOT_ALL=1 (also saves screenshots/forms/<action>.png, not committed).
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from './build.mjs';

const started = Date.now();
const here = dirname(fileURLToPath(import.meta.url));
const schemasDir = resolve(process.env.SCHEMAS_DIR || join(here, '..', 'schemas'));
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const screenshots = join(here, 'screenshots');
const TIMEOUT = 15_000;

// ---------------------------------------------------------------- static server (loopback only)
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
};

function within(root, urlPath) {
  const file = normalize(join(root, decodeURIComponent(urlPath)));
  return file === root || file.startsWith(root + sep) ? file : null;
}

const server = createServer(async (req, res) => {
  const { pathname } = new URL(req.url, 'http://127.0.0.1');
  let file = null;
  if (pathname.startsWith('/schemas/')) file = within(schemasDir, pathname.slice('/schemas/'.length));
  else if (!pathname.startsWith('/node_modules/')) file = within(here, pathname === '/' ? 'index.html' : pathname.slice(1));
  try {
    if (!file || !(await stat(file)).isFile()) throw new Error('not found');
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(`not found: ${pathname}`);
  }
});

// ---------------------------------------------------------------- checks
const results = [];
async function check(name, fn) {
  const t = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok    ${name} (${Date.now() - t} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL  ${name} (${Date.now() - t} ms)\n      ${String(e && e.message ? e.message : e).split('\n').join('\n      ')}`);
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** Opens `?form=name` in a new page; collects console errors and page errors from the start. */
async function openForm(context, base, name) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  await page.goto(`${base}/index.html?form=${encodeURIComponent(name)}`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.formTest && (window.formTest.ready || window.formTest.problems.length > 0), null, { timeout: TIMEOUT });
  await page.waitForSelector('form.rjsf', { timeout: TIMEOUT }).catch(() => {});
  const pageProblems = await page.evaluate(() => window.formTest.problems);
  problems.push(...pageProblems);
  return { page, problems };
}

/** Submits and waits until the page recorded a submit or validation errors. */
async function submit(page) {
  const before = await page.evaluate(() => window.formTest.submits.length);
  await page.evaluate(() => {
    window.formTest.errors = null;
  });
  await page.click('form.rjsf button[type=submit]');
  await page.waitForFunction(
    (n) => window.formTest.submits.length > n || Array.isArray(window.formTest.errors),
    before,
    { timeout: TIMEOUT },
  );
  return page.evaluate((n) => ({
    submitted: window.formTest.submits.length > n ? window.formTest.submits[window.formTest.submits.length - 1] : null,
    errors: window.formTest.errors || [],
  }), before);
}

/** Visible error texts: the error list at the top and the messages under fields. */
async function shownErrors(page) {
  return page.$$eval('.errors li, .error-detail li', (els) => els.map((e) => e.textContent.trim()).filter(Boolean));
}

const RAW = /must match pattern|must have required property|\^|\$\/|#\/|must NOT|must be equal to/;

function expectNoProblems(problems) {
  assert(problems.length === 0, problems.join('\n'));
}

// ---------------------------------------------------------------- main
async function main() {
  mkdirSync(screenshots, { recursive: true });
  await build();
  const index = JSON.parse(await readFile(join(schemasDir, 'gorgias', 'index.json'), 'utf8'));
  const forms = index.forms;
  if (!Array.isArray(forms) || forms.length === 0) throw new Error('index.json lists no forms');

  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${server.address().port}`;
  const userDataDir = mkdtempSync(join(tmpdir(), 'forms-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 820, height: 900 },
  });
  try {
    console.log(`serving ${here} and ${schemasDir} at ${base}; chromium ${context.browser()?.version() ?? ''} at ${executablePath}`);
    await checkConfig(context, base);
    for (const form of forms.filter((f) => f.name !== 'config')) {
      await checkActionForm(context, base, form);
    }
  } finally {
    await context.close().catch(() => {});
    server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

async function checkRendered(context, base, form) {
  const { page, problems } = await openForm(context, base, form.name);
  const schema = JSON.parse(await readFile(join(schemasDir, 'gorgias', form.schema), 'utf8'));
  const ui = JSON.parse(await readFile(join(schemasDir, 'gorgias', form.ui), 'utf8'));
  assert((await page.$('form.rjsf')) !== null, 'no <form class="rjsf"> on the page');
  // Every top-level field of the schema is on the page (an element whose id starts root_<name>).
  const missing = [];
  for (const name of Object.keys(schema.properties || {})) {
    const found = await page.$(`[id="root_${name}"], [id^="root_${name}_"], [id^="root_${name}__"]`);
    if (!found) missing.push(name);
  }
  assert(missing.length === 0, `fields not rendered: ${missing.join(', ')}`);
  expectNoProblems(problems);
  return { page, problems, schema, ui };
}

async function checkConfig(context, base) {
  const form = { name: 'config', schema: 'config.schema.json', ui: 'ui/config.ui.json' };
  let opened;
  await check('config: renders without errors', async () => {
    opened = await checkRendered(context, base, form);
  });
  if (!opened) return;
  const { page, problems } = opened;

  await check('config: form hints from the schema (placeholder, password widget, hidden fields, help)', async () => {
    assert((await page.getAttribute('#root_subdomain', 'placeholder')) === 'acme', 'subdomain has no placeholder "acme"');
    assert((await page.getAttribute('#root_page_size', 'placeholder')) === '100', 'page size does not show its default 100');
    assert((await page.getAttribute('#root_auth_api_key', 'type')) === 'password', 'API key is not a password input');
    assert((await page.getAttribute('#root_auth_type', 'type')) === 'hidden', 'auth.type (the discriminator) is not hidden');
    assert((await page.getAttribute('#root_base_url', 'type')) === 'hidden', 'base_url (testing only) is not hidden');
    const text = await page.textContent('form.rjsf');
    for (const words of ['Subdomain', 'Authentication', 'API key (HTTP Basic)', 'Email', 'API key', 'Start date', 'Page size', 'Format: letters, digits and hyphens only']) {
      assert(text.includes(words), `the form does not show "${words}"`);
    }
    const options = await page.$$eval('#root_auth__oneof_select option', (os) => os.map((o) => o.textContent.trim()));
    assert(
      options.includes('API key (HTTP Basic)') && options.includes('Access token (Bearer)'),
      `the auth choice offers ${JSON.stringify(options)}`,
    );
  });

  await page.screenshot({ path: join(screenshots, 'config-form.png'), fullPage: true });

  await check('config: a valid Basic-auth config submits with no validation error', async () => {
    await page.fill('#root_subdomain', 'acme');
    await page.fill('#root_auth_email', 'agent@acme.com');
    await page.fill('#root_auth_api_key', 'a-rest-api-key');
    const { submitted, errors } = await submit(page);
    assert(errors.length === 0, `validation errors: ${errors.join(' | ')}`);
    assert(submitted, 'onSubmit was not called');
    assert((await shownErrors(page)).length === 0, `errors shown: ${(await shownErrors(page)).join(' | ')}`);
    const a = submitted.auth || {};
    assert(submitted.subdomain === 'acme' && a.type === 'basic' && a.email === 'agent@acme.com' && a.api_key === 'a-rest-api-key',
      `submitted ${JSON.stringify(submitted)}`);
    for (const key of ['page_size', 'request_timeout_secs', 'start_date', 'base_url']) {
      assert(submitted[key] === undefined || submitted[key] === null, `${key} was pre-filled: ${JSON.stringify(submitted)}`);
    }
    expectNoProblems(problems);
  });

  await check('config: a valid Bearer config submits with no validation error', async () => {
    await page.selectOption('#root_auth__oneof_select', { label: 'Access token (Bearer)' });
    await page.waitForSelector('#root_auth_token', { timeout: TIMEOUT });
    assert((await page.getAttribute('#root_auth_token', 'type')) === 'password', 'Access token is not a password input');
    await page.fill('#root_auth_token', 'an-oauth2-access-token');
    await page.fill('#root_start_date', '2024-01-31');
    const { submitted, errors } = await submit(page);
    assert(errors.length === 0, `validation errors: ${errors.join(' | ')}`);
    assert(submitted, 'onSubmit was not called');
    const a = submitted.auth || {};
    assert(a.type === 'bearer' && a.token === 'an-oauth2-access-token' && !('api_key' in a) && !('email' in a),
      `submitted auth ${JSON.stringify({ ...a, token: a.token && '***' })}`);
    assert(submitted.start_date === '2024-01-31', `start_date ${submitted.start_date}`);
    expectNoProblems(problems);
  });
  await page.close();

  await check('config: an invalid subdomain and an empty API key are named in words', async () => {
    const { page, problems } = await openForm(context, base, 'config');
    await page.fill('#root_subdomain', 'acme shop!');
    await page.fill('#root_auth_email', 'agent@acme.com');
    const { submitted, errors } = await submit(page);
    assert(!submitted, 'an invalid config was submitted');
    const shown = await shownErrors(page);
    const all = [...errors, ...shown];
    const want = [
      /^Subdomain: letters, digits and hyphens only/,
      /^API key: is required$/,
    ];
    for (const re of want) {
      assert(errors.some((e) => re.test(e)), `no error matching ${re} in ${JSON.stringify(errors)}`);
      assert(shown.some((e) => re.test(e)), `no visible error matching ${re} in ${JSON.stringify(shown)}`);
    }
    const raw = all.filter((e) => RAW.test(e));
    assert(raw.length === 0, `raw validator text reached the user: ${JSON.stringify(raw)}`);
    assert(errors.length === 2, `expected exactly the two errors, got ${JSON.stringify(errors)}`);
    await page.screenshot({ path: join(screenshots, 'config-form-errors.png'), fullPage: true });
    expectNoProblems(problems);
    await page.close();
  });

  await check('config: a bad email and an empty access token are named in words', async () => {
    const { page, problems } = await openForm(context, base, 'config');
    await page.fill('#root_subdomain', 'acme');
    await page.fill('#root_auth_email', 'not-an-email');
    await page.fill('#root_auth_api_key', 'k');
    let { errors } = await submit(page);
    assert(errors.some((e) => /^Email: must be an email address/.test(e)), `errors: ${JSON.stringify(errors)}`);
    await page.selectOption('#root_auth__oneof_select', { label: 'Access token (Bearer)' });
    await page.waitForSelector('#root_auth_token', { timeout: TIMEOUT });
    ({ errors } = await submit(page));
    assert(errors.some((e) => /^Access token: is required$/.test(e)), `errors: ${JSON.stringify(errors)}`);
    assert(!errors.some((e) => /Email|API key/.test(e)), `errors of the other auth branch: ${JSON.stringify(errors)}`);
    expectNoProblems(problems);
    await page.close();
  });
}

async function checkActionForm(context, base, form) {
  let opened;
  await check(`action ${form.name}: renders without errors`, async () => {
    opened = await checkRendered(context, base, form);
  });
  if (!opened) return;
  const { page, problems, schema } = opened;
  if (process.env.SCREENSHOT_ALL) {
    mkdirSync(join(screenshots, 'forms'), { recursive: true });
    await page.screenshot({ path: join(screenshots, 'forms', `${form.name}.png`), fullPage: true });
  }
  // Required text, number and choice fields without a default must be named when left empty;
  // lists and groups are filled in by the form itself.
  const mustName = (schema.required || []).filter((name) => {
    const p = schema.properties?.[name] || {};
    const types = [].concat(p.type || []).filter((t) => t !== 'null');
    return p.default === undefined && p.const === undefined && ['string', 'integer', 'number'].includes(types[0]);
  });
  await check(`action ${form.name}: an empty submit gives errors in words${mustName.length ? ` naming ${mustName.join(', ')}` : ''}`, async () => {
    const { submitted, errors } = await submit(page);
    if (process.env.SHOW_ERRORS) console.log(`      ${form.name} empty submit: ${JSON.stringify(errors)}`);
    const raw = errors.filter((e) => RAW.test(e) || !/^[^:]+: \S/.test(e));
    assert(raw.length === 0, `errors not in words: ${JSON.stringify(raw)}`);
    if (mustName.length) assert(!submitted, 'an empty input was accepted although fields are required');
    for (const name of mustName) {
      const title = schema.properties[name].title || name;
      assert(errors.includes(`${title}: is required`), `no "${title}: is required" in ${JSON.stringify(errors)}`);
    }
    const shown = await shownErrors(page);
    assert(errors.every((e) => shown.includes(e)), `errors not shown on the page: ${JSON.stringify(errors.filter((e) => !shown.includes(e)))}`);
    expectNoProblems(problems);
  });
  // Free-form maps (meta, headers, params...) must be editable: an "add" button that adds a
  // key and a value input, not an empty group.
  const freeForm = Object.entries(schema.properties || {})
    .filter(([, p]) => [].concat(p.type || []).includes('object') && !p.properties && p.additionalProperties === true)
    .map(([name]) => name);
  if (freeForm.length) {
    await check(`action ${form.name}: free-form ${freeForm.join(', ')} can be given keys and values`, async () => {
      for (const name of freeForm) {
        const add = await page.$(`[id="root_${name}__add"]`);
        assert(add !== null, `no add button for ${name}`);
        const before = (await page.$$(`input[id^="root_${name}_"]`)).length;
        await add.click();
        const after = (await page.$$(`input[id^="root_${name}_"]`)).length;
        assert(after >= before + 2, `adding to ${name} gave ${after - before} new inputs, not a key and a value`);
      }
      expectNoProblems(problems);
    });
  }
  await page.close();
}

try {
  await main();
} catch (e) {
  results.push({ name: 'setup', ok: false });
  console.log(`FAIL  setup\n      ${e && e.stack ? e.stack : e}`);
  server.close();
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`browser test took ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
