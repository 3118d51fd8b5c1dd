import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { terminalLog } from '../../src/log.js';
import { leaks } from '../helpers/aws.js';
import { applyRolePolicy } from '../helpers/iam.js';
import { useWorld } from '../helpers/world.js';
import { REGIONS, type Scenario, type ScenarioContext } from './scenarios.js';

// `npm run soak` sets FEDIMG_SOAK: every scenario repeated, with larger images.
const SOAK = process.env.FEDIMG_SOAK === '1';
const REPEAT = SOAK ? Number(process.env.FEDIMG_SOAK_REPEAT ?? 3) : 1;
const RAW_SIZE = SOAK ? 256 * 1024 * 1024 + 4097 : 6 * 1024 * 1024 + 4097;

/**
 * The runner of a share of the scenarios (each test file runs one share, so they run side by side):
 * every scenario as the publish role against the emulator, then the inventory checked for leaks;
 * figures go to bench/reliability-<share>.json.
 */
export function reliabilitySuite(share: string, scenarios: Scenario[]): void {
  const quiet = terminalLog({ stream: { write: () => true } as unknown as NodeJS.WritableStream });
  const figures = {
    run: 0,
    passed: 0,
    leaked: 0,
    rows: [] as Array<{ scenario: string; passed: boolean; leaked: number }>,
  };

  const world = useWorld('fedimg-reliability-', [
    { composeId: 'Fedora-Rawhide-20261122.n.0', rawSize: RAW_SIZE },
  ]);

  afterAll(() => {
    const width = Math.max(...figures.rows.map((row) => row.scenario.length));
    const lines = [
      `fedimg reliability${SOAK ? ` soak (×${REPEAT}, ${Math.round(RAW_SIZE / 2 ** 20)} MiB images)` : ''}`,
      ...figures.rows.map(
        (row) => `${row.scenario.padEnd(width)}  ${row.passed ? 'passed' : 'FAILED'}  leaked ${row.leaked}`,
      ),
      `scenarios run ${figures.run}, passed ${figures.passed}, resources leaked ${figures.leaked}`,
    ];
    process.stdout.write(`\n${lines.join('\n')}\n`);
    mkdirSync('bench', { recursive: true });
    writeFileSync(
      `bench/reliability-${share}.json`,
      `${JSON.stringify({ soak: SOAK, repeat: REPEAT, raw_size: RAW_SIZE, ...figures }, null, 2)}\n`,
    );
  });

  beforeEach(() => {
    // Every scenario runs as the publish role: under the policy the docs tell operators to attach.
    applyRolePolicy(world.emulator);
    world.files.faults = {};
    for (const region of ['us-east-1', ...REGIONS]) world.emulator.setRegion(region, { publicAmiQuota: 10 });
  });

  /** Everything a finished or failed scenario must not leave behind, counted. */
  function leakCount(): { count: number; detail: Record<string, unknown[]> } {
    const found = leaks(world.emulator) as unknown as Record<string, unknown[]>;
    return { count: Object.values(found).reduce((sum, items) => sum + items.length, 0), detail: found };
  }

  describe.each(Array.from({ length: REPEAT }, (_, index) => index + 1))('reliability, round %i', () => {
    for (const scenario of scenarios) {
      it(
        `${scenario.group}: ${scenario.name}`,
        async () => {
          // The world itself, by delegation, with the scenario's extras on top.
          const ctx: ScenarioContext = Object.assign(Object.create(world) as typeof world, {
            rawSize: RAW_SIZE,
            log: quiet,
          });
          const { emulator } = ctx;
          figures.run++;
          let passed = false;
          let leaked = 0;
          try {
            await scenario.run(ctx);
            // Faults are lifted so that waiting for stray work (terminations) is not itself faulted.
            emulator.clearFaults();
            emulator.setLatency({ PutSnapshotBlock: 0 });
            await new Promise((resolve) => setTimeout(resolve, 100));
            // Nothing fedimg does is refused by its policy (that would be a wrong policy or a bug).
            if (!scenario.abandonsRequests)
              expect(emulator.requests().filter((request) => request.status === 403)).toEqual([]);
            const { count, detail } = leakCount();
            leaked = count;
            expect(detail).toEqual(Object.fromEntries(Object.keys(detail).map((key) => [key, []])));
            passed = true;
          } finally {
            if (!passed && leaked === 0) leaked = leakCount().count;
            figures.passed += passed ? 1 : 0;
            figures.leaked += leaked;
            figures.rows.push({ scenario: `${scenario.group}: ${scenario.name}`, passed, leaked });
          }
        },
        SOAK ? 600_000 : 120_000,
      );
    }
  });
}
