// The dashboard's arithmetic, with no I/O: local calendar days (as the KPIs count them), the periods the filters
// choose, and one figure per period from the points the metrics API answered.

// --- dates: local calendar days, as the KPIs count them ----------------------------------------------------
const pad = (n) => String(n).padStart(2, "0");
export const iso = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
export const parse = (s) => { const [y, m, d] = s.split("-").map(Number); return new Date(y, m - 1, d); };
export const addDays = (d, n) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
export const monthStart = (d, shift = 0) => new Date(d.getFullYear(), d.getMonth() + shift, 1);
export const monthEnd = (d, shift = 0) => new Date(d.getFullYear(), d.getMonth() + shift + 1, 0);
export const shortDay = (s) => parse(s).toLocaleDateString(undefined, { month: "short", day: "numeric" });
export const monthName = (s) => parse(s).toLocaleDateString(undefined, { month: "short", year: "numeric" });

export function presetRange(preset, today = new Date()) {
  const quarter = Math.floor(today.getMonth() / 3) * 3;
  return {
    "last-month": [monthStart(today, -1), monthEnd(today, -1)],
    "this-quarter": [new Date(today.getFullYear(), quarter, 1), new Date(today.getFullYear(), quarter + 3, 0)],
    "this-year": [new Date(today.getFullYear(), 0, 1), new Date(today.getFullYear(), 11, 31)],
    "last-12-months": [monthStart(today, -11), monthEnd(today)],
  }[preset] || [monthStart(today), monthEnd(today)];
}

// The trend compares with the period just before: as many whole months when the period is whole months (October
// for November, not its last 30 days), else as many days.
export function previousOf(from, to) {
  if (from.getDate() === 1 && addDays(to, 1).getDate() === 1) {
    const months = (to.getFullYear() - from.getFullYear()) * 12 + to.getMonth() - from.getMonth() + 1;
    return [monthStart(from, -months), addDays(from, -1)];
  }
  const days = Math.round((to - from) / 86_400_000) + 1;
  return [addDays(from, -days), addDays(from, -1)];
}

// --- figures from the API's series -----------------------------------------------------------------------------
export const sum = (values) => values.reduce((a, b) => a + (b || 0), 0);
// One figure for a whole period, from the points the API counted in it: flows add up, means are the numerators over
// the denominators (so a period across two years weighs both right), stocks are as at the period's last day.
export function figureOf(kind, series, points = series.points) {
  if (kind === "stock" || kind === "stock_mean") {
    const last = points.reduce((latest, p) => (p.period_end > latest ? p.period_end : latest), "");
    const at = points.filter((p) => p.period_end === last);
    return kind === "stock" ? sum(at.map((p) => p.value)) : ratio(series, at);
  }
  return kind === "sum" ? sum(points.map((p) => p.value)) : ratio(series, points);
}

export function ratio(series, points) {
  const denominator = sum(points.map((p) => p.denominator));
  if (!denominator) return null;
  return (sum(points.map((p) => p.numerator)) / denominator) * (series.unit === "percent" ? 100 : 1);
}

// Per period start, the figure of the points in it (a stock's parts or a mean's groups together).
export function perPeriod(kind, series, points = series.points) {
  const starts = [...new Set(points.map((p) => p.period_start))].sort();
  return starts.map((start) => [start, figureOf(kind, series, points.filter((p) => p.period_start === start))]);
}

const number = (digits) => (v) => (v === null || v === undefined ? "—"
  : new Intl.NumberFormat(undefined, { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(v));
export const FORMATS = {
  count: number(0), percent: (v) => (v === null ? "—" : `${number(1)(v)} %`),
  hours: (v) => (v === null ? "—" : `${number(1)(v)} h`), score: (v) => (v === null ? "—" : `${number(2)(v)} / 5`),
};

