import { probe, unmetNeed, type Need } from './capabilities';
import { Harness } from './harness';
import { resolveTiming, type ConformanceOptions, type ResolvedTiming, type TestApi } from './options';
import { SkipReport } from './skip-report';

/** What a group's registration function gets. */
export interface GroupKit {
  /** The options the suite runs with. */
  readonly options: ConformanceOptions;
  /** Timing with defaults applied. */
  readonly timing: ResolvedTiming;
  /** Backend clients and namespaces of the running test. */
  readonly h: Harness;
  /** Register a test that runs only when every need is met (otherwise it is skipped, loudly). */
  readonly test: (name: string, needs: readonly Need[], body: () => Promise<void>, timeoutMs?: number) => void;
}

/** A group of conformance tests, registrable on its own. */
export type ConformanceGroup = (options: ConformanceOptions, api: TestApi) => void;

// Registration is synchronous, so a group called inside runConformance finds the run's report here.
let activeReport: SkipReport | undefined;

/** Define a group: its describe block, harness, and capability-aware test registration. */
export function defineGroup(title: string, register: (kit: GroupKit) => void): ConformanceGroup {
  return (options, api) => {
    const standalone = activeReport === undefined;
    const report = activeReport ?? new SkipReport(options.name);
    const timing = resolveTiming(options.timing);
    api.describe(standalone ? `wrkr conformance (${options.name}) › ${title}` : title, () => {
      const h = new Harness(options, api);
      const test = (name: string, needs: readonly Need[], body: () => Promise<void>, timeoutMs?: number): void => {
        const reason = unmetNeed(needs, options, probe(options).capabilities);
        if (reason !== undefined) {
          report.add(`${title} › ${name}`, reason);
          api.it.skip?.(`${name} [SKIPPED: ${reason}]`, () => undefined);
          return;
        }
        api.it(
          name,
          async () => {
            h.needs = needs;
            await body();
          },
          timeoutMs ?? timing.testTimeoutMs,
        );
      };
      register({ options, timing, h, test });
      if (standalone) api.afterAll(() => report.print());
    });
  };
}

/** Register several groups under one describe, with one skip report at the end. */
export function runGroups(options: ConformanceOptions, api: TestApi, groups: readonly ConformanceGroup[]): SkipReport {
  const report = new SkipReport(options.name);
  api.describe(`wrkr conformance (${options.name})`, () => {
    activeReport = report;
    try {
      for (const group of groups) group(options, api);
    } finally {
      activeReport = undefined;
    }
    api.afterAll(() => report.print());
  });
  return report;
}
