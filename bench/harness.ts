/**
 * A tiny benchmark harness. Each suite names one baseline; every other case is
 * reported as a ratio to it, measured in the same process, interleaved round by
 * round after a warm-up. Each round gives one ratio per case (its sample over the
 * baseline's sample of the same round, taken moments apart), so drift in machine
 * speed cancels; the report is the median of those ratios and their interquartile
 * range. No bare times are printed as claims.
 */
export interface BenchCase {
  name: string;
  /** One operation. Awaited. */
  fn: () => unknown | Promise<unknown>;
}

export interface BenchSuite {
  name: string;
  /** Skip with this reason (e.g. "needs DATABASE_URL"). */
  skip?: string;
  setup?: () => Promise<void> | void;
  teardown?: () => Promise<void> | void;
  baseline: BenchCase;
  cases: BenchCase[];
  /** Operations per sample. @default 200 */
  batch?: number;
  /** Samples per case. @default 60 */
  rounds?: number;
  /** Extra lines to print after the ratios (e.g. round-trip counts). */
  notes?: () => string[] | Promise<string[]>;
}

/**
 * `npm run bench -- --smoke`: every suite once (one sample of one operation) at tiny sizes, so CI
 * notices a suite that no longer runs. Its ratios mean nothing.
 */
export const SMOKE = process.argv.includes("--smoke");

/** A data size for a suite: `full` for a measurement, `smoke` under --smoke. */
export const size = (full: number, smoke: number): number => (SMOKE ? smoke : full);

export function defineSuite(suite: BenchSuite): BenchSuite {
  return suite;
}

/** The value at quantile q (0..1) of xs, interpolated between neighbours (the median of two is their mean). */
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo]! + (s[Math.ceil(at)]! - s[lo]!) * (at - lo);
};

async function sample(c: BenchCase, batch: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) await c.fn();
  return Number(process.hrtime.bigint() - start) / batch;
}

export interface SuiteResult {
  suite: string;
  baseline: string;
  /** Median of the per-round ratios, with their first and third quartiles. */
  ratios: { name: string; ratio: number; q1: number; q3: number }[];
  notes: string[];
}

export async function runSuite(suite: BenchSuite): Promise<SuiteResult | undefined> {
  if (suite.skip) {
    console.log(`\n## ${suite.name}\nskipped: ${suite.skip}`);
    return undefined;
  }
  const batch = SMOKE ? 1 : (suite.batch ?? 200);
  const rounds = SMOKE ? 1 : (suite.rounds ?? 60);
  await suite.setup?.();
  try {
    const all = [suite.baseline, ...suite.cases];
    for (const c of all) await sample(c, batch); // warm-up
    const times = new Map<BenchCase, number[]>(all.map((c) => [c, []]));
    for (let r = 0; r < rounds; r++) {
      // Rotate the order each round so no case always runs first.
      for (let i = 0; i < all.length; i++) {
        const c = all[(i + r) % all.length]!;
        times.get(c)!.push(await sample(c, batch));
      }
    }
    const base = times.get(suite.baseline)!;
    const ratios = suite.cases.map((c) => {
      const paired = times.get(c)!.map((t, r) => t / base[r]!);
      return { name: c.name, ratio: quantile(paired, 0.5), q1: quantile(paired, 0.25), q3: quantile(paired, 0.75) };
    });
    const notes = (await suite.notes?.()) ?? [];
    console.log(`\n## ${suite.name}\nbaseline: ${suite.baseline.name} = 1.00x`);
    for (const { name, ratio, q1, q3 } of ratios) {
      console.log(`  ${name}: ${ratio.toFixed(2)}x` + (rounds > 1 ? ` (rounds: ${q1.toFixed(2)}x-${q3.toFixed(2)}x)` : ""));
    }
    for (const n of notes) console.log(`  ${n}`);
    return { suite: suite.name, baseline: suite.baseline.name, ratios, notes };
  } finally {
    await suite.teardown?.();
  }
}
