// Accessibility (axe-core in headless Chromium) and HTML validity (Nu HTML Checker, vnu-jar) of public pages.
//
//   node check.mjs --base http://127.0.0.1:8000 / /disclosures/1/ "/projects/?q=救援" …
//
// axe runs at each viewport of A11Y_VIEWPORTS (default "1280x800,390x844": desktop and phone; a rule such as
// scrollable-region-focusable only fires where a table actually scrolls); vnu checks the HTML once.
// Uses the system Chromium (never downloads a browser): CHROMIUM=/usr/bin/chromium by default.
// A page answering 404 is skipped (it may not be built yet); any other non-200 answer is a failure.
// Exit status: 1 when any page has a serious or critical axe violation, a vnu error, or failed to load.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = require("axe-core").source;
const vnuJar = String(require("vnu-jar")); // the path of vnu.jar; run with the system java

const FAILING_IMPACTS = new Set(["serious", "critical"]);
const VIEWPORTS = (process.env.A11Y_VIEWPORTS || "1280x800,390x844").split(",").map((v) => {
  const [width, height] = v.trim().split("x").map(Number);
  if (!(width > 0 && height > 0)) throw new Error(`A11Y_VIEWPORTS: not WIDTHxHEIGHT: ${v}`);
  return { width, height };
});
const IMPACT_ORDER = ["critical", "serious", "moderate", "minor"];

function parseArgs(argv) {
  const args = { base: "http://127.0.0.1:8000", paths: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--base") args.base = argv[++i];
    else args.paths.push(argv[i]);
  }
  if (!args.paths.length) args.paths = ["/"];
  return args;
}

async function runAxe(browser, url, viewport) {
  // bypassCSP: the site forbids inline scripts, and axe is injected as one.
  const context = await browser.newContext({ bypassCSP: true, locale: "zh-CN", viewport });
  const page = await context.newPage();
  try {
    const response = await page.goto(url, { waitUntil: "load", timeout: 60000 });
    const status = response ? response.status() : 0;
    if (status !== 200) return { status };
    await page.evaluate(axeSource);
    const results = await page.evaluate(() =>
      // eslint-disable-next-line no-undef
      axe.run(document, { resultTypes: ["violations"] }),
    );
    return { status, violations: results.violations };
  } finally {
    await context.close();
  }
}

function printViolations(violations) {
  const sorted = [...violations].sort(
    (a, b) => IMPACT_ORDER.indexOf(a.impact) - IMPACT_ORDER.indexOf(b.impact),
  );
  for (const v of sorted) {
    console.log(`    [${v.impact}] ${v.id}: ${v.help} (${v.nodes.length}×) ${v.helpUrl}`);
    for (const node of v.nodes.slice(0, 3)) {
      console.log(`        ${node.target.join(" ")}  ${node.html.slice(0, 140).replace(/\s+/g, " ")}`);
    }
    if (v.nodes.length > 3) console.log(`        … ${v.nodes.length - 3} more`);
  }
}

function runVnu(pages) {
  // One JVM for every page; --stdout --format json gives {"messages": [{type, subType, url, lastLine, message, extract}]}.
  const dir = mkdtempSync(join(tmpdir(), "vnu-"));
  try {
    const files = pages.map((p, i) => {
      const file = join(dir, `page-${i}.html`);
      writeFileSync(file, p.html, "utf-8");
      return file;
    });
    const run = spawnSync(
      "java",
      ["-Xss4m", "-jar", vnuJar, "--format", "json", "--stdout", "--exit-zero-always", ...files],
      { encoding: "utf-8", maxBuffer: 64 * 1024 * 1024 },
    );
    if (run.status !== 0 || !run.stdout) {
      throw new Error(`vnu failed (exit ${run.status}): ${run.stderr || run.error}`);
    }
    // vnu names a file "file:/tmp/…/page-3.html": match on the file name.
    const byName = new Map(files.map((f, i) => [basename(f), pages[i]]));
    const messages = JSON.parse(run.stdout).messages;
    for (const m of messages) {
      const page = m.url ? byName.get(basename(new URL(m.url).pathname)) : undefined;
      if (page) page.vnu.push(m);
      else console.log(`vnu: ${m.type}: ${m.message}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const { base, paths } = parseArgs(process.argv.slice(2));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
  });
  const pages = [];
  const totals = Object.fromEntries(IMPACT_ORDER.map((k) => [k, 0]));
  let failed = false;
  try {
    for (const path of paths) {
      const url = new URL(path, base).href;
      let page = null;
      for (const viewport of VIEWPORTS) {
        const label = `${path} @${viewport.width}px`;
        const result = await runAxe(browser, url, viewport);
        if (result.status === 404) {
          console.log(`SKIP ${label}: 404 (not built yet?)`);
          break;
        }
        if (result.status !== 200) {
          console.log(`FAIL ${label}: HTTP ${result.status}`);
          failed = true;
          break;
        }
        const counts = Object.fromEntries(IMPACT_ORDER.map((k) => [k, 0]));
        for (const v of result.violations) counts[v.impact] = (counts[v.impact] || 0) + 1;
        for (const k of IMPACT_ORDER) totals[k] += counts[k];
        const bad = result.violations.some((v) => FAILING_IMPACTS.has(v.impact));
        failed ||= bad;
        const summary = IMPACT_ORDER.map((k) => `${k} ${counts[k]}`).join(", ");
        console.log(`${bad ? "FAIL" : "ok  "} axe ${label}: ${summary}`);
        printViolations(result.violations);
        page ??= { path, vnu: [] };
      }
      if (page) {
        page.html = await (await fetch(url)).text(); // the HTML as served, for vnu
        pages.push(page);
      }
    }
  } finally {
    await browser.close();
  }

  let vnuErrors = 0;
  let vnuWarnings = 0;
  if (pages.length) {
    runVnu(pages);
    for (const page of pages) {
      const errors = page.vnu.filter((m) => m.type === "error" || m.type === "non-document-error");
      const warnings = page.vnu.filter((m) => m.type === "info" && m.subType === "warning");
      vnuErrors += errors.length;
      vnuWarnings += warnings.length;
      console.log(`${errors.length ? "FAIL" : "ok  "} vnu ${page.path}: ${errors.length} errors, ${warnings.length} warnings`);
      for (const m of errors.slice(0, 30)) {
        console.log(`    [error] line ${m.lastLine ?? "?"}: ${m.message}`);
        if (m.extract) console.log(`        ${m.extract.replace(/\s+/g, " ").slice(0, 140)}`);
      }
      // Warnings do not fail the run: one line per distinct message, with its count and first line.
      const grouped = new Map();
      for (const m of warnings) {
        const entry = grouped.get(m.message) || { count: 0, line: m.lastLine };
        entry.count += 1;
        grouped.set(m.message, entry);
      }
      for (const [message, { count, line }] of grouped) {
        console.log(`    [warning] ${count}× (first at line ${line ?? "?"}): ${message}`);
      }
    }
  }
  failed ||= vnuErrors > 0;
  const axeSummary = IMPACT_ORDER.map((k) => `${k} ${totals[k]}`).join(", ");
  console.log(`\naxe: ${axeSummary}; vnu: ${vnuErrors} errors, ${vnuWarnings} warnings; pages checked: ${pages.length}`);
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
