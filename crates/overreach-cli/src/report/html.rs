//! The HTML report: one self-contained file (inline CSS and JavaScript, no fonts, scripts or
//! images from elsewhere; a Content Security Policy forbids any fetch) built from the JSON
//! report ([`super::json::Report`]), which is embedded verbatim as
//! `<script type="application/json" id="report">` and drawn by a small vanilla script: a
//! header (account, versions, time, a PARTIAL banner), a summary, a sortable and filterable
//! findings table, and per finding its excess groups and an SVG drawing of every path from the
//! principal to the rights it should not have. The script only ever sets `textContent` and
//! attributes, never `innerHTML`, so report data cannot become markup.
//!
//! The page reads its state from the URL fragment (or query): `#filter=TEXT`,
//! `severity=critical,high`, `suppressed=0`, `sort=-severity|principal|kind|role|rule|message`
//! and `open=FINDING_ID`; it writes the filter state back as the user changes it.

use anyhow::Context;

use super::json::Report;

/// Renders the report as one HTML document.
pub fn render(report: &Report<'_>) -> anyhow::Result<String> {
    let data = serde_json::to_string(report).context("cannot render the HTML report's data")?;
    let title = if report.account_ids.is_empty() {
        "overreach report".to_string()
    } else {
        format!("overreach report — {}", report.account_ids.join(", "))
    };
    let data = embed(&data);
    let mut out = String::with_capacity(
        HEAD.len() + STYLE.len() + BODY.len() + SCRIPT.len() + data.len() + 256,
    );
    out.push_str(HEAD);
    out.push_str(&escape(&title));
    out.push_str("</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n");
    out.push_str(BODY);
    out.push_str("<script type=\"application/json\" id=\"report\">");
    out.push_str(&data);
    out.push_str("</script>\n<script>");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    Ok(out)
}

/// JSON text made safe inside a `<script>` element: `</` becomes `<\/` (the same string to a
/// JSON parser) so no `</script>` in the data can close the element, and `<!--` becomes
/// `\u003c!--` so the data cannot switch the HTML parser into its escaped script states.
/// `<` only occurs inside JSON strings, where both escapes are valid.
fn embed(json: &str) -> String {
    json.replace("<!--", "\\u003c!--").replace("</", "<\\/")
}

/// Text for HTML content and attribute values.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

const HEAD: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="overreach">
<meta name="referrer" content="no-referrer">
<title>"#;

const BODY: &str = r#"<body>
<header class="top">
  <h1>overreach <span class="sub">least-privilege report</span></h1>
  <dl class="meta">
    <div><dt>Account</dt><dd id="account">—</dd></div>
    <div><dt>Generated</dt><dd id="generated">—</dd></div>
    <div><dt>Tool</dt><dd id="tool">—</dd></div>
    <div><dt>Action catalogue</dt><dd id="catalog">—</dd></div>
  </dl>
</header>
<div id="partial" class="banner partial" role="alert" hidden>
  <p><strong class="tag">PARTIAL</strong> Some data could not be read: the findings may be incomplete.</p>
  <ul id="errors"></ul>
</div>
<main>
<noscript><p class="banner">This report is drawn by JavaScript, which is off. The data is in this file, in the JSON of the script element with id <code>report</code>.</p></noscript>
<section aria-labelledby="summary-h">
  <h2 id="summary-h">Summary</h2>
  <ul id="summary" class="cards"></ul>
  <details id="warnings" hidden><summary></summary><ul></ul></details>
</section>
<section aria-labelledby="findings-h">
  <h2 id="findings-h">Findings</h2>
  <form id="filters" role="search" aria-label="Filter findings">
    <div class="field">
      <label for="filter">Filter</label>
      <input type="search" id="filter" name="filter" placeholder="principal, rule or message" autocomplete="off" spellcheck="false">
    </div>
    <fieldset>
      <legend>Severity</legend>
      <label class="sev-critical"><input type="checkbox" id="sev-critical" checked> critical <span class="n"></span></label>
      <label class="sev-high"><input type="checkbox" id="sev-high" checked> high <span class="n"></span></label>
      <label class="sev-medium"><input type="checkbox" id="sev-medium" checked> medium <span class="n"></span></label>
      <label class="sev-low"><input type="checkbox" id="sev-low" checked> low <span class="n"></span></label>
    </fieldset>
    <label class="sup"><input type="checkbox" id="show-suppressed" checked> show suppressed <span class="n"></span></label>
  </form>
  <p id="shown" class="shown" aria-live="polite"></p>
  <div class="scroll">
  <table id="findings">
    <caption class="sr-only">Findings. Select a row to show its details; select a column header to sort.</caption>
    <thead>
      <tr>
        <th scope="col" class="c-toggle"><span class="sr-only">Details</span></th>
        <th scope="col" aria-sort="descending"><button type="button" data-key="severity">Severity<span class="arrow" aria-hidden="true"></span></button></th>
        <th scope="col" aria-sort="none"><button type="button" data-key="principal">Principal<span class="arrow" aria-hidden="true"></span></button></th>
        <th scope="col" aria-sort="none"><button type="button" data-key="kind">Kind<span class="arrow" aria-hidden="true"></span></button></th>
        <th scope="col" aria-sort="none"><button type="button" data-key="role">Declared role<span class="arrow" aria-hidden="true"></span></button></th>
        <th scope="col" aria-sort="none"><button type="button" data-key="rule">Rule<span class="arrow" aria-hidden="true"></span></button></th>
        <th scope="col" aria-sort="none"><button type="button" data-key="message">Summary<span class="arrow" aria-hidden="true"></span></button></th>
      </tr>
    </thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <p id="empty" class="empty" hidden>No finding matches the filter.</p>
</section>
</main>
<svg id="svg-ns" class="sr-only" width="0" height="0" aria-hidden="true" focusable="false"></svg>
"#;

const STYLE: &str = r#"
:root {
  --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #ffffff; --soft: #f6f8fa;
  --accent: #0b57d0;
  --crit-fg: #7f1d1d; --crit-bg: #fde2e2;
  --high-fg: #9a3412; --high-bg: #ffedd5;
  --med-fg: #854d0e; --med-bg: #fef3c7;
  --low-fg: #1e40af; --low-bg: #dbeafe;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", Arial, sans-serif;
  font-size: 15px; line-height: 1.45; color: var(--fg); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace; font-size: 0.88em; }
.sr-only { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
header.top { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 32px; padding: 14px 24px; border-bottom: 1px solid var(--line); background: var(--soft); }
header.top h1 { margin: 0; font-size: 1.35rem; }
header.top h1 .sub { font-weight: 400; color: var(--muted); font-size: 1rem; }
dl.meta { display: flex; flex-wrap: wrap; gap: 4px 24px; margin: 0; }
dl.meta div { display: flex; gap: 6px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; font-weight: 600; }
main { padding: 4px 24px 40px; }
h2 { font-size: 1.1rem; margin: 18px 0 8px; }
h3 { font-size: 1rem; margin: 16px 0 6px; }
.banner { margin: 12px 24px 0; padding: 10px 14px; border-radius: 6px; border: 1px solid #f0b429; background: #fff8e1; }
.banner p { margin: 0; }
.banner ul { margin: 6px 0 0; padding-left: 20px; }
.partial { border-color: #d93025; background: #fdecea; }
.tag { display: inline-block; padding: 0 6px; margin-right: 6px; border-radius: 4px; background: #b3261e; color: #fff; letter-spacing: 0.04em; }
ul.cards { display: flex; flex-wrap: wrap; gap: 10px; list-style: none; padding: 0; margin: 0; }
ul.cards li { min-width: 112px; padding: 8px 14px; border: 1px solid var(--line); border-radius: 8px; background: var(--bg); }
ul.cards .num { display: block; font-size: 1.5rem; font-weight: 700; line-height: 1.2; }
ul.cards .lbl { color: var(--muted); font-size: 0.85rem; }
ul.cards li.sev-critical { background: var(--crit-bg); border-color: #f5b5b5; }
ul.cards li.sev-high { background: var(--high-bg); border-color: #fbc99a; }
ul.cards li.sev-medium { background: var(--med-bg); border-color: #f5d77a; }
ul.cards li.sev-low { background: var(--low-bg); border-color: #a9c5f5; }
details#warnings { margin-top: 10px; }
form#filters { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 20px; margin: 4px 0 6px; }
form#filters .field { display: flex; align-items: center; gap: 8px; }
form#filters label[for=filter] { font-weight: 600; }
input[type=search] { width: 300px; max-width: 70vw; padding: 5px 8px; font: inherit; border: 1px solid #8c959f; border-radius: 6px; }
input[type=search]:focus-visible, button:focus-visible, input[type=checkbox]:focus-visible, summary:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
fieldset { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center; margin: 0; padding: 2px 10px 4px; border: 1px solid var(--line); border-radius: 6px; }
legend { padding: 0 4px; font-weight: 600; font-size: 0.85rem; color: var(--muted); }
fieldset label, label.sup { white-space: nowrap; }
.n { color: var(--muted); font-size: 0.85rem; }
.shown { margin: 2px 0 6px; color: var(--muted); font-size: 0.9rem; }
.empty { padding: 12px; color: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
#findings > thead th { position: sticky; top: 0; z-index: 1; background: var(--soft); text-align: left; font-weight: 600; border-bottom: 2px solid var(--line); padding: 0; white-space: nowrap; }
#findings > thead th button { all: unset; box-sizing: border-box; display: block; width: 100%; padding: 7px 8px; cursor: pointer; }
#findings > thead th button:hover { background: #eaeef2; }
#findings > thead th button:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
#findings > thead th .arrow { display: inline-block; width: 1em; margin-left: 4px; color: var(--muted); }
#findings > thead th[aria-sort=ascending] .arrow::after { content: "▲"; font-size: 0.7em; }
#findings > thead th[aria-sort=descending] .arrow::after { content: "▼"; font-size: 0.7em; }
#findings > tbody > tr.finding > td { padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
#findings > tbody > tr.finding { cursor: pointer; }
#findings > tbody > tr.finding:hover { background: #f3f7fd; }
#findings > tbody > tr.finding.open { background: #eef4fd; }
#findings > tbody > tr.finding.suppressed > td { color: var(--muted); }
#findings td.msg { min-width: 320px; }
#findings td.who code, #findings td.rule code { white-space: nowrap; }
.c-toggle { width: 34px; }
button.toggle { font: inherit; border: 1px solid transparent; background: none; cursor: pointer; padding: 0 6px; border-radius: 4px; color: var(--muted); }
button.toggle:hover { border-color: var(--line); }
button.toggle span { display: inline-block; transition: transform 0.1s; }
button.toggle[aria-expanded=true] span { transform: rotate(90deg); }
.sev { display: inline-block; min-width: 64px; text-align: center; padding: 0 8px; border-radius: 10px; font-size: 0.85rem; font-weight: 600; }
.sev.critical { color: var(--crit-fg); background: var(--crit-bg); }
.sev.high { color: var(--high-fg); background: var(--high-bg); }
.sev.medium { color: var(--med-fg); background: var(--med-bg); }
.sev.low { color: var(--low-fg); background: var(--low-bg); }
.badge { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 4px; font-size: 0.78rem; border: 1px solid var(--line); color: var(--muted); }
.badge.new { border-color: #b3261e; color: #b3261e; }
tr.detail > td { padding: 0 0 0 34px; border-bottom: 2px solid var(--line); background: #fbfcfe; }
.details { padding: 8px 12px 16px; }
.details p.message { margin: 6px 0 10px; font-weight: 500; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; font-size: 0.9rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
figure.route { margin: 8px 0 4px; padding: 8px; border: 1px solid var(--line); border-radius: 8px; background: var(--bg); overflow-x: auto; }
figure.route svg { display: block; max-width: 100%; height: auto; }
figure.route figcaption { font-size: 0.85rem; color: var(--muted); margin-top: 4px; }
svg .box rect { stroke-width: 1.5; }
svg .box.principal rect { fill: #e8f0fe; stroke: #1a56db; }
svg .box.role rect { fill: #f3f4f6; stroke: #4b5563; }
svg .box.hub rect { fill: #f8fafc; stroke: #94a3b8; }
svg .box.holder rect { fill: #fde8e8; stroke: #c81e1e; }
svg .box.rights rect { fill: #fff7ed; stroke: #c2410c; }
svg .box .cap { font: 600 10px system-ui, sans-serif; fill: #59636e; text-transform: uppercase; letter-spacing: 0.05em; }
svg .box .name { font: 12px ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; fill: #1f2328; }
svg .box.rights .name { font-size: 11px; }
svg .edge line { stroke: #374151; stroke-width: 1.6; }
svg .edge.conditional line { stroke-dasharray: 6 4; }
svg .edge.grants line { stroke: #c2410c; stroke-width: 2.2; }
svg .edge .lbl { font: 600 11px system-ui, sans-serif; fill: #1f2328; }
svg .edge .sub { font: 11px ui-monospace, "DejaVu Sans Mono", monospace; fill: #374151; }
svg .edge .cond { font: italic 10px system-ui, sans-serif; fill: #b45309; }
ol.hops { margin: 4px 0 6px; padding-left: 22px; font-size: 0.85rem; color: var(--fg); }
ol.hops li { margin: 2px 0; overflow-wrap: anywhere; }
table.excess { font-size: 0.88rem; margin-top: 4px; }
table.excess th, table.excess td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
table.excess th { background: var(--soft); }
table.excess td.num, table.excess td.who code { text-align: right; white-space: nowrap; }
table.excess details summary { cursor: pointer; color: var(--accent); }
table.excess ul { margin: 4px 0; padding-left: 18px; }
.note { color: var(--muted); font-size: 0.85rem; }
"#;

const SCRIPT: &str = r#"
(() => {
  'use strict';
  const report = JSON.parse(document.getElementById('report').textContent);
  const SVG_NS = document.getElementById('svg-ns').namespaceURI;
  const SEVERITIES = ['critical', 'high', 'medium', 'low'];
  const RANK = { critical: 4, high: 3, medium: 2, low: 1 };
  const $ = (id) => document.getElementById(id);

  // Elements with text children only: strings become text nodes, never markup.
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    setAttrs(e, attrs);
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  }
  function sv(tag, attrs, ...kids) {
    const e = document.createElementNS(SVG_NS, tag);
    setAttrs(e, attrs);
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  }
  function setAttrs(e, attrs) {
    if (!attrs) return;
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') e.textContent = String(v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
  }
  const code = (s) => el('code', { text: s });
  // arn:aws:iam::111122223333:role/x -> role/x; anything else as is
  function short(arn) {
    if (typeof arn !== 'string') return '';
    if (!arn.startsWith('arn:')) return arn;
    const rest = arn.split(':').slice(5).join(':');
    return rest || arn;
  }
  // keep the (more telling) end of a long name
  const fit = (s, n) => (s.length <= n ? s : '…' + s.slice(s.length - n + 1));
  const plural = (n, one, many) => n + ' ' + (n === 1 ? one : many);
  function statement(s) {
    return short(s.policy) + ' statement ' + s.index + (s.sid ? ' (Sid ' + s.sid + ')' : '');
  }
  const unique = (xs) => [...new Set(xs)];
  // `code` spans of the analysis' messages as <code>, the rest as text
  function rich(text) {
    const frag = document.createDocumentFragment();
    String(text).split('`').forEach((part, i) => {
      if (part) frag.append(i % 2 ? code(part) : part);
    });
    return frag;
  }
  // a node's name in at most two lines of n characters, broken after a space or `/`
  function lines2(s, n) {
    if (s.length <= n) return [s];
    let cut = -1;
    for (let i = Math.min(n, s.length - 1); i > 0; i--) {
      if (s[i - 1] === ' ' || s[i - 1] === '/') { cut = i; break; }
    }
    if (cut <= 0) cut = n;
    return [s.slice(0, cut).trimEnd(), fit(s.slice(cut), n)];
  }
  function display(name) {
    if (/^arn:[^:]*:iam::[^:]*:root$/.test(name)) return ['account root', 'roles trusting it'];
    return lines2(short(name), 24);
  }
  function hopWhat(h) {
    return h.kind === 'assume'
      ? 'assume (' + (h.action || 'sts:AssumeRole') + ')'
      : 'escalation path ' + (h.escalation_path || '?') + (h.escalation_name ? ' (' + h.escalation_name + ')' : '');
  }
  function hopText(h) {
    let t = short(h.from) + ' → ' + short(h.to) + ': ' + hopWhat(h);
    if (h.condition_keys.length) t += '; only if ' + h.condition_keys.join(', ');
    if (h.inconclusive) t += '; inconclusive: ' + h.inconclusive;
    if (h.statements.length) t += '; allowed by ' + unique(h.statements.map(statement)).join(', ');
    return t;
  }
  const principals = new Map(report.principals.map((p) => [p.arn, p]));

  // ---- header and summary ----
  const accounts = report.account_ids.length ? report.account_ids.join(', ') : 'not stated';
  $('account').textContent = accounts;
  $('generated').textContent = report.generated_at.replace('T', ' ').replace('Z', ' UTC');
  $('tool').textContent = report.tool.name + ' ' + report.tool.version;
  $('catalog').textContent = report.tool.catalog_version + ' (' + String(report.tool.catalog_date).slice(0, 10) + ')';
  if (report.partial) {
    $('partial').hidden = false;
    for (const e of report.errors) {
      $('errors').append(el('li', null, code(e.api), ' on ', code(e.target), ' failed (' + e.kind + '): needs ', code(e.permission)));
    }
    if (!report.errors.length) {
      $('errors').append(el('li', { text: 'The snapshot is truncated (IsTruncated): fetch it again with every page.' }));
    }
  }
  if (report.warnings.length) {
    const w = $('warnings');
    w.hidden = false;
    w.querySelector('summary').textContent = plural(report.warnings.length, 'warning', 'warnings') + ' from the analysis';
    for (const t of report.warnings) w.querySelector('ul').append(el('li', { text: t }));
  }
  const s = report.summary;
  const card = (n, label, cls) => el('li', { class: cls }, el('span', { class: 'num', text: n }), el('span', { class: 'lbl', text: label }));
  $('summary').append(
    card(s.principals, 'principals'),
    card(s.findings, 'findings'),
    ...SEVERITIES.map((v) => card(s.by_severity[v], v, 'sev-' + v)),
    card(s.suppressed, 'suppressed'),
  );
  if (report.drift) {
    $('summary').append(card(report.drift.new.length, 'new since baseline'), card(report.drift.resolved.length, 'resolved'));
  }

  // ---- the drawing of one route ----
  let drawings = 0;
  const BW = 190, GAP = 124, RW = 300, PAD = 6;
  function nodeKind(name, i, last, hasRights) {
    if (i === 0) return 'principal';
    if (!name.startsWith('arn:') || /:root$/.test(name)) return 'hub';
    return i === last && hasRights ? 'holder' : 'role';
  }
  const CAPTION = { principal: 'principal', hub: 'hub', role: 'role', holder: 'holds the rights' };
  function box(x, y, w, h, kind, cap, lines, full) {
    const g = sv('g', { class: 'box ' + kind });
    g.append(sv('title', { text: full }));
    g.append(sv('rect', { x, y, width: w, height: h, rx: 7 }));
    g.append(sv('text', { class: 'cap', x: x + 9, y: y + 16, text: cap }));
    lines.forEach((t, i) => g.append(sv('text', { class: 'name', x: x + 9, y: y + 34 + i * 15, text: t })));
    return g;
  }
  function edge(id, x1, x2, y, cls, label, sub, cond, full) {
    const g = sv('g', { class: 'edge ' + cls });
    g.append(sv('title', { text: full }));
    g.append(sv('line', { x1: x1 + 2, y1: y, x2: x2 - 3, y2: y, 'marker-end': 'url(#' + id + ')' }));
    const mid = (x1 + x2) / 2;
    g.append(sv('text', { class: 'lbl', x: mid, y: y - (sub ? 20 : 7), 'text-anchor': 'middle', text: label }));
    if (sub) g.append(sv('text', { class: 'sub', x: mid, y: y - 7, 'text-anchor': 'middle', text: fit(sub, 18) }));
    if (cond) g.append(sv('text', { class: 'cond', x: mid, y: y + 16, 'text-anchor': 'middle', text: fit(cond, 23) }));
    return g;
  }
  function drawing(f, route, n, total) {
    const id = 'route-' + (++drawings);
    const nodes = route.hops.length ? [route.hops[0].from, ...route.hops.map((h) => h.to)] : [f.principal];
    const groups = route.groups;
    const cut = (t, n) => (t.length <= n ? t : t.slice(0, n - 1) + '…');
    const rightsLines = groups.slice(0, 4).map((g) => cut(g.service + ' · ' + g.access_level + ' (' + g.count + ')', 42));
    if (groups.length > 4) rightsLines.push('+ ' + plural(groups.length - 4, 'more group', 'more groups'));
    const RH = groups.length ? 28 + rightsLines.length * 15 : 0;
    const names = nodes.map(display);
    const BH = names.some((l) => l.length > 1) ? 69 : 54;
    const H = Math.max(BH, RH) + 2 * PAD;
    const cy = H / 2;
    const W = PAD * 2 + nodes.length * BW + (nodes.length - 1) * GAP + (groups.length ? GAP + RW : 0);
    const svg = sv('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-labelledby': id + '-cap' });
    const marker = (mid, color) => sv('marker', { id: mid, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      sv('path', { d: 'M0,0 L10,5 L0,10 z', fill: color }));
    svg.append(sv('defs', null, marker(id + '-a', '#374151'), marker(id + '-g', '#c2410c')));
    let x = PAD;
    nodes.forEach((name, i) => {
      const kind = nodeKind(name, i, nodes.length - 1, groups.length > 0);
      svg.append(box(x, cy - BH / 2, BW, BH, kind, CAPTION[kind], names[i], name));
      if (i < route.hops.length) {
        const h = route.hops[i];
        const cond = h.conditional ? (h.condition_keys.length ? 'if ' + h.condition_keys.join(', ') : 'conditional') : null;
        svg.append(edge(id + '-a', x + BW, x + BW + GAP, cy, h.conditional ? 'conditional' : 'plain',
          h.kind === 'assume' ? 'assume' : 'escalation', h.kind === 'assume' ? h.action || 'sts:AssumeRole' : h.escalation_path,
          cond, hopText(h)));
      }
      x += BW + GAP;
    });
    if (groups.length) {
      const conditional = groups.some((g) => g.actions.some((a) => a.conditional));
      const direct = route.hops.length === 0;
      svg.append(edge(id + '-g', x - GAP, x, cy, 'grants' + (conditional ? ' conditional' : ''), direct ? 'holds directly' : 'grants',
        null, conditional ? 'some only conditionally' : null,
        plural(groups.length, 'excess group', 'excess groups') + (direct ? ' held by the principal itself' : ' held by ' + short(nodes[nodes.length - 1]))));
      const all = groups.map((g) => g.service + ' ' + g.access_level + ' (' + g.count + ')').join('\n');
      svg.append(box(x, cy - RH / 2, RW, RH, 'rights', 'excess rights', rightsLines, all));
    }
    const captionText = (total > 1 ? 'Route ' + n + ' of ' + total + ': ' : 'Route: ') + nodes.map(short).join(' → ') +
      (groups.length ? ' ⇒ ' + plural(groups.length, 'excess group', 'excess groups') : '') +
      (route.hops.some((h) => h.conditional) ? ' (dashed: only under conditions)' : '');
    const fig = el('figure', { class: 'route' }, svg, el('figcaption', { id: id + '-cap', text: captionText }));
    const frag = document.createDocumentFragment();
    frag.append(fig);
    if (route.hops.length) frag.append(el('ol', { class: 'hops', 'aria-label': 'Hops of route ' + n }, ...route.hops.map((h) => el('li', { text: hopText(h) }))));
    return frag;
  }
  // the finding's own path, and each excess group's `via`, without repeats
  function routes(f) {
    const map = new Map();
    const key = (hops) => hops.map((h) => [h.from, h.to, h.kind, h.action, h.escalation_path, h.conditional].join('\u0000')).join('\u0001');
    const add = (hops, group) => {
      const k = key(hops);
      let r = map.get(k);
      if (!r) { r = { hops, groups: [] }; map.set(k, r); }
      if (group) r.groups.push(group);
    };
    if (f.path.length) add(f.path, null);
    for (const g of f.excess) add(g.via, g);
    return [...map.values()].filter((r) => r.hops.length || r.groups.length);
  }

  // ---- the details of one finding ----
  function details(f) {
    const d = el('div', { class: 'details' });
    d.append(el('p', { class: 'message' }, rich(f.message)));
    const dl = el('dl', { class: 'facts' });
    const fact = (k, ...v) => dl.append(el('dt', { text: k }), el('dd', null, ...v));
    const p = principals.get(f.principal);
    fact('Finding', code(f.id));
    fact('Rule', code(f.rule));
    fact('Severity', f.severity + ', confidence ' + f.confidence);
    fact('Principal', code(f.principal));
    fact('Kind', f.principal_kind + (p && p.kind_source ? ' — ' + p.kind_source : ''));
    fact('Declared role', f.declared_role === null ? 'none' : f.declared_role, p && p.declared_role_source ? ' — from ' + p.declared_role_source : '');
    if (f.status) fact('Since baseline', f.status);
    if (f.suppression) fact('Suppressed', f.suppression.reason + ' (until ' + f.suppression.expires + (f.suppression.expired ? ', expired' : '') + ')');
    d.append(dl);
    const rs = routes(f);
    if (rs.length) {
      d.append(el('h3', { text: rs.length > 1 ? 'Paths to the excess rights' : 'Path to the excess rights' }));
      rs.forEach((r, i) => d.append(drawing(f, r, i + 1, rs.length)));
    }
    if (f.excess.length) {
      d.append(el('h3', { text: 'Excess rights' }));
      const t = el('table', { class: 'excess' });
      t.append(el('thead', null, el('tr', null, ...['Service', 'Access level', 'Actions', 'Held by', 'Listed actions'].map((h) => el('th', { scope: 'col', text: h })))));
      const tb = el('tbody');
      for (const g of f.excess) {
        const list = el('ul');
        for (const a of g.actions) {
          list.append(el('li', null, code(a.action), a.resources.length ? ' on ' + a.resources.join(', ') : '', a.conditional ? ' (conditional)' : '', ' — ' + statement(a.statement)));
        }
        const first = g.actions.slice(0, 3).map((a) => a.action).join(', ') + (g.count > 3 ? ', …' : '');
        tb.append(el('tr', null,
          el('td', null, code(g.service)),
          el('td', { text: g.access_level }),
          el('td', { class: 'num', text: g.count + (g.truncated ? ' (' + g.actions.length + ' listed)' : '') }),
          el('td', { class: 'who', title: g.holder }, code(g.holder === f.principal ? 'itself' : short(g.holder))),
          el('td', null, el('details', null, el('summary', { text: first }), list))));
      }
      t.append(tb);
      d.append(el('div', { class: 'scroll' }, t));
      if (f.excess_groups_omitted) d.append(el('p', { class: 'note', text: plural(f.excess_groups_omitted, 'more excess group', 'more excess groups') + ' not listed in the report.' }));
    }
    return d;
  }

  // ---- the findings table ----
  const tbody = $('rows');
  const rows = report.findings.map((f, i) => {
    const r = { f, i, open: false, detail: null };
    const btn = el('button', { type: 'button', class: 'toggle', 'aria-expanded': 'false', 'aria-controls': 'details-' + i, 'aria-label': 'Details of finding ' + f.id },
      el('span', { 'aria-hidden': 'true', text: '▸' }));
    const msg = el('td', { class: 'msg' }, rich(f.message));
    if (f.suppressed) msg.append(el('span', { class: 'badge', text: 'suppressed' }));
    if (f.status === 'new') msg.append(el('span', { class: 'badge new', text: 'new' }));
    r.btn = btn;
    r.tr = el('tr', { class: 'finding' + (f.suppressed ? ' suppressed' : ''), 'data-id': f.id, 'data-severity': f.severity },
      el('td', null, btn),
      el('td', null, el('span', { class: 'sev ' + f.severity, text: f.severity })),
      el('td', { class: 'who', title: f.principal }, code(short(f.principal))),
      el('td', { text: f.principal_kind }),
      el('td', { text: f.declared_role === null ? '—' : f.declared_role }),
      el('td', { class: 'rule' }, code(f.rule)),
      msg);
    r.tr.addEventListener('click', (e) => {
      if (e.target.closest('a, input, summary, details')) return;
      toggle(r);
    });
    tbody.append(r.tr);
    return r;
  });
  function toggle(r, open) {
    r.open = open === undefined ? !r.open : open;
    if (r.open && !r.detail) {
      r.detail = el('tr', { class: 'detail', id: 'details-' + r.i }, el('td', { colspan: 7 }, details(r.f)));
      r.tr.after(r.detail);
    }
    if (r.detail) r.detail.hidden = !r.open || r.tr.hidden;
    r.btn.setAttribute('aria-expanded', String(r.open));
    r.tr.classList.toggle('open', r.open);
  }
  for (const v of SEVERITIES) {
    $('sev-' + v).parentElement.querySelector('.n').textContent = '(' + report.findings.filter((f) => f.severity === v).length + ')';
  }
  $('show-suppressed').parentElement.querySelector('.n').textContent = '(' + report.findings.filter((f) => f.suppressed).length + ')';

  let sort = { key: 'severity', dir: -1 };
  const KEYS = {
    severity: (f) => RANK[f.severity] || 0,
    principal: (f) => f.principal,
    kind: (f) => f.principal_kind,
    role: (f) => f.declared_role || '',
    rule: (f) => f.rule,
    message: (f) => f.message,
  };
  function applySort() {
    const get = KEYS[sort.key];
    const ordered = rows.slice().sort((a, b) => {
      const x = get(a.f), y = get(b.f);
      const c = typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
      return c * sort.dir || a.i - b.i;
    });
    for (const r of ordered) {
      tbody.append(r.tr);
      if (r.detail) tbody.append(r.detail);
    }
    for (const th of document.querySelectorAll('#findings > thead th[aria-sort]')) {
      const k = th.querySelector('button').dataset.key;
      th.setAttribute('aria-sort', k === sort.key ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none');
    }
  }
  function applyFilter() {
    const q = $('filter').value.trim().toLowerCase();
    const sev = new Set(SEVERITIES.filter((v) => $('sev-' + v).checked));
    const sup = $('show-suppressed').checked;
    let shown = 0;
    for (const r of rows) {
      const f = r.f;
      const text = !q || [f.principal, f.rule, f.message, f.declared_role || ''].some((t) => t.toLowerCase().includes(q));
      const visible = text && sev.has(f.severity) && (sup || !f.suppressed);
      r.tr.hidden = !visible;
      if (r.detail) r.detail.hidden = !visible || !r.open;
      if (visible) shown++;
    }
    $('shown').textContent = shown === rows.length
      ? 'Showing all ' + plural(rows.length, 'finding', 'findings') + '.'
      : 'Showing ' + shown + ' of ' + plural(rows.length, 'finding', 'findings') + '.';
    $('empty').hidden = shown > 0;
  }
  // state in the URL fragment (or query): filter, severity, suppressed, sort, open
  function readState() {
    const raw = location.hash.length > 1 ? location.hash.slice(1) : location.search.slice(1);
    const p = new URLSearchParams(raw);
    if (p.has('filter')) $('filter').value = p.get('filter');
    if (p.has('severity')) {
      const want = new Set(p.get('severity').split(',').map((v) => v.trim().toLowerCase()));
      for (const v of SEVERITIES) $('sev-' + v).checked = want.has(v);
    }
    if (p.has('suppressed')) $('show-suppressed').checked = !['0', 'false', 'no'].includes(p.get('suppressed'));
    if (p.has('sort')) {
      let k = p.get('sort'), dir = 1;
      if (k.startsWith('-')) { dir = -1; k = k.slice(1); }
      if (KEYS[k]) sort = { key: k, dir };
    }
    applySort();
    applyFilter();
    if (p.has('open')) {
      const r = rows.find((x) => x.f.id === p.get('open'));
      if (r) {
        toggle(r, true);
        r.tr.scrollIntoView({ block: 'start' });
      }
    }
  }
  function writeState() {
    const p = new URLSearchParams();
    const q = $('filter').value;
    if (q) p.set('filter', q);
    const sev = SEVERITIES.filter((v) => $('sev-' + v).checked);
    if (sev.length !== SEVERITIES.length) p.set('severity', sev.join(','));
    if (!$('show-suppressed').checked) p.set('suppressed', '0');
    if (sort.key !== 'severity' || sort.dir !== -1) p.set('sort', (sort.dir < 0 ? '-' : '') + sort.key);
    const h = p.toString();
    try {
      history.replaceState(null, '', h ? '#' + h : location.pathname + location.search);
    } catch (e) {
      // some viewers forbid history changes on file: URLs; the state just is not kept
    }
  }
  for (const b of document.querySelectorAll('#findings > thead th button')) {
    b.addEventListener('click', () => {
      const k = b.dataset.key;
      sort = k === sort.key ? { key: k, dir: -sort.dir } : { key: k, dir: k === 'severity' ? -1 : 1 };
      applySort();
      writeState();
    });
  }
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  $('filters').addEventListener('input', () => { applyFilter(); writeState(); });
  $('filters').addEventListener('change', () => { applyFilter(); writeState(); });
  window.addEventListener('hashchange', readState);
  readState();
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_json_cannot_close_its_script_element() {
        let json = r#"{"m":"</script><script>alert(1)</script><!-- x"}"#;
        let out = embed(json);
        assert!(!out.to_ascii_lowercase().contains("</script"));
        assert!(!out.contains("<!--"));
        let back: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
        assert_eq!(back["m"], "</script><script>alert(1)</script><!-- x");
    }

    #[test]
    fn title_text_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
