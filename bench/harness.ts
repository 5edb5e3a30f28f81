/**
 * A tiny benchmark harness. Each suite names one baseline; every other case is
 * reported as the ratio of its median time to the baseline's median, measured
 * in the same process, interleaved round by round after a warm-up, so machine
 * noise hits both sides alike. No bare times are printed as claims.
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
  /** Samples per case. @default 30 */
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

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function sample(c: BenchCase, batch: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) await c.fn();
  return Number(process.hrtime.bigint() - start) / batch;
}

export interface SuiteResult {
  suite: string;
  baseline: string;
  ratios: { name: string; ratio: number }[];
  notes: string[];
}

export async function runSuite(suite: BenchSuite): Promise<SuiteResult | undefined> {
  if (suite.skip) {
    console.log(`\n## ${suite.name}\nskipped: ${suite.skip}`);
    return undefined;
  }
  const batch = SMOKE ? 1 : (suite.batch ?? 200);
  const rounds = SMOKE ? 1 : (suite.rounds ?? 30);
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
    const base = median(times.get(suite.baseline)!);
    const ratios = suite.cases.map((c) => ({ name: c.name, ratio: median(times.get(c)!) / base }));
    const notes = (await suite.notes?.()) ?? [];
    console.log(`\n## ${suite.name}\nbaseline: ${suite.baseline.name} = 1.00x`);
    for (const { name, ratio } of ratios) console.log(`  ${name}: ${ratio.toFixed(2)}x`);
    for (const n of notes) console.log(`  ${n}`);
    return { suite: suite.name, baseline: suite.baseline.name, ratios, notes };
  } finally {
    await suite.teardown?.();
  }
}
