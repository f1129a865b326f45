/** Prometheus text exposition format (version 0.0.4), written from plain data. */

export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples: (Sample & { suffix?: '_bucket' | '_sum' | '_count' })[];
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function formatLabels(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

export function renderMetrics(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(`${f.name}${s.suffix ?? ''}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
  return lines.join('\n') + '\n';
}

/** A cumulative histogram's samples from bucket bounds and cumulative counts. */
export function histogramSamples(
  labels: Record<string, string>,
  bounds: readonly number[],
  cumulative: number[],
  count: number,
  sum: number
): MetricFamily['samples'] {
  return [
    ...bounds.map((le, i) => ({ suffix: '_bucket' as const, labels: { ...labels, le: String(le) }, value: cumulative[i] ?? 0 })),
    { suffix: '_bucket' as const, labels: { ...labels, le: '+Inf' }, value: count },
    { suffix: '_sum' as const, labels, value: sum },
    { suffix: '_count' as const, labels, value: count }
  ];
}
