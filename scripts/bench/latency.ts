import { build, type Histogram } from 'hdr-histogram-js';

export interface LatencySummary {
  /** Milliseconds. */
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Latencies in microseconds, 1 µs to 60 s, 3 significant digits. Pure JS: no WebAssembly init needed. */
export function latencyHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

export function summarize(histogram: Histogram): LatencySummary {
  const ms = (us: number): number => us / 1000;
  return {
    p50: ms(histogram.getValueAtPercentile(50)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
  };
}
