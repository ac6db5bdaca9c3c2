// The IT manager's dashboard: tiles with their trend, the desk's, MBN and device charts, each figure naming its
// definition (id@version) and downloadable as CSV. Every figure is the metrics API's answer to the user's token:
// the page computes nothing but sums and ratios of what the API counted (a period's numerators over its denominators).
import { ApiError, attempt, describe, el, report, startPage } from "/static/kit/session.js";
import {
  FORMATS, figureOf as figureOfKind, iso, monthName, monthStart, parse, perPeriod as perPeriodOfKind, presetRange,
  previousOf, ratio, shortDay, sum,
} from "/static/dashboard/figures.js";

const $ = (selector) => document.querySelector(selector);
const message = $("#message");
const PALETTE = ["#0172ad", "#d24317", "#398712", "#c48a00", "#8e44ad", "#5b6b7c"];
const MBN_MEASURES = ["INTN205", "INTN243T", "INTN105"];
const MAX_MBN_YEARS = 25; // one /mbn/results call a year: the public set starts in 2004
let api;
let definitions = new Map(); // id@version -> what the API says the definition is
let used = new Set(); // the definitions the figures shown name, listed at the bottom

// --- figures from the API's series -----------------------------------------------------------------------------
const kpiSeries = (id, from, to, by, group) =>
  api.get("metrics", `/kpis/${id}`, { from: iso(from), to: iso(to), by, group }).then((series) => {
    used.add(series.definition);
    return series;
  });

const kindOf = (series) => definitions.get(series.definition)?.measure;
const figureOf = (series, points) => figureOfKind(kindOf(series), series, points);
const perPeriod = (series, points) => perPeriodOfKind(kindOf(series), series, points);

// --- links: a figure's definition, and its CSV ---------------------------------------------------------------
// Long ids (desk.first-contact-resolution@2) may break after a dot or before the version in a narrow tile.
const definitionLink = (key) => el("a", { href: `#def-${key}`, class: "definition" },
  key.split(/(?<=\.)|(?=@)/).flatMap((part, i) => (i ? [el("wbr"), part] : [part])));
function csvLink(label, path, params, filename, text = "CSV", service = "metrics") {
  return el("a", { href: api.url(service, path, { ...params, format: "csv" }), "data-csv": filename,
    "aria-label": `Download ${label} as CSV`, onclick: (e) => {
      e.preventDefault();
      attempt(() => api.download(service, path, params, filename));
    } }, text);
}
const words = (c) => (c || "all").replace(/_/g, " ");
const money = (v) => new Intl.NumberFormat(undefined, { style: "currency", currency: "CAD" }).format(Number(v));
const kpiCsv = (label, id, from, to, by, group, text) =>
  csvLink(label, `/kpis/${id}`, { from: iso(from), to: iso(to), by, group }, `${id}_${iso(from)}_${iso(to)}.csv`, text);

// --- tiles -----------------------------------------------------------------------------------------------------
const TILES = [
  { kpi: "desk.backlog", label: "Open tickets", format: "count", better: "down", note: "at the period's end" },
  { kpi: "desk.sla-compliance", label: "SLA compliance", format: "percent", better: "up", note: "response and resolution clocks" },
  { kpi: "desk.time-to-resolve", label: "Mean time to resolve", format: "hours", better: "down", note: "business hours" },
  { kpi: "desk.first-contact-resolution", label: "First-contact resolution", format: "percent", better: "up" },
  { kpi: "desk.satisfaction", label: "Satisfaction", format: "score", better: "up" },
  { kpi: "assets.operating-devices", label: "Devices in service", format: "count", note: "at the period's end" },
  { kpi: "training.hours", label: "Training hours", format: "hours", better: "up" },
];

async function tile(spec, [from, to], [before, until]) {
  const [now, then] = await Promise.all([kpiSeries(spec.kpi, from, to, "year"), kpiSeries(spec.kpi, before, until, "year")]);
  const [value, previous] = [figureOf(now), figureOf(then)];
  const format = FORMATS[spec.format];
  return el("article", { class: "tile", "data-kpi": spec.kpi },
    el("span", { class: "muted" }, spec.label),
    el("span", { class: "figure", "data-figure": value ?? "" }, format(value)),
    trend(value, previous, format, spec.better),
    spec.note ? el("small", { class: "muted note" }, spec.note) : null,
    el("footer", {}, definitionLink(now.definition), " · ", kpiCsv(spec.label, spec.kpi, from, to, "month")));
}

function trend(value, previous, format, better) {
  if (value === null || previous === null) return el("span", { class: "trend muted" }, `before: ${format(previous)}`);
  const change = value - previous;
  const arrow = change > 0 ? "▲" : change < 0 ? "▼" : "=";
  // Up is good for compliance, bad for open tickets: the colour says which, the arrow and the words say the rest.
  const good = !better || change === 0 ? "" : (change > 0) === (better === "up") ? "good" : "bad";
  return el("span", { class: `trend ${good}` }, `${arrow} ${format(Math.abs(change))} from ${format(previous)}`);
}

// --- charts ----------------------------------------------------------------------------------------------------
// A chart with its title, definitions, CSV links, the canvas (an image with a summary for screen readers) and the
// same figures as a table beside it.
function chartBox(name, title, { keys = [], rule, downloads = [], summary, config, table }) {
  const canvas = el("canvas", { id: `chart-${name}`, role: "img", "aria-label": summary }, summary);
  const box = el("article", { class: "chart", "data-chart": name },
    el("header", {}, el("h3", {}, title),
      el("small", { class: "chart-links" }, keys.length ? "Definition: " : "",
        ...keys.flatMap((k, i) => [i ? ", " : "", definitionLink(k)]),
        keys.length && downloads.length ? " · " : "", ...downloads.flatMap((d, i) => [i ? ", " : "", d])),
      rule ? el("details", { class: "rule" }, el("summary", {}, "How it is counted"), el("p", { class: "muted" }, rule)) : null),
    el("div", { class: "chart-box" }, canvas),
    el("details", { class: "alternative" }, el("summary", {}, "The figures as a table"),
      el("div", { class: "overflow-auto" }, el("table", { class: "compact" },
        el("thead", {}, el("tr", {}, table.head.map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, table.rows.map((r) => el("tr", {}, r.map((c, i) => (i ? el("td", {}, c) : el("th", { scope: "row" }, c))))))))));
  const options = { responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
    plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }, ...config.options };
  charts.push(() => new Chart(canvas, { ...config, options }));
  return box;
}
let charts = [];

const dataset = (label, data, i, more = {}) => ({ label, data, backgroundColor: PALETTE[i % PALETTE.length],
  borderColor: PALETTE[i % PALETTE.length], ...more });

async function weeklyChart(from, to) {
  const [opened, closed, backlog] = await Promise.all(["desk.tickets-opened", "desk.tickets-closed", "desk.backlog"]
    .map((id) => kpiSeries(id, from, to, "week")));
  const [o, c, b] = [opened, closed, backlog].map((s) => perPeriod(s));
  const labels = o.map(([start]) => start);
  const rows = labels.map((start, i) => [shortDay(start), o[i][1], c[i][1], b[i]?.[1] ?? null].map((v, j) => (j ? FORMATS.count(v) : v)));
  const last = rows.at(-1) || [];
  return chartBox("weekly", "Tickets opened and closed per week, with the backlog", {
    keys: [opened.definition, closed.definition, backlog.definition],
    downloads: [kpiCsv("tickets opened", "desk.tickets-opened", from, to, "week", undefined, "opened CSV"),
      kpiCsv("tickets closed", "desk.tickets-closed", from, to, "week", undefined, "closed CSV"),
      kpiCsv("backlog", "desk.backlog", from, to, "week", undefined, "backlog CSV")],
    summary: `Tickets per week from ${iso(from)} to ${iso(to)}; the last week: ${last[1]} opened, ${last[2]} closed, backlog ${last[3]}.`,
    table: { head: ["Week of", "Opened", "Closed", "Backlog at its end"], rows },
    config: { type: "bar", data: { labels: labels.map(shortDay), datasets: [
      dataset("Opened", o.map(([, v]) => v), 0), dataset("Closed", c.map(([, v]) => v), 2),
      dataset("Backlog", b.map(([, v]) => v), 1, { type: "line", tension: 0.2, pointRadius: 2 }),
    ] }, options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } },
  });
}

async function slaChart(from, to) {
  const series = await kpiSeries("desk.sla-compliance", from, to, "month", "priority");
  const months = [...new Set(series.points.map((p) => p.period_start))].sort();
  const priorities = [...new Set(series.points.map((p) => p.member))].sort();
  const of = (member, month) => series.points.filter((p) => p.member === member && p.period_start === month);
  const rows = months.flatMap((m) => priorities.map((p) => {
    const points = of(p, m);
    return [monthName(m), p, FORMATS.count(sum(points.map((x) => x.numerator))), FORMATS.count(sum(points.map((x) => x.denominator))), FORMATS.percent(ratio(series, points))];
  })).filter((r) => r[3] !== "0");
  return chartBox("sla", "SLA compliance per priority per month", {
    keys: [series.definition], downloads: [kpiCsv("SLA compliance per priority", "desk.sla-compliance", from, to, "month", "priority")],
    summary: `Share of SLA clocks met, per priority and month, ${iso(from)} to ${iso(to)}: ${rows.map((r) => `${r[0]} ${r[1]} ${r[4]}`).join("; ") || "no clock stopped"}.`,
    table: { head: ["Month", "Priority", "Clocks met", "Clocks stopped", "Compliance"], rows },
    config: { type: "bar", data: { labels: months.map(monthName), datasets: priorities.map((p, i) =>
      dataset(p || "all", months.map((m) => ratio(series, of(p, m))), i)) },
    options: { scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v} %` } } } } },
  });
}

async function devicesChart(from, to) {
  const series = await kpiSeries("assets.devices", from, to, "month");
  const months = [...new Set(series.points.map((p) => p.period_start))].sort();
  const classes = [...new Set(series.points.map((p) => p.part))].sort();
  const at = (c, m) => series.points.find((p) => p.part === c && p.period_start === m)?.value ?? 0;
  const rows = months.map((m) => [monthName(m), ...classes.map((c) => FORMATS.count(at(c, m)))]);
  const last = months.at(-1);
  return chartBox("devices", "Devices per MBN class", {
    keys: [series.definition], downloads: [kpiCsv("devices per MBN class", "assets.devices", from, to, "month")],
    summary: `Devices the city owns per MBN class at each month's end; at ${last ? monthName(last) : "the end"}: ${classes.map((c) => `${words(c)} ${at(c, last)}`).join(", ")}.`,
    table: { head: ["Month's end", ...classes.map(words)], rows },
    config: { type: "bar", data: { labels: months.map(monthName), datasets: classes.map((c, i) => dataset(words(c), months.map((m) => at(c, m)), i)) },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } } },
  });
}

// --- MBN: the city against its tier, and the amortization --------------------------------------------------
async function mbnCharts(toYear, tier) {
  const benchmarks = await Promise.all(MBN_MEASURES.map((measure) => api.get("metrics", "/mbn/benchmark", { measure, tier })));
  const benchYears = benchmarks.flatMap((b) => b.tiers.map((t) => t.fiscal_year));
  const first = Math.max(Math.min(toYear, ...benchYears), toYear - MAX_MBN_YEARS + 1);
  const years = Array.from({ length: toYear - first + 1 }, (_, i) => first + i);
  const results = await Promise.all(years.map((fiscal_year) => api.get("metrics", "/mbn/results", { fiscal_year })));
  const own = (measure) => results.map((r) => r.measures.find((m) => m.measure === measure));
  const municipalities = new Set(benchmarks.flatMap((b) => b.results.map((r) => r.municipality)));
  $("#mbn-note").textContent = `The city's tier is not stored: choose it above (now ${tier} tier). The public set holds`
    + ` ${municipalities.size} municipalities${benchYears.length ? `, ${Math.min(...benchYears)}–${Math.max(...benchYears)}` : ""}.`;
  const boxes = MBN_MEASURES.map((measure, i) => tierChart(measure, years, own(measure), benchmarks[i], tier));
  const yearly = await api.get("metrics", "/mbn/amortization", { to_year: toYear });
  const definition = own("INTN243T").find(Boolean)?.definition || "INTN243T@2018";
  return [...boxes, amortizationChart(yearly, definition)];
}

function tierChart(measure, years, own, bench, tier) {
  const figures = years.map((y) => bench.tiers.find((t) => t.fiscal_year === y && t.tier === tier));
  const city = own.map((m) => (m?.value == null ? null : Number(m.value)));
  const pick = (k) => figures.map((f) => (f ? Number(f[k]) : null));
  const keys = [...new Set([...own.filter((m) => m?.value != null).map((m) => m.definition), ...bench.results.map((r) => r.definition)])].sort();
  keys.forEach((k) => used.add(k));
  const name = own.find(Boolean)?.name || measure;
  const rows = years.map((y, i) => [String(y), city[i] ?? "—", ...["median", "minimum", "maximum"].map((k) => figures[i]?.[k] ?? "—"), figures[i]?.count ?? 0])
    .filter((r) => r[1] !== "—" || r[5]);
  // Every year on the axis, so that the years without a figure show as a gap, not as a steep line.
  const first = years.findIndex((y, i) => city[i] !== null || figures[i]);
  const shown = years.slice(Math.max(first, 0)).map(String);
  const at = (list) => list.slice(Math.max(first, 0));
  const latest = rows.filter((r) => r[1] !== "—").at(-1);
  return chartBox(`mbn-${measure}`, `${measure}: ${name}`, {
    keys, downloads: [csvLink(`the public set of ${measure}`, "/mbn/benchmark", { measure }, `mbn-benchmark-${measure}.csv`)],
    summary: `${measure} for the city against the median, minimum and maximum of the ${tier} tier, per fiscal year;`
      + ` ${latest ? `the city's latest, ${latest[0]}: ${latest[1]}` : "the city has no result yet"}.`,
    table: { head: ["Fiscal year", "City", `${tier} tier median`, "minimum", "maximum", "municipalities"], rows },
    config: { type: "line", data: { labels: shown, datasets: [
      dataset("City", at(city), 1, { borderWidth: 3, pointRadius: 4 }),
      dataset("Tier median", at(pick("median")), 0, { borderDash: [6, 3], pointRadius: 0 }),
      dataset("Tier minimum", at(pick("minimum")), 5, { pointRadius: 0, borderWidth: 1 }),
      dataset("Tier maximum", at(pick("maximum")), 5, { pointRadius: 0, borderWidth: 1, fill: "-1", backgroundColor: "rgba(91,107,124,0.12)" }),
    ] }, options: { scales: { y: { beginAtZero: true } } } },
  });
}

// The amortization of the city's devices per fiscal year, from the assets events (INTN243T's amortization part).
function amortizationChart(yearly, definition) {
  const rows = yearly.years.map((y) => [String(y.fiscal_year), y.amount, y.devices]);
  used.add(definition);
  return chartBox("amortization", "Amortization of IT capital assets per year", {
    keys: [definition], downloads: [csvLink("the amortization per year", "/mbn/amortization", {}, "amortization.csv")],
    summary: rows.length ? `Amortization per fiscal year: ${rows.map(([y, v]) => `${y} ${money(v)}`).join(", ")}.`
      : "No device has been amortized yet.",
    table: { head: ["Fiscal year", "Amortization", "Devices"], rows: rows.map(([y, v, n]) => [y, money(v), n]) },
    config: { type: "bar", data: { labels: rows.map(([y]) => y), datasets: [dataset("Amortization (CAD)", rows.map(([, v]) => Number(v)), 3, { maxBarThickness: 64 })] },
      options: { scales: { y: { beginAtZero: true } } } },
  });
}

// The devices falling due for replacement in the fiscal year, per month, at today's prices: assets' refresh plan,
// which managers and auditors read (a reporting account's box says the API refused it).
async function refreshChart(year) {
  const plan = await api.get("assets", "/refresh-plan", { fiscal_year: year, limit: 0 });
  const kinds = plan.groups.map((g) => `${g.devices} ${words(g.kind)}`).join(", ");
  return chartBox("refresh", `Devices due for refresh in fiscal ${year}`, {
    rule: plan.rule,
    downloads: [csvLink(`the devices due for refresh in ${year}`, "/refresh-plan", { fiscal_year: year },
      `refresh-plan-${year}.csv`, "The devices due (CSV)", "assets")],
    summary: `${plan.devices} devices fall due in fiscal ${year}${kinds ? ` (${kinds})` : ""}, ${money(plan.total)} to`
      + ` replace at today's prices${plan.overdue ? `; ${plan.overdue} in service are already past due` : ""}.`,
    table: { head: ["Month", "Replacement cost"], rows: plan.months.map((m) => [m.month, money(m.cost)]) },
    config: { type: "bar", data: { labels: plan.months.map((m) => m.month), datasets: [dataset("Replacement cost (CAD)",
      plan.months.map((m) => Number(m.cost)), 2, { maxBarThickness: 48 })] }, options: { scales: { y: { beginAtZero: true } } } },
  });
}

// --- definitions ---------------------------------------------------------------------------------------------
async function loadDefinitions() {
  const [kpis, mbn] = await Promise.all([api.get("metrics", "/kpis"), api.get("metrics", "/mbn/definitions")]);
  definitions = new Map([
    ...kpis.kpis.map((k) => [k.definition, { ...k, lines: [k.text, `How: ${k.computed}`, `Unit: ${k.unit}`] }]),
    ...mbn.measures.map((m) => [m.id, { ...m, lines: [`Numerator: ${m.numerator.text}`, m.denominator ? `Denominator: ${m.denominator.text}` : null,
      `Unit: ${m.unit}; fiscal years ${m.first_year}–${m.last_year ?? "today"}`].filter(Boolean) }]),
  ]);
}

function listDefinitions() {
  $("#definitions").replaceChildren(...[...used].sort().flatMap((key) => {
    const d = definitions.get(key);
    return d ? [el("dt", { id: `def-${key}` }, el("code", {}, key), " ", d.name),
      el("dd", {}, d.lines.map((line) => el("p", { class: "muted" }, line)))] : [];
  }));
}

// --- the page --------------------------------------------------------------------------------------------------
// A chart that cannot be drawn says why in its own place; the others still show.
const drawn = (promise, title) => promise.catch((error) => [el("article", { class: "chart" }, el("h3", {}, title),
  el("p", { role: "alert" }, describe(error)))]);

function filtersFromUrl() {
  const query = new URLSearchParams(location.search);
  const form = $("#filters");
  const preset = query.get("preset") || (query.get("from") ? "custom" : "this-month");
  const [from, to] = presetRange(preset);
  form.preset.value = preset;
  form.from.value = query.get("from") || iso(from);
  form.to.value = query.get("to") || iso(to);
  form.tier.value = query.get("tier") === "upper" ? "upper" : "single";
}

async function render() {
  delete document.body.dataset.ready;
  const form = $("#filters");
  const [from, to] = [parse(form.from.value), parse(form.to.value)];
  const previous = previousOf(from, to);
  // Trends over time need more than a month: the charts show the 12 months up to the period's end, or the period.
  const chartFrom = new Date(Math.min(from, monthStart(to, -11)));
  used = new Set();
  document.querySelectorAll("canvas").forEach((c) => Chart.getChart(c)?.destroy());
  charts = [];
  $("#period-note").textContent = `Tiles: ${iso(from)} to ${iso(to)}, trend against ${iso(previous[0])} to ${iso(previous[1])}.`
    + ` Charts over time: ${iso(chartFrom)} to ${iso(to)}.`;
  const [tiles, desk, mbn, assets] = await Promise.all([
    Promise.all(TILES.map((spec) => tile(spec, [from, to], previous).catch((error) =>
      el("article", { class: "tile" }, el("span", { class: "muted" }, spec.label), el("p", { role: "alert" }, describe(error)))))),
    Promise.all([drawn(weeklyChart(chartFrom, to).then((b) => [b]), "Tickets per week"), drawn(slaChart(chartFrom, to).then((b) => [b]), "SLA compliance")]),
    drawn(mbnCharts(to.getFullYear(), form.tier.value), "MBNCanada"),
    Promise.all([drawn(devicesChart(chartFrom, to).then((b) => [b]), "Devices per MBN class"),
      api.has("assets") ? drawn(refreshChart(to.getFullYear()).then((b) => [b]), "Devices due for refresh") : []]),
  ]);
  $("#tiles").replaceChildren(...tiles);
  $("#desk-charts").replaceChildren(...desk.flat());
  $("#mbn-charts").replaceChildren(...mbn.filter((b) => b.dataset.chart !== "amortization"));
  $("#asset-charts").replaceChildren(...assets.flat(), ...mbn.filter((b) => b.dataset.chart === "amortization"));
  charts.forEach((make) => make());
  listDefinitions();
  document.body.dataset.ready = "true";
}

function wireFilters() {
  const form = $("#filters");
  form.preset.addEventListener("change", () => {
    if (form.preset.value === "custom") return;
    const [from, to] = presetRange(form.preset.value);
    [form.from.value, form.to.value] = [iso(from), iso(to)];
  });
  for (const input of [form.from, form.to]) input.addEventListener("input", () => { form.preset.value = "custom"; });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (form.to.value < form.from.value) return report(message, { message: "The period ends before it starts." });
    const query = new URLSearchParams({ preset: form.preset.value, from: form.from.value, to: form.to.value, tier: form.tier.value });
    history.replaceState(null, "", `${location.pathname}?${query}`);
    attempt(render);
  });
}

// Staff (or anyone the metrics API refuses) see why, and no figure: the API decides, the page only says so.
function refuse(claims) {
  $("#refused-who").textContent = `You are signed in as ${claims.sub} (${claims.roles.join(", ") || "no role"}).`;
  $("#refused").hidden = false;
}

startPage("dashboard", async (client, claims) => {
  api = client;
  try {
    await loadDefinitions();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 403)) throw error;
    refuse(claims);
    return;
  }
  filtersFromUrl();
  wireFilters();
  $("#dashboard").hidden = false;
  await attempt(render);
});
