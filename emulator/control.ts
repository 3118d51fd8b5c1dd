/**
 * The control API over HTTP: `POST /__emulator/<action>` with a JSON body, `GET …/inventory`, and
 * `DELETE` for faults and the IAM policy. The same methods the Emulator class offers in-process.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './body.js';
import type { FaultRule } from './faults.js';
import type { PolicyDocument } from './iam/evaluate.js';
import type { Inventory } from './inventory.js';
import type { CatalogSettings } from './services/catalog/index.js';
import type { RoleSpec } from './services/iam/state.js';
import type { BootVerdict, Durations, RegionSettings } from './state.js';

/** What the control API can ask of the emulator (the Emulator class offers it). */
export interface EmulatorControls {
  inventory(): Inventory;
  reset(): void;
  setDurations(durations: Partial<Durations>): void;
  setLatency(latency: Record<string, number>): void;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  setRegion(region: string, settings: Partial<RegionSettings>): void;
  setBoot(match: string, verdict: BootVerdict): void;
  setIamPolicy(policy: PolicyDocument | undefined): void;
  failNextImports(count: number): void;
  putRole(spec: RoleSpec): void;
  setMarketplace(settings: Partial<CatalogSettings>): void;
  /** The findings a failed scan's ErrorMessage points at (its URL's path), or undefined. */
  marketplaceFindings(path: string): unknown[] | undefined;
}

export async function handleControl(
  emulator: EmulatorControls,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const action = url.pathname.slice('/__emulator/'.length);
  const body = await readBody(req);
  const args = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
  const reply = (status: number, value: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value ?? {}));
  };
  try {
    switch (action) {
      case 'inventory':
        return reply(200, emulator.inventory());
      case 'reset':
        return reply(200, emulator.reset());
      case 'durations':
        return reply(200, emulator.setDurations(args as Partial<Durations>));
      case 'latency':
        return reply(200, emulator.setLatency(args as Record<string, number>));
      case 'faults':
        if (req.method === 'DELETE') return reply(200, emulator.clearFaults());
        return reply(200, emulator.addFault(args as unknown as FaultRule));
      case 'region':
        return reply(200, emulator.setRegion(String(args.region), args as Partial<RegionSettings>));
      case 'boot':
        return reply(200, emulator.setBoot(String(args.match), args.verdict as BootVerdict));
      case 'iam-policy':
        if (req.method === 'DELETE') return reply(200, emulator.setIamPolicy(undefined));
        return reply(200, emulator.setIamPolicy(args as unknown as PolicyDocument));
      case 'fail-imports':
        return reply(200, emulator.failNextImports(Number(args.count ?? 1)));
      case 'role':
        return reply(200, emulator.putRole(args as unknown as RoleSpec));
      case 'marketplace': {
        const { missingProducts, ...rest } = args as Partial<CatalogSettings> & {
          missingProducts?: string[];
        };
        return reply(
          200,
          emulator.setMarketplace({
            ...rest,
            ...(missingProducts ? { missingProducts: new Set(missingProducts) } : {}),
          }),
        );
      }
      default:
        if (action.startsWith('marketplace-findings/')) {
          const findings = emulator.marketplaceFindings(url.pathname);
          return findings ? reply(200, findings) : reply(404, { error: 'no such findings' });
        }
        return reply(404, { error: `unknown control action ${action}` });
    }
  } catch (error) {
    reply(400, { error: error instanceof Error ? error.message : String(error) });
  }
}
