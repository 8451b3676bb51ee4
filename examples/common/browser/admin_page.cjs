// Clicks through the example's /admin page in a real browser (headless Chromium):
// Enable -> the token works; Rotate -> both work; Revoke the old one -> 401; Disable -> 401.
//
// Not part of CI (it needs Chromium and Node.js). Run it by hand:
//   apt-get install -y chromium            # /usr/bin/chromium
//   npm install --prefix /tmp/pw playwright-core@1
//   cargo build --release -p example-axum  # or example-actix
//   NODE_PATH=/tmp/pw/node_modules node examples/common/browser/admin_page.cjs \
//       target/release/example-axum [screenshot.png]
"use strict";
const { spawn } = require("node:child_process");
const { chromium } = require("playwright-core");

const bin = process.argv[2] ?? "target/release/example-axum";
const shot = process.argv[3];
const port = 18000 + Math.floor(Math.random() * 2000);
const base = `http://127.0.0.1:${port}`;
const adminToken = "admin-token-for-the-browser-check";

function check(cond, what) {
  if (!cond) { throw new Error("FAILED: " + what); }
  console.log("ok  " + what);
}

async function scimStatus(token) {
  const r = await fetch(base + "/scim/v2/Users", { headers: { Authorization: "Bearer " + token } });
  return r.status;
}

async function waitUp() {
  for (let i = 0; i < 100; i++) {
    try { await fetch(base + "/admin"); return; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  throw new Error("server did not start");
}

async function main() {
  const server = spawn(bin, ["--bind", `127.0.0.1:${port}`, "--admin-token", adminToken,
    "--tenant", "other=other-tenant-token-0123456789"], { stdio: ["ignore", "pipe", "inherit"] });
  let browser;
  try {
    await waitUp();
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
    const context = await browser.newContext();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    const page = await context.newPage();
    await page.goto(base + "/admin");
    check((await page.title()).includes("SCIM provisioning"), "admin page loads without the admin token");

    await page.fill("#tenant", "acme");
    await page.click("#load");
    await page.waitForFunction(() => document.getElementById("message").textContent !== "");
    check((await page.textContent("#message")).startsWith("401"), "actions need the admin token (401 without it)");
    check((await page.getAttribute("#message", "class")) === "error", "the failure is shown as an error");

    await page.fill("#admin", adminToken);
    await page.click("#enable");
    await page.waitForFunction(() => document.getElementById("token").value !== "");
    const first = await page.inputValue("#token");
    const url = await page.inputValue("#url");
    check(url === base + "/scim/v2", `SCIM URL shown: ${url}`);
    check(await scimStatus(first) === 200, "Enable: the shown token authenticates (200)");
    check((await page.textContent("#enabled")) === "yes", "status shows enabled");
    check((await page.getAttribute("#message", "class")) === "", "the success message is not styled as an error");
    check((await page.locator("#tokens li").count()) === 1, "one token listed");

    await page.click("#rotate");
    await page.waitForFunction((old) => document.getElementById("token").value !== old, first);
    const second = await page.inputValue("#token");
    await page.click('button[data-copy="token"]');
    await page.waitForFunction(() => document.getElementById("message").textContent === "Copied.");
    check(await page.evaluate(() => navigator.clipboard.readText()) === second, "Copy puts the token on the clipboard");
    check(second !== first, "Rotate: a new token is shown");
    check(await scimStatus(second) === 200 && await scimStatus(first) === 200, "Rotate: new and old tokens both work");
    check((await page.locator("#tokens li").count()) === 2, "two tokens listed, no secret in the list");
    check(!(await page.textContent("#tokens")).includes(first), "the token list never shows a token");

    await page.locator("#tokens li").first().locator("button").click();
    await page.waitForFunction(() => document.querySelectorAll("#tokens li").length === 1);
    check(await scimStatus(first) === 401 && await scimStatus(second) === 200, "Revoke old: old 401, new 200");

    let asked = "";
    page.once("dialog", (d) => { asked = d.message(); d.accept(); });
    await page.click("#disable");
    await page.waitForFunction(() => document.getElementById("enabled").textContent === "no");
    check(asked.startsWith("Disable SCIM?"), "Disable asks for confirmation");
    check(await scimStatus(second) === 401, "Disable: every token of the tenant is 401");
    check((await page.inputValue("#token")) === "", "Disable clears the shown token");
    check(await scimStatus("other-tenant-token-0123456789") === 200, "another tenant is unaffected");
    if (shot) { await page.screenshot({ path: shot, fullPage: true }); console.log("screenshot: " + shot); }
    console.log("admin page: all checks passed");
  } finally {
    if (browser) { await browser.close(); }
    server.kill("SIGTERM");
  }
}

main().catch((e) => { console.error(e.message); process.exit(1); });
