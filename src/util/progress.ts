/**
 * A progress bar with rate and ETA on stderr (only when stderr is a terminal, or when forced);
 * elsewhere a line every few seconds so logs show that a long job is alive.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  tick(n?: number, info?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

export function progress(label: string, total: number, opts: { enabled?: boolean; unit?: string } = {}): Progress {
  const enabled = opts.enabled ?? true;
  const unit = opts.unit ?? 'it';
  if (!enabled) return { tick() {}, setTotal() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted} {info}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 50,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    const t0 = Date.now();
    let value = 0;
    bar.start(total, 0, { rate: '0', info: '' });
    return {
      tick(n = 1, info) {
        value += n;
        const rate = value / Math.max(1e-3, (Date.now() - t0) / 1000);
        const infoText = info ? Object.entries(info).map(([k, v]) => `${k}=${v}`).join(' ') : '';
        bar.update(value, { rate: rate.toFixed(rate < 10 ? 1 : 0), info: infoText });
      },
      setTotal(t) {
        bar.setTotal(t);
      },
      stop() {
        bar.stop();
      },
    };
  }
  // Not a terminal: a plain line at most every 5 s.
  const t0 = Date.now();
  let last = t0;
  let value = 0;
  let tot = total;
  return {
    tick(n = 1, info) {
      value += n;
      const now = Date.now();
      if (now - last > 5000) {
        last = now;
        const rate = value / ((now - t0) / 1000);
        const eta = rate > 0 ? Math.round((tot - value) / rate) : 0;
        const infoText = info ? ' ' + Object.entries(info).map(([k, v]) => `${k}=${v}`).join(' ') : '';
        process.stderr.write(`${label}: ${value}/${tot} ${unit} (${rate.toFixed(1)}/s, ETA ${eta}s)${infoText}\n`);
      }
    },
    setTotal(t) {
      tot = t;
    },
    stop() {},
  };
}
