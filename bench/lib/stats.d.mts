// Types for stats.mjs, so the TypeScript unit test can import the harness's pure parts.
export interface Sample {
  wallMs: number;
  cpuMs?: number;
  rssKb?: number;
  readyMs?: number;
}

export interface Summary {
  runs: number;
  wallMs: number;
  minMs: number;
  maxMs: number;
  cpuMs: number | undefined;
  rssKb: number | undefined;
  maxRssKb: number;
}

export interface Row {
  tool: string;
  /** model: the client doing the statements of Flyway's model (lock, history read and row) as godwit does. */
  role: 'client' | 'godwit' | 'peer' | 'baseline' | 'embedded' | 'model';
  samples: Sample[];
  failure?: string;
  notRun?: string;
  /** The script's size, in the rss section. */
  sqlBytes?: number;
}

export interface Section {
  id: string;
  db: string;
  rows: Row[];
}

export interface TargetResult {
  target: string;
  measured: string;
  status: 'met' | 'missed' | 'not measured';
}

export function median(values: number[]): number | undefined;
export function summarize(samples: Sample[]): Summary | undefined;
export function ratio(a: number | undefined, b: number | undefined): number | undefined;
export function evaluateTargets(sections: Section[]): TargetResult[];
