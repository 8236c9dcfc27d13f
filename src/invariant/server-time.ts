/**
 * The server clock in ms from a TIME reply ([seconds, microseconds], as
 * text). The scripts read the same clock for every expiry they write, so
 * judging recorded expiries against it (not the caller's clock) keeps clock
 * skew between hosts out of the verdict.
 */
export function serverTimeMs(time: readonly [seconds: string, microseconds: string]): number {
  return Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
}
