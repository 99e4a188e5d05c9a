// Opens every page of a generated policy site in headless Chromium and reports console errors,
// failed or non-file requests, broken links and anchors, and every axe-core accessibility
// violation (WCAG 2.x A and AA and best practices); saves a full-page screenshot of each.
// Usage: node check.mjs SITE_DIR SCREENSHOT_DIR [CHROMIUM]
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { createRequire } from "node:module";

// axe-core is evaluated through the DevTools protocol: the pages' CSP forbids every script.
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const [site, shots, exe = process.env.CHROMIUM || "/usr/bin/chromium"] = process.argv.slice(2);
if (!site || !shots) {
  console.error("usage: node check.mjs SITE_DIR SCREENSHOT_DIR [CHROMIUM]");
  process.exit(2);
}
const root = path.resolve(site);
fs.mkdirSync(shots, { recursive: true });

function pages(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? pages(p) : e.name.endsWith(".html") ? [p] : [];
  }).sort();
}

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "agentgov-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: exe,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
  viewport: { width: 1280, height: 900 },
});
const problems = [];
let checkedLinks = 0;
let axeChecked = 0;
const all = pages(root);
for (const file of all) {
  const rel = path.relative(root, file);
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(`${rel}: console ${m.type()}: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`${rel}: page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`${rel}: request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("request", (r) => { if (!r.url().startsWith("file:")) problems.push(`${rel}: network request: ${r.url()}`); });
  const resp = await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  if (resp && !resp.ok()) problems.push(`${rel}: status ${resp.status()}`);
  // The stylesheet applied (the CSP allows 'self' styles only).
  const styled = await page.evaluate(() => getComputedStyle(document.querySelector("header.site")).display === "flex");
  if (!styled) problems.push(`${rel}: style.css did not apply`);
  const links = await page.evaluate(() => [...document.querySelectorAll("a[href], link[href], img[src]")].map((a) => a.href || a.src));
  for (const href of links) {
    if (href.startsWith("mailto:")) continue;
    if (!href.startsWith("file:")) { problems.push(`${rel}: external link ${href}`); continue; }
    const u = new URL(href);
    const target = fileURLToPath(u);
    if (!fs.existsSync(target)) { problems.push(`${rel}: broken link ${href}`); continue; }
    if (u.hash) {
      const id = decodeURIComponent(u.hash.slice(1));
      const html = fs.readFileSync(target, "utf8");
      if (!html.includes(` id="${id}"`)) problems.push(`${rel}: broken anchor ${href}`);
    }
    checkedLinks++;
  }
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"], preload: false });
    return r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
  axeChecked++;
  for (const v of violations) {
    problems.push(`${rel}: axe ${v.id} (${v.help}) at ${v.nodes.slice(0, 5).join(", ")}${v.nodes.length > 5 ? ` and ${v.nodes.length - 5} more` : ""}`);
  }
  const name = rel.replace(/[\\/]/g, "__").replace(/\.html$/, ".png");
  await page.screenshot({ path: path.join(shots, name), fullPage: true });
  await page.close();
}
await context.close();
fs.rmSync(userDataDir, { recursive: true, force: true });
console.log(`${all.length} pages, ${checkedLinks} links checked, axe-core on ${axeChecked} pages, screenshots in ${shots}`);
if (axeChecked !== all.length || all.length === 0) problems.push(`axe-core ran on ${axeChecked} of ${all.length} pages`);
for (const p of problems) console.log(`PROBLEM ${p}`);
process.exit(problems.length ? 1 : 0);
