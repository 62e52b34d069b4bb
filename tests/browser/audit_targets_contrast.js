// Evaluated by Playwright (page.evaluate) in tests/browser/test_resident_controls.py: lists
// the page's tap targets smaller than 44 × 44 CSS px and its visible text under WCAG AA
// contrast. Returns {targets: [...], contrast: [...]} of human-readable findings.
//
// Targets: links, buttons, form controls, <summary>, [role=button]. A checkbox or radio counts
// with its label (the label is the target); a control whose hit area is enlarged by a
// pseudo-element passes when a 44 px square centred on it hits only the control. Inline links
// inside a sentence are exempt (WCAG 2.5.8), as are hidden and disabled controls.
// Contrast: every visible text node against the background it is painted on (backgrounds
// composited up the tree; a gradient counts with its worst colour stop), 4.5:1, or 3:1 for
// large text (24 px, or 18.66 px bold); placeholders too. Disabled controls are exempt.
(() => {
  const MIN = 44;
  const parse = (value) => {
    const m = /rgba?\(([^)]+)\)/.exec(value || "");
    if (!m) return null;
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1);
  };
  const channel = (v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  };
  const luminance = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const ratio = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)];
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  };
  const hex = (c) => "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += "#" + el.id;
    const cls = (el.getAttribute("class") || "").trim().split(/\s+/).filter(Boolean).slice(0, 3);
    if (cls.length) name += "." + cls.join(".");
    const text = (el.getAttribute("aria-label") || el.innerText || el.value || "").trim().replace(/\s+/g, " ");
    return name + (text ? ` "${text.slice(0, 24)}"` : "");
  };
  const visible = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") return false;
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return false;
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (parseFloat(s.opacity) === 0) return false;
      if (s.clipPath && s.clipPath !== "none" && e.getBoundingClientRect().width <= 2) return false;
    }
    return !el.closest("[hidden], [aria-hidden='true'], .visually-hidden, .d-none");
  };

  // Background candidates (several for a gradient) behind an element, composited on white.
  const backgrounds = (el) => {
    const chain = [];
    for (let e = el; e; e = e.parentElement) chain.push(e);
    let layers = [[255, 255, 255, 1]];
    for (const e of chain.reverse()) {
      const s = getComputedStyle(e);
      const stops = (s.backgroundImage.match(/rgba?\([^)]+\)/g) || []).map(parse);
      if (stops.length && stops.every((c) => c[3] > 0.9)) {
        // A gradient: text on it is checked against every stop that is not a hard edge
        // (a stop that appears twice in a row at the same position is a band, kept too).
        layers = stops.map((c) => over(c, [255, 255, 255, 1]));
        continue;
      }
      const bg = parse(s.backgroundColor);
      if (bg && bg[3] > 0) layers = layers.map((l) => over(bg, l));
    }
    return layers;
  };

  const findings = { targets: [], contrast: [] };

  // ---- Targets ----
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]";
  const seen = new Set();
  for (const el of document.querySelectorAll(selector)) {
    if (!visible(el) && !(el.matches("input[type=checkbox], input[type=radio]") && el.labels && el.labels.length)) continue;
    if (el.disabled || el.closest("fieldset[disabled]")) continue;
    let rects = [el.getBoundingClientRect()];
    let target = el;
    if (el.matches("input[type=checkbox], input[type=radio]") && el.labels && el.labels.length) {
      // The label is the target: the union of the control's box and its labels'.
      const label = el.labels[0];
      if (!visible(label)) continue;
      rects = [label.getBoundingClientRect()];
      if (visible(el)) rects.push(el.getBoundingClientRect());
      target = label;
      if (seen.has(label)) continue;
      seen.add(label);
    }
    if (el.tagName === "A" && getComputedStyle(el).display === "inline") {
      const block = el.parentElement;
      const own = (el.textContent || "").trim().length;
      const around = (block.textContent || "").trim().length;
      if (around > own + 1 && getComputedStyle(block).display !== "flex") continue; // in a sentence
    }
    const left = Math.min(...rects.map((r) => r.left));
    const top = Math.min(...rects.map((r) => r.top));
    const right = Math.max(...rects.map((r) => r.right));
    const bottom = Math.max(...rects.map((r) => r.bottom));
    let [w, h] = [right - left, bottom - top];
    if (w >= MIN - 0.5 && h >= MIN - 0.5) continue;
    // A hit area enlarged by a pseudo-element: probe a 44 px square around the centre.
    target.scrollIntoView({ block: "center", inline: "nearest", behavior: "instant" });
    const r = target.getBoundingClientRect();
    const [cx, cy] = [r.left + r.width / 2, r.top + r.height / 2];
    const d = MIN / 2 - 1;
    const probes = [[cx - d, cy], [cx + d, cy], [cx, cy - d], [cx, cy + d]];
    const hits = probes.every(([x, y]) => {
      const hit = document.elementFromPoint(x, y);
      return hit && (target.contains(hit) || el.contains(hit) || hit === el);
    });
    if (hits) continue;
    findings.targets.push(`${describe(target)} ${Math.round(w)}×${Math.round(h)}`);
  }

  // ---- Contrast ----
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const checked = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || checked.has(el) || !node.textContent.trim()) continue;
    checked.add(el);
    if (["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "OPTION"].includes(el.tagName)) continue;
    if (!visible(el)) continue;
    if (el.closest("button:disabled, .disabled, [aria-disabled='true'], fieldset:disabled")) continue;
    const s = getComputedStyle(el);
    const fg = parse(s.color);
    const size = parseFloat(s.fontSize);
    const bold = parseInt(s.fontWeight, 10) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= parseFloat(getComputedStyle(e).opacity);
    const worst = Math.min(...backgrounds(el).map((bg) => ratio(over([fg[0], fg[1], fg[2], fg[3] * opacity], bg), bg)));
    if (worst < need - 0.005) {
      const text = node.textContent.trim().replace(/\s+/g, " ").slice(0, 20);
      const bg = backgrounds(el).map(hex).join("/");
      findings.contrast.push(`${describe(el).split(" ")[0]} "${text}" ${hex(fg)} on ${bg} ${worst.toFixed(2)} < ${need}`);
    }
  }
  for (const el of document.querySelectorAll("input[placeholder], textarea[placeholder]")) {
    if (!visible(el) || el.disabled) continue;
    const fg = parse(getComputedStyle(el, "::placeholder").color);
    const bg = backgrounds(el)[0];
    const value = ratio(over(fg, bg), bg);
    if (value < 4.5) findings.contrast.push(`${describe(el)} placeholder ${hex(fg)} on ${hex(bg)} ${value.toFixed(2)} < 4.5`);
  }
  window.scrollTo({ top: 0, left: 0, behavior: "instant" });
  return findings;
})()
