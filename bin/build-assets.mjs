#!/usr/bin/env node
// Builds the stylesheets the pages load and the icon font they need, into build/assets/
// (served as static/bundle/... through STATICFILES_DIRS; `make` runs this when an input changes):
//
//   resident.css  Bootstrap + the Bootstrap Icons classes + static/shared/linli.css + every
//                 static/resident/*.css and the other static/shared/*.css: the one stylesheet of
//                 the residents' portal (and of the providers' and login pages built on it).
//   site.css      Bootstrap + the icon classes + linli.css: the other portals (their own page
//                 stylesheets still come after it).
//   bootstrap-icons.woff2  the icon font, cut down to the glyphs the kept icon classes draw.
//
// Each is purged (PurgeCSS) against what can name a class: our templates, .py and .js files,
// the templates and Python of the packages that render markup for us (crispy-bootstrap5,
// allauth, django-tables2, django-filter, Django's form widgets) and the scripts of Bootstrap
// and htmx (the classes they toggle), then minified (Lightning CSS). Class names built at run
// time are kept by rule, not by list:
//   - `bi-{{ x }}` / `bi-{% if %}a{% else %}b{% endif %}`: an icon is kept for every string
//     literal ('house', "tools") and every bare word between template tags (%}a{%) in those
//     files, and its -fill variant (the tab bar adds -fill to the active tab's icon);
//   - any other `prefix-{{`, `prefix-{%` in a template or `prefix-{` / `prefix-${` in code keeps
//     every class that starts with that prefix (text-bg-{% if %}danger…, alert-{{ tags }}).
// Nothing here lists a class by name: a rule appended to linli.css or a class added to a
// template is picked up by the next build.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { transform } from "lightningcss";
import { PurgeCSS } from "purgecss";
import subsetFont from "subset-font";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "build", "assets");
const NODE = path.join(ROOT, "node_modules");
const SKIP = new Set([".git", ".venv", "node_modules", "build", "staticfiles", "var", "media", "tests", "bench", "__pycache__"]);

function walk(dir, test, skip = SKIP) {
  const found = [];
  if (!fs.existsSync(dir)) return found;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skip.has(entry.name)) found.push(...walk(full, test, skip));
    } else if (test(entry.name)) {
      found.push(full);
    }
  }
  return found.sort();
}

function sitePackages() {
  const lib = path.join(ROOT, ".venv", "lib");
  if (!fs.existsSync(lib)) return null;
  const python = fs.readdirSync(lib).find((name) => name.startsWith("python"));
  return python ? path.join(lib, python, "site-packages") : null;
}

// What can name a class.
function contentFiles() {
  const files = [
    ...walk(path.join(ROOT, "templates"), (name) => name.endsWith(".html") || name.endsWith(".txt")),
    ...walk(path.join(ROOT, "static"), (name) => name.endsWith(".js")),
    ...walk(ROOT, (name) => name.endsWith(".py")),
    path.join(NODE, "htmx.org", "dist", "htmx.js"),
  ];
  const packages = sitePackages();
  if (packages) {
    const any = new Set(["__pycache__", "locale", "static", "tests"]);
    for (const name of ["crispy_bootstrap5", "allauth", "django_tables2", "django_filters", "django/forms"]) {
      files.push(...walk(path.join(packages, name), (file) => /\.(html|py)$/.test(file), any));
    }
  } else {
    console.warn("build-assets: no .venv: the packages' templates are not scanned");
  }
  return files;
}

const ICON_CSS = fs.readFileSync(path.join(NODE, "bootstrap-icons", "font", "bootstrap-icons.css"), "utf8");
const ICONS = new Set([...ICON_CSS.matchAll(/^\.bi-([a-z0-9-]+)::before/gm)].map((m) => m[1]));

// The safelist: icons named by words, class prefixes completed at run time.
function dynamicNames(files) {
  const icons = new Set();
  const prefixes = new Set();
  for (const file of files) {
    if (file.startsWith(NODE)) continue;
    const text = fs.readFileSync(file, "utf8");
    const words = [
      ...[...text.matchAll(/["']([a-z0-9]+(?:-[a-z0-9]+)*)["']/g)].map((m) => m[1]),
      ...[...text.matchAll(/%\}\s*([a-z0-9]+(?:-[a-z0-9]+)*)\s*\{%/g)].map((m) => m[1]),
    ];
    // Python names icons for templates that may add -fill (the active tab): both are kept.
    const fill = file.endsWith(".py");
    const ours = !file.includes(`${path.sep}site-packages${path.sep}`);
    for (const word of ours ? words : []) {
      for (const name of fill ? [word, `${word}-fill`] : [word]) if (ICONS.has(name)) icons.add(`bi-${name}`);
    }
    const pattern = file.endsWith(".html") || file.endsWith(".txt") ? /([a-z][a-z0-9-]*-)\{[{%]/g : /([a-z][a-z0-9-]*-)\$?\{/g;
    for (const m of text.matchAll(pattern)) if (m[1] !== "bi-") prefixes.add(m[1]);
  }
  return { icons, prefixes };
}

// The states Bootstrap's scripts put on its components (its source names every component, so it
// is no content to scan): a component's own classes still have to appear in our markup.
const BOOTSTRAP_STATES = ["show", "showing", "hiding", "fade", "collapse", "collapsing", "collapse-horizontal", "active", "disabled", "modal-open", "modal-backdrop", "modal-static", "offcanvas-backdrop", "dropdown-menu-end", "was-validated", "is-invalid", "is-valid"];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

async function purge(css, files, safe) {
  const [result] = await new PurgeCSS().purge({
    content: files,
    css: [{ raw: css }],
    // Class names with characters the default extractor splits on (e.g. w-max-content is fine,
    // but also 2xl, col-md-6, translate-middle-x): every run of class-name characters.
    defaultExtractor: (content) => content.match(/[A-Za-z0-9_-]+/g) || [],
    safelist: {
      standard: [...safe.icons, ...BOOTSTRAP_STATES, /^bi$/],
      greedy: [...[...safe.prefixes].map((prefix) => new RegExp(`^${escape(prefix)}`))],
      variables: [],
    },
    fontFace: false,
    keyframes: true,
    variables: false,
  });
  return result.css;
}

function minify(css, filename) {
  const { code } = transform({
    filename,
    code: Buffer.from(css),
    minify: true,
    // WeChat's browser on Android is Chromium (XWEB, Chrome 86 and later); iOS WeChat is Safari.
    targets: { chrome: 86 << 16, safari: 13 << 16, firefox: 78 << 16 },
  });
  return code.toString();
}

function read(file) {
  return fs.readFileSync(file, "utf8");
}

async function main() {
  const files = contentFiles();
  const safe = dynamicNames(files);
  // The icon font's face: the subset alone (woff2 is everywhere WeChat runs).
  const iconCss = ICON_CSS.replace(/@font-face\s*\{[^}]*\}/, (face) =>
    face.replace(/src:[^;]*;/, 'src: url("bootstrap-icons.woff2") format("woff2");'),
  );
  const bootstrap = read(path.join(NODE, "bootstrap", "dist", "css", "bootstrap.css"));
  const linli = read(path.join(ROOT, "static", "shared", "linli.css"));
  // Every resident page's CSS, and the shared page CSS (the providers' portal is built on the
  // residents' layout).
  const residentPages = [
    ...walk(path.join(ROOT, "static", "resident"), (name) => name.endsWith(".css")),
    ...walk(path.join(ROOT, "static", "shared"), (name) => name.endsWith(".css") && name !== "linli.css"),
  ];
  const bundles = {
    "site.css": [bootstrap, iconCss, linli],
    "resident.css": [bootstrap, iconCss, linli, ...residentPages.map(read)],
  };
  fs.mkdirSync(OUT, { recursive: true });
  const codepoints = new Set();
  const report = [];
  for (const [name, parts] of Object.entries(bundles)) {
    // Bootstrap's and the icons' banners go; the licence stays in node_modules and the docs.
    const purged = await purge(parts.join("\n"), files, safe);
    for (const m of purged.matchAll(/\.bi-[a-z0-9-]+::before\s*\{\s*content:\s*"\\([0-9a-f]+)"/g)) codepoints.add(parseInt(m[1], 16));
    const css = minify(purged, name);
    fs.writeFileSync(path.join(OUT, name), css);
    report.push(`${name} ${(css.length / 1024).toFixed(1)} KB`);
  }
  const font = fs.readFileSync(path.join(NODE, "bootstrap-icons", "font", "fonts", "bootstrap-icons.woff2"));
  const subset = await subsetFont(font, String.fromCodePoint(...codepoints), { targetFormat: "woff2" });
  fs.writeFileSync(path.join(OUT, "bootstrap-icons.woff2"), subset);
  report.push(`bootstrap-icons.woff2 ${(subset.length / 1024).toFixed(1)} KB (${codepoints.size} glyphs)`);
  // What the build was made from, so that a test or a reader can tell it is current.
  const digest = createHash("sha256");
  for (const file of files) digest.update(file).update(fs.readFileSync(file));
  fs.writeFileSync(path.join(OUT, "..", "assets.built"), `${report.join("\n")}\ninputs ${digest.digest("hex").slice(0, 16)}\n`);
  console.log(`build-assets: ${report.join(", ")}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
