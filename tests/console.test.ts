/**
 * The web console in a real browser (headless Chromium driven by playwright-core): run a
 * query, see a table, see an error, chart a column, use a token; a screenshot goes to
 * `test-output/console.png`. Also: the served client bundle is the fresh build of client.ts.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { WSServer } from "../server.ts";
import { WSClient } from "../client.ts";
import { CLIENT_BUNDLE } from "../console/client_bundle.ts";
import { buildClientBundle } from "../console/build.ts";
import { freePort } from "./_helpers/net.ts";
import { type Browser, launchBrowser, type Page } from "./_helpers/browser.ts";
import { repoRoot, runtime } from "./_helpers/runtime.ts";

async function runQuery(page: Page, source: string): Promise<void> {
  const before = await page.locator(".card").count();
  await page.fill("#editor", source);
  await page.press("#editor", "Control+Enter");
  await page.waitForSelector(`.card:nth-child(1) .meta`, { timeout: 10_000 });
  for (let i = 0; i < 100 && (await page.locator(".card").count()) === before; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("web console", () => {
  let server: WSServer;
  let port: number;
  let browser: Browser;
  before(async () => {
    port = await freePort();
    server = new WSServer({ port, workers: 1 });
    await server.start();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("serves the client bundled fresh from client.ts", async () => {
    assert.equal(
      CLIENT_BUNDLE,
      buildClientBundle(),
      "run `npx bun console/build.ts` and commit console/client_bundle.ts",
    );
    const js = await (await fetch(`http://127.0.0.1:${port}/client.js`)).text();
    assert.equal(js, CLIENT_BUNDLE);
  });

  it("runs queries, shows a table, an error and a chart; screenshot into test-output/", async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector("body[data-ready='1']", { timeout: 10_000 });
    assert.equal(await page.textContent("#status-text"), "connected");

    await runQuery(page, "(+ 1 2)");
    assert.equal((await page.textContent(".card:nth-child(1) .out"))?.trim(), "3");

    await runQuery(
      page,
      "(set t (table [sym qty price] (list [AAPL MSFT GOOG] [10 20 30] [1.5 2.5 2.0])))",
    );
    const cells = await page.locator(".card:nth-child(1) table td").allTextContents();
    assert.deepEqual(cells, ["AAPL", "10", "1.50", "MSFT", "20", "2.50", "GOOG", "30", "2.00"]);
    const headers = await page.locator(".card:nth-child(1) table th").allTextContents();
    assert.match(headers.join("|"), /sym\s*SYMBOL.*qty\s*I64.*price\s*F64/);

    await page.click(".card:nth-child(1) button[data-chart='qty']");
    await page.waitForSelector(".card:nth-child(1) svg.chart[data-column='qty']");

    await runQuery(page, "(+ 1 'a)");
    await page.waitForSelector(".card.error:nth-child(1)");
    assert.match(
      (await page.textContent(".card:nth-child(1) .out"))!,
      /type: expected i64, got symbol/,
    );

    await runQuery(page, "(list 1 (dict [a b] [2 3]))");
    assert.ok((await page.locator(".card:nth-child(1) ul.tree li").count()) >= 3);

    // History: the editor's up arrow brings back the previous query.
    await page.fill("#editor", "");
    await page.press("#editor", "ArrowUp");
    assert.equal(
      await page.evaluate<string>("document.getElementById('editor').value"),
      "(list 1 (dict [a b] [2 3]))",
    );

    // Live statistics arrive through the event protocol.
    await page.waitForSelector("#stats:has-text('connections')", { timeout: 5_000 });
    for (let i = 0; i < 50 && !/p99 \d/.test((await page.textContent("#stats")) ?? ""); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(
      (await page.textContent("#stats"))!,
      /connections \d+ · [\d.]+ q\/s · p99 [\d.]+ ms/,
    );

    mkdirSync(repoRoot + "test-output", { recursive: true });
    const shot = `${repoRoot}test-output/console-${runtime}.png`;
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`console screenshot: ${shot}`);
  });

  it("follows a table live: the card grows with each insert", async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector("body[data-ready='1']", { timeout: 10_000 });
    await runQuery(page, "(set feed (table [sym px] (list [a] [1.5])))");
    await page.fill("#follow-name", "feed");
    await page.click("#follow");
    await page.waitForSelector(".card.live[data-rows='1']", { timeout: 10_000 });
    const conn = await new WSClient({ port }).connect();
    for (let i = 2; i <= 4; i++) await conn.execute(`(insert 'feed (list 'b ${i}.5))`);
    conn.close();
    await page.waitForSelector(".card.live[data-rows='4']", { timeout: 10_000 });
    const cells = await page.locator(".card.live table td").allTextContents();
    assert.deepEqual(cells, ["a", "1.5", "b", "2.5", "b", "3.5", "b", "4.5"]);
    assert.match((await page.textContent(".card.live .meta"))!, /4 rows · version \d+ · 3 updates/);
  });

  it("asks for the token of a protected server and keeps it for the session", async () => {
    const securePort = await freePort();
    await using secure = new WSServer({ port: securePort, workers: 1, token: "s3cret" });
    await secure.start();
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${securePort}/`);
    await page.waitForSelector("#token-box:not([hidden])", { timeout: 10_000 });
    await page.fill("#token", "s3cret");
    await page.click("#token-go");
    await page.waitForSelector("body[data-ready='1']", { timeout: 10_000 });
    await runQuery(page, "(* 6 7)");
    assert.equal((await page.textContent(".card:nth-child(1) .out"))?.trim(), "42");
    assert.equal(await page.evaluate<string>("sessionStorage.getItem('rf-token')"), "s3cret");
  });
});
