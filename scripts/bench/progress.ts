import cliProgress from 'cli-progress';

/** One bar for the whole run, on stderr so that --markdown output stays clean. */
export interface Progress {
  start(total: number): void;
  step(label: string): void;
  add(ops: number): void;
  stop(): void;
}

export function progressBar(enabled: boolean): Progress {
  if (!enabled) return { start() {}, step() {}, add() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | {value}/{total} ops | ETA {eta_formatted} | {label}', stream: process.stderr, hideCursor: true, etaBuffer: 200 },
    cliProgress.Presets.shades_classic,
  );
  let label = '';
  return {
    start: (total) => bar.start(total, 0, { label }),
    step: (next) => {
      label = next;
      bar.update({ label });
    },
    add: (ops) => bar.increment(ops, { label }),
    stop: () => bar.stop(),
  };
}
