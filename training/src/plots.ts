/** Hand-written SVG charts for the run record (no chart library): line curves and a confusion matrix. */
export interface Series {
  name: string;
  values: number[];
  color: string;
}

const esc = (s: string) => s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);

export function lineChart(title: string, series: Series[], width = 480, height = 280): string {
  const pad = { l: 48, r: 16, t: 28, b: 32 };
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const lo = Math.min(...all, Infinity);
  const hi = Math.max(...all, -Infinity);
  const span = hi - lo || 1;
  const n = Math.max(2, ...series.map((s) => s.values.length));
  const x = (i: number) => pad.l + (i / (n - 1)) * (width - pad.l - pad.r);
  const y = (v: number) => height - pad.b - ((v - lo) / span) * (height - pad.t - pad.b);
  const lines = series
    .map((s) => {
      const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      return `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts}"/>`;
    })
    .join('');
  const legend = series
    .map((s, i) => `<text x="${pad.l + 8 + i * 110}" y="${pad.t - 10}" fill="${s.color}" font-size="12">${esc(s.name)}</text>`)
    .join('');
  const ticks = [lo, (lo + hi) / 2, hi]
    .map((v) => `<text x="${pad.l - 4}" y="${y(v) + 4}" font-size="10" text-anchor="end">${v.toPrecision(3)}</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/><text x="${width / 2}" y="14" text-anchor="middle" font-size="13">${esc(title)}</text>
<line x1="${pad.l}" y1="${height - pad.b}" x2="${width - pad.r}" y2="${height - pad.b}" stroke="#888"/><line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${height - pad.b}" stroke="#888"/>
${ticks}<text x="${width / 2}" y="${height - 8}" text-anchor="middle" font-size="11">epoch</text>${lines}${legend}</svg>\n`;
}

/** rows actual, columns predicted */
export function confusionChart(m: number[][], labels: readonly string[], size = 120): string {
  const max = Math.max(1, ...m.flat());
  const cells = m
    .flatMap((row, r) =>
      row.map((v, c) => {
        const shade = Math.round(255 - (v / max) * 200);
        const x = 90 + c * size;
        const y = 50 + r * size;
        return `<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="rgb(${shade},${shade},255)" stroke="#fff"/><text x="${x + size / 2}" y="${y + size / 2 + 6}" text-anchor="middle" font-size="18">${v}</text>`;
      })
    )
    .join('');
  const heads = labels
    .map(
      (l, i) =>
        `<text x="${90 + i * size + size / 2}" y="44" text-anchor="middle" font-size="13">${esc(l)}</text><text x="84" y="${50 + i * size + size / 2 + 5}" text-anchor="end" font-size="13">${esc(l)}</text>`
    )
    .join('');
  const w = 100 + labels.length * size;
  const h = 70 + labels.length * size;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/><text x="${w / 2}" y="18" text-anchor="middle" font-size="13">confusion (rows actual, columns predicted)</text>${heads}${cells}</svg>\n`;
}
