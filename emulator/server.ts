import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { AwsError } from './errors.js';
import { handleControl } from './control.js';
import { injectFault, losesAnswer, type FaultRule } from './faults.js';
import { inventoryOf, type Inventory } from './inventory.js';
import { readBody, ScratchBodies } from './body.js';
import { errorResponse, type Service } from './responses.js';
import type { AuthorizationRequest, PolicyDocument } from './iam/evaluate.js';
import { dispatch } from './dispatch.js';
import { loadState, saveState } from './persistence.js';
import { verifySignature } from './sigv4.js';
import type { RestResponse } from './http.js';
import { ebsOperation, ZERO_BLOCK } from './services/ebs.js';
import { catalogOperation, type CatalogSettings } from './services/catalog/index.js';
import { s3Operation } from './services/s3.js';
import type { RoleSpec } from './services/iam/state.js';
import { AccountState, type BootVerdict, type Durations, type RegionSettings } from './state.js';

export type { FaultRule } from './faults.js';
export type { Inventory } from './inventory.js';
export type { Service } from './responses.js';

export interface LoggedRequest {
  service: Service;
  operation: string;
  region: string;
  status: number;
  /** What IAM authorized for it (only while an IAM policy governs the caller). */
  authorizations?: AuthorizationRequest[];
}

/**
 * The account's administrator: requests signed with this access key are never subject to the IAM
 * policy (tests inspect and prepare the account with it, as a human with admin rights would).
 */
export const ADMIN_CREDENTIALS = { accessKeyId: 'AKIDEMULATORADMIN', secretAccessKey: 'admin' };

const ZERO_BLOCK_SHA256 = createHash('sha256').update(ZERO_BLOCK).digest('hex');

/**
 * A request body's SHA-256 (hex), which SigV4 checks: an all-zero block's is the constant, since
 * comparing 512 KiB costs a small part of hashing it.
 */
function sha256Hex(body: Buffer): string {
  if (body.length === ZERO_BLOCK.length && body.equals(ZERO_BLOCK)) return ZERO_BLOCK_SHA256;
  return createHash('sha256').update(body).digest('hex');
}

/**
 * The local AWS: EC2 (query/XML), EBS direct (REST-JSON), S3 (REST-XML, path-style) and STS
 * (query) on one loopback port, so unmodified SDK clients reach it through AWS_ENDPOINT_URL. The
 * region of each request is read from its SigV4 credential scope.
 */
export class Emulator {
  readonly state = new AccountState();
  faults: FaultRule[] = [];
  latency: Record<string, number> = {};
  /** When set, every caller but the admin is held to this policy (configuration: kept by reset()). */
  iamPolicy: PolicyDocument | undefined;
  private server: Server | undefined;
  private statePath: string | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private requestLog: LoggedRequest[] = [];
  private readonly scratchBodies = new ScratchBodies();
  /** Secrets of the access keys whose signatures are checked (configuration: kept by reset()). */
  private readonly secrets = new Map([[ADMIN_CREDENTIALS.accessKeyId, ADMIN_CREDENTIALS.secretAccessKey]]);

  get endpoint(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('emulator is not running');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Starts on 127.0.0.1; with `statePath`, resumes from that file and keeps it up to date. */
  async start(port = 0, statePath?: string): Promise<string> {
    this.statePath = statePath;
    if (statePath && existsSync(statePath)) loadState(this.state, statePath);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
      });
    });
    this.server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return this.endpoint;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    clearTimeout(this.saveTimer);
    if (this.statePath) saveState(this.state, this.statePath);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // --- control API (also reachable over HTTP under /__emulator/) -------------------------------
  reset(): void {
    // Whether block data is kept is configuration (--no-data), not account state.
    // Like the IAM policy, the account's IAM roles are configuration.
    const { storeBlockData, iam } = this.state;
    Object.assign(this.state, new AccountState(), { storeBlockData, iam });
    this.faults = [];
    this.latency = {};
    this.requestLog = [];
  }

  /**
   * Checks the SigV4 signature of every request made with this access key, as AWS does (an access
   * key the emulator was not given stands for any account's and is accepted unchecked).
   */
  addCredentials(accessKeyId: string, secretAccessKey: string): void {
    this.secrets.set(accessKeyId, secretAccessKey);
  }

  /** Holds every caller but ADMIN_CREDENTIALS to `policy` (undefined: everything is allowed). */
  setIamPolicy(policy: PolicyDocument | undefined): void {
    this.iamPolicy = policy;
  }

  /** Creates or replaces an IAM role (Marketplace's access role, or the callers' own role's trust). */
  putRole(spec: RoleSpec): void {
    this.state.iam.putRole(spec);
  }

  /** AWS Marketplace Catalog behaviour: products that do not exist, roles it cannot assume, faults, timing. */
  setMarketplace(settings: Partial<CatalogSettings>): void {
    Object.assign(this.state.catalog.settings, settings);
  }

  setDurations(durations: Partial<Durations>): void {
    Object.assign(this.state.durations, durations);
  }

  /** Adds ms to every answer of an operation ('*': all of them); the request takes effect first. */
  setLatency(latency: Record<string, number>): void {
    Object.assign(this.latency, latency);
  }

  addFault(rule: FaultRule): void {
    this.faults.push({ ...rule });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** A region's account settings; `defaultVpc: false` deletes its default VPC (true restores it). */
  setRegion(
    region: string,
    settings: Partial<Omit<RegionSettings, 'optInRequired'>> & { defaultVpc?: boolean },
  ): void {
    const current = this.state.regions.get(region);
    if (!current) throw new Error(`unknown region ${region}`);
    const { defaultVpc, ...rest } = settings;
    if (defaultVpc !== undefined) this.state.network.setDefaultVpc(region, defaultVpc);
    Object.assign(current, rest);
  }

  /** Boot verdict for an AMI ID, or for every image whose name matches a glob (also future ones). */
  setBoot(match: string, verdict: BootVerdict): void {
    this.state.bootRules.push({ match, verdict });
    for (const image of this.state.images.values()) image.boot = this.state.bootVerdictFor(image);
  }

  marketplaceFindings(path: string): unknown[] | undefined {
    return [...this.state.catalog.findings].find(([url]) => new URL(url).pathname === path)?.[1];
  }

  failNextImports(count: number): void {
    this.state.failImports = count;
  }

  storeBlockData(store: boolean): void {
    this.state.storeBlockData = store;
  }

  requests(): ReadonlyArray<LoggedRequest> {
    return this.requestLog;
  }

  inventory(): Inventory {
    this.state.advance();
    return inventoryOf(this.state);
  }

  // --- request handling ----------------------------------------------------------------------
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname.startsWith('/__emulator/')) {
      await handleControl(this, req, res, url);
      return;
    }
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(
      String(req.headers.authorization ?? ''),
    );
    const region = scope?.[1] ?? 'us-east-1';
    const service = (scope?.[2] ?? 'ec2') as Service;
    const accessKey = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
    const requestId = randomUUID();

    // Operations known from the request line can be faulted before their body is read.
    let operation =
      service === 'ebs'
        ? ebsOperation(req.method ?? '', url.pathname)
        : service === 'aws-marketplace'
          ? catalogOperation(req.method ?? '', url.pathname)
          : service === 's3'
            ? s3Operation(req.method ?? '', url.pathname, url.searchParams)
            : undefined;
    if (operation && (await this.injectBeforeBody(service, operation, region, req, res, requestId))) return;
    const scratch = this.scratchFor(service, operation, req);
    const body = await readBody(req, scratch);
    if (scratch) res.once('close', () => this.scratchBodies.give(scratch));
    let params: URLSearchParams | undefined;
    if (service === 'ec2' || service === 'sts' || service === 'iam') {
      params = new URLSearchParams(body.toString('utf8'));
      operation = params.get('Action') ?? 'Unknown';
      if (await this.injectBeforeBody(service, operation, region, req, res, requestId)) return;
    }
    this.state.advance();
    let response: RestResponse;
    let authorizations: AuthorizationRequest[] | undefined;
    const bodySha256 = sha256Hex(body);
    try {
      const secret = accessKey === undefined ? undefined : this.secrets.get(accessKey);
      if (secret !== undefined) {
        const rawPath = (req.url ?? '/').split('?')[0]!;
        verifySignature(
          { method: req.method ?? 'GET', rawPath, query: url.searchParams, headers: req.headers, bodySha256 },
          service,
          secret,
        );
      }
      const settings = this.state.regions.get(region);
      if (!settings || !settings.optedIn) {
        throw new AwsError(
          'AuthFailure',
          `AWS was not able to validate the provided access credentials (region ${region} is ${settings ? 'not enabled for this account' : 'unknown'})`,
          401,
        );
      }
      response = dispatch(
        this.state,
        accessKey === ADMIN_CREDENTIALS.accessKeyId,
        this.iamPolicy,
        service,
        operation!,
        region,
        params,
        {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body,
          bodySha256,
        },
        requestId,
        (made) => (authorizations = made),
      );
    } catch (error) {
      response = errorResponse(service, error, requestId);
    }
    // Added latency holds back the answer, not the request: a body kept waiting survives V8's young
    // collections, and 64 such bodies in flight had the emulator running a full mark-compact every
    // few dozen requests, doubling its CPU on the cores the benchmark measures fedimg on.
    const delay = this.latency[operation!] ?? this.latency['*'] ?? 0;
    if (delay > 0) await sleep(delay);
    this.requestLog.push({ service, operation: operation!, region, status: response.status, authorizations });
    this.scheduleSave();
    if (losesAnswer(this.faults, { service, operation: operation!, region })) {
      req.socket.destroy();
      return;
    }
    res.writeHead(response.status, {
      'x-amzn-requestid': requestId,
      'x-amz-request-id': requestId,
      ...response.headers,
    });
    res.end(req.method === 'HEAD' ? undefined : response.body);
  }

  private scheduleSave(): void {
    if (!this.statePath || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      if (this.statePath) saveState(this.state, this.statePath);
    }, 500);
  }

  /**
   * A reused buffer for the body of a large UploadPart whose data is not kept (--no-data). A fresh
   * 64 MiB buffer per part faults in every page on first write: on this VM that was most of the
   * emulator's 17 CPU-s for a 2 GiB multipart upload, on the cores the benchmark's old way runs on.
   */
  private scratchFor(
    service: Service,
    operation: string | undefined,
    req: IncomingMessage,
  ): Buffer | undefined {
    if (service !== 's3' || operation !== 'UploadPart' || this.state.storeBlockData) return undefined;
    const length = Number(req.headers['content-length']);
    return Number.isSafeInteger(length) && length >= 2 ** 20 ? this.scratchBodies.take(length) : undefined;
  }

  /** Faults (a `latency` fault included); true when the request was answered (or dropped) here. */
  private injectBeforeBody(
    service: Service,
    operation: string,
    region: string,
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
  ): Promise<boolean> {
    return injectFault(this.faults, { service, operation, region, requestId }, req, res, (status) =>
      this.requestLog.push({ service, operation, region, status }),
    );
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
