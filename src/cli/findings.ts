/** 'problem' makes `check` exit 1; 'warning' is reported with exit code 0. */
export type Level = 'ok' | 'warning' | 'problem';

/** One verdict of `check`, with a plain explanation of what it means and what to do. */
export interface Finding {
  /** Stable identifier for scripts reading --json, e.g. 'orphan-value'. */
  code: string;
  check: string;
  level: Level;
  detail: string;
  /** On a cluster, the masters this verdict is about ("host:port"). */
  nodes?: string[];
}
