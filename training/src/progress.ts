/** A one-line progress bar with rate and ETA on stderr (redrawn on a TTY, every ~10% otherwise). */
export class Progress {
  private done = 0;
  private readonly start = performance.now();
  private lastPrinted = -1;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit = 'img'
  ) {}

  tick(n = 1, note = ''): void {
    this.done += n;
    const decile = Math.floor((this.done / Math.max(1, this.total)) * 10);
    if (!this.tty && decile === this.lastPrinted && this.done < this.total) return;
    this.lastPrinted = decile;
    const line = this.render(note);
    if (this.tty) process.stderr.write(`\r${line}\x1b[K`);
    else process.stderr.write(`${line}\n`);
  }

  finish(note = ''): void {
    if (this.tty) process.stderr.write(`\r${this.render(note)}\x1b[K\n`);
  }

  private render(note: string): string {
    const frac = this.total === 0 ? 1 : Math.min(1, this.done / this.total);
    const width = 24;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '-');
    const secs = (performance.now() - this.start) / 1000;
    const rate = this.done / Math.max(secs, 1e-9);
    const eta = rate > 0 ? (this.total - this.done) / rate : 0;
    return `${this.label} [${bar}] ${this.done}/${this.total} ${rate.toFixed(1)} ${this.unit}/s elapsed ${fmt(secs)} ETA ${fmt(eta)}${note ? ` ${note}` : ''}`;
  }
}

export function fmt(secs: number): string {
  const s = Math.max(0, Math.round(secs));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
