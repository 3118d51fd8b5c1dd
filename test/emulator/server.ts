import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { ebsAuthorizations, ec2Authorizations, s3Authorizations } from './authorization.js';
import { AwsError } from './errors.js';
import { evaluate, type AuthorizationRequest, type PolicyDocument } from './iam.js';
import { loadState, saveState } from './persistence.js';
import { verifySignature } from './sigv4.js';
import { handleEbs, ebsOperation, type RestRequest, type RestResponse } from './services/ebs.js';
import {
  catalogAuthorizations,
  catalogOperation,
  handleCatalog,
  type CatalogSettings,
} from './services/catalog.js';
import { ec2Operations } from './services/ec2.js';
import { handleS3, s3ErrorBody, s3Operation } from './services/s3.js';
import { ACCOUNT_ID, AccountState, type BootVerdict, type Durations, type RegionSettings } from './state.js';
import { decodeEc2Request, encodeEc2Error, encodeEc2Response, escapeXml } from './wire/ec2-query.js';

const ec2Models = createRequire(import.meta.url)('@aws-sdk/client-ec2') as Record<string, unknown>;

/** Services by their SigV4 signing name (the Marketplace Catalog API signs as aws-marketplace). */
export type Service = 'ec2' | 'ebs' | 's3' | 'sts' | 'aws-marketplace';

export interface FaultRule {
  /** Operation name (PutSnapshotBlock, CopyImage, ...) or '*'. */
  operation: string;
  service?: Service;
  region?: string;
  kind: 'throttle' | 'server-error' | 'reset' | 'hang' | 'latency';
  /** Share of matching requests affected (0..1); default 1. */
  rate?: number;
  /** Affect at most this many requests. */
  count?: number;
  /** latency: added delay; hang: how long before the connection is dropped (default: never answer). */
  ms?: number;
  /** Error code instead of the service's usual one. */
  code?: string;
}

export interface LoggedRequest {
  service: Service;
  operation: string;
  region: string;
  status: number;
}

export interface Inventory {
  snapshots: Array<{
    id: string;
    region: string;
    state: string;
    source: string;
    tags: Record<string, string>;
    public: boolean;
  }>;
  images: Array<{
    id: string;
    region: string;
    name: string;
    state: string;
    tags: Record<string, string>;
    public: boolean;
    snapshotIds: string[];
  }>;
  instances: Array<{
    id: string;
    region: string;
    state: string;
    imageId: string;
    tags: Record<string, string>;
  }>;
  objects: Array<{ bucket: string; key: string; size: number }>;
  multipartUploads: Array<{ bucket: string; key: string; uploadId: string }>;
  importTasks: Array<{ id: string; region: string; status: string }>;
}

const THROTTLE: Record<Service, { code: string; status: number }> = {
  ec2: { code: 'RequestLimitExceeded', status: 503 },
  ebs: { code: 'RequestThrottledException', status: 400 },
  s3: { code: 'SlowDown', status: 503 },
  sts: { code: 'Throttling', status: 400 },
  'aws-marketplace': { code: 'ThrottlingException', status: 429 },
};
const SERVER_ERROR: Record<Service, { code: string; status: number }> = {
  ec2: { code: 'InternalError', status: 500 },
  ebs: { code: 'InternalServerException', status: 500 },
  s3: { code: 'InternalError', status: 500 },
  sts: { code: 'InternalFailure', status: 500 },
  'aws-marketplace': { code: 'InternalServiceException', status: 500 },
};

const tagsObject = (tags: Map<string, string>) => Object.fromEntries(tags);

/**
 * The account's administrator: requests signed with this access key are never subject to the IAM
 * policy (tests inspect and prepare the account with it, as a human with admin rights would).
 */
export const ADMIN_CREDENTIALS = { accessKeyId: 'AKIDEMULATORADMIN', secretAccessKey: 'admin' };

const DENIED: Record<Exclude<Service, 'sts'>, { code: string; status: number }> = {
  ec2: { code: 'UnauthorizedOperation', status: 403 },
  ebs: { code: 'AccessDeniedException', status: 403 },
  s3: { code: 'AccessDenied', status: 403 },
  'aws-marketplace': { code: 'AccessDeniedException', status: 403 },
};

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
    const { storeBlockData } = this.state;
    Object.assign(this.state, new AccountState(), { storeBlockData });
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

  setRegion(region: string, settings: Partial<Omit<RegionSettings, 'optInRequired'>>): void {
    const current = this.state.regions.get(region);
    if (!current) throw new Error(`unknown region ${region}`);
    Object.assign(current, settings);
  }

  /** Boot verdict for an AMI ID, or for every image whose name matches a glob (also future ones). */
  setBoot(match: string, verdict: BootVerdict): void {
    this.state.bootRules.push({ match, verdict });
    for (const image of this.state.images.values()) image.boot = this.state.bootVerdictFor(image);
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
    const s = this.state;
    return {
      snapshots: [...s.snapshots.values()].map((snap) => ({
        id: snap.id,
        region: snap.region,
        state: snap.open ? 'pending (open)' : snap.state,
        source: snap.source,
        tags: tagsObject(snap.tags),
        public: snap.createVolumePermission.groups.has('all'),
      })),
      images: [...s.images.values()].map((image) => ({
        id: image.id,
        region: image.region,
        name: image.name,
        state: image.state,
        tags: tagsObject(image.tags),
        public: image.launchPermission.groups.has('all'),
        snapshotIds: image.blockDeviceMappings.flatMap((mapping) =>
          mapping.Ebs?.SnapshotId ? [mapping.Ebs.SnapshotId] : [],
        ),
      })),
      instances: [...s.instances.values()].map((instance) => ({
        id: instance.id,
        region: instance.region,
        state: instance.state,
        imageId: instance.imageId,
        tags: tagsObject(instance.tags),
      })),
      objects: [...s.buckets.values()].flatMap((bucket) =>
        [...bucket.objects].map(([key, object]) => ({ bucket: bucket.name, key, size: object.size })),
      ),
      multipartUploads: [...s.buckets.values()].flatMap((bucket) =>
        [...bucket.uploads.values()].map((upload) => ({
          bucket: bucket.name,
          key: upload.key,
          uploadId: upload.id,
        })),
      ),
      importTasks: [...s.importTasks.values()].map((task) => ({
        id: task.id,
        region: task.region,
        status: task.status,
      })),
    };
  }

  // --- request handling ----------------------------------------------------------------------
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname.startsWith('/__emulator/')) {
      await this.control(req, res, url);
      return;
    }
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(
      String(req.headers.authorization ?? ''),
    );
    const region = scope?.[1] ?? 'us-east-1';
    const service = (scope?.[2] ?? 'ec2') as Service;
    const accessKey = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
    const governed = this.iamPolicy !== undefined && accessKey !== ADMIN_CREDENTIALS.accessKeyId;
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
    if (service === 'ec2' || service === 'sts') {
      params = new URLSearchParams(body.toString('utf8'));
      operation = params.get('Action') ?? 'Unknown';
      if (await this.injectBeforeBody(service, operation, region, req, res, requestId)) return;
    }
    this.state.advance();
    let response: RestResponse;
    const bodySha256 = createHash('sha256').update(body).digest('hex');
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
      response = this.dispatch(
        governed,
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
      );
    } catch (error) {
      response = errorResponse(service, error, requestId);
    }
    // Added latency holds back the answer, not the request: a body kept waiting survives V8's young
    // collections, and 64 such bodies in flight had the emulator running a full mark-compact every
    // few dozen requests, doubling its CPU on the cores the benchmark measures fedimg on.
    const delay = this.latency[operation!] ?? this.latency['*'] ?? 0;
    if (delay > 0) await sleep(delay);
    this.requestLog.push({ service, operation: operation!, region, status: response.status });
    this.scheduleSave();
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
  private async injectBeforeBody(
    service: Service,
    operation: string,
    region: string,
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
  ): Promise<boolean> {
    for (const rule of this.faults) {
      if (rule.operation !== '*' && rule.operation !== operation) continue;
      if (rule.service && rule.service !== service) continue;
      if (rule.region && rule.region !== region) continue;
      if (rule.count !== undefined && rule.count <= 0) continue;
      if (Math.random() >= (rule.rate ?? 1)) continue;
      if (rule.count !== undefined) rule.count--;
      switch (rule.kind) {
        case 'latency':
          await sleep(rule.ms ?? 0);
          continue;
        case 'reset':
          req.socket.destroy();
          return true;
        case 'hang':
          req.resume();
          if (rule.ms !== undefined) setTimeout(() => req.socket.destroy(), rule.ms).unref();
          return true;
        case 'throttle':
        case 'server-error': {
          req.resume();
          const fault = (rule.kind === 'throttle' ? THROTTLE : SERVER_ERROR)[service];
          const response = errorResponse(
            service,
            new AwsError(rule.code ?? fault.code, `Injected ${rule.kind} for ${operation}`, fault.status),
            requestId,
          );
          this.requestLog.push({ service, operation, region, status: response.status });
          res
            .writeHead(response.status, { 'x-amzn-requestid': requestId, ...response.headers })
            .end(response.body);
          return true;
        }
      }
    }
    return false;
  }

  /** Refuses the request unless the IAM policy allows every authorization it needs. */
  private authorize(service: Exclude<Service, 'sts'>, requests: AuthorizationRequest[]): void {
    for (const request of requests) {
      const decision = evaluate(this.iamPolicy!, request);
      if (decision === 'allow') continue;
      const why =
        decision === 'explicit-deny'
          ? `with an explicit deny in an identity-based policy`
          : `because no identity-based policy allows the ${request.action} action`;
      const { code, status } = DENIED[service];
      const error = new AwsError(
        code,
        `${service === 'ec2' ? 'You are not authorized to perform this operation. ' : ''}User: arn:aws:sts::${ACCOUNT_ID}:assumed-role/fedimg/emulator is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}`,
        status,
      );
      if (service === 'ebs') (error as AwsError & { reason?: string }).reason = 'UNAUTHORIZED_ACCOUNT';
      throw error;
    }
  }

  private dispatch(
    governed: boolean,
    service: Service,
    operation: string,
    region: string,
    params: URLSearchParams | undefined,
    request: RestRequest,
    requestId: string,
  ): RestResponse {
    switch (service) {
      case 'ec2': {
        const handler = ec2Operations[operation];
        const model = ec2Models[`${operation}$`] as unknown[] | undefined;
        if (!handler || !model)
          throw new AwsError('InvalidAction', `The action ${operation} is not valid for this web service.`);
        const input = decodeEc2Request(params!, model[4]);
        if (governed) this.authorize('ec2', ec2Authorizations(this.state, region, operation, input));
        const output = handler({ state: this.state, region }, input);
        return {
          status: 200,
          headers: { 'content-type': 'text/xml;charset=UTF-8' },
          body: encodeEc2Response(operation, output, model[5], requestId),
        };
      }
      case 'sts': {
        if (operation !== 'GetCallerIdentity')
          throw new AwsError('InvalidAction', `Could not find operation ${operation}`);
        return {
          status: 200,
          headers: { 'content-type': 'text/xml' },
          body: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${ACCOUNT_ID}:user/fedimg-emulator</Arn><UserId>AIDAEMULATOR</UserId><Account>${ACCOUNT_ID}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
        };
      }
      case 'ebs':
        if (governed)
          this.authorize('ebs', ebsAuthorizations(this.state, region, operation, request.path, request.body));
        return handleEbs(this.state, region, request);
      case 's3':
        if (governed) this.authorize('s3', s3Authorizations(operation, request.path));
        return handleS3(this.state, region, request);
      case 'aws-marketplace':
        if (governed) this.authorize('aws-marketplace', catalogAuthorizations(operation, request));
        return handleCatalog(this.state, request);
      default:
        throw new AwsError('UnknownService', `The emulator does not speak ${String(service)}`, 400);
    }
  }

  private async control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const action = url.pathname.slice('/__emulator/'.length);
    const body = await readBody(req);
    const args = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    const reply = (status: number, value: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value ?? {}));
    };
    try {
      switch (action) {
        case 'inventory':
          return reply(200, this.inventory());
        case 'reset':
          return reply(200, this.reset());
        case 'durations':
          return reply(200, this.setDurations(args as Partial<Durations>));
        case 'latency':
          return reply(200, this.setLatency(args as Record<string, number>));
        case 'faults':
          if (req.method === 'DELETE') return reply(200, this.clearFaults());
          return reply(200, this.addFault(args as unknown as FaultRule));
        case 'region':
          return reply(200, this.setRegion(String(args.region), args as Partial<RegionSettings>));
        case 'boot':
          return reply(200, this.setBoot(String(args.match), args.verdict as BootVerdict));
        case 'iam-policy':
          if (req.method === 'DELETE') return reply(200, this.setIamPolicy(undefined));
          return reply(200, this.setIamPolicy(args as unknown as PolicyDocument));
        case 'fail-imports':
          return reply(200, this.failNextImports(Number(args.count ?? 1)));
        default:
          return reply(404, { error: `unknown control action ${action}` });
      }
    } catch (error) {
      reply(400, { error: error instanceof Error ? error.message : String(error) });
    }
  }
}

function errorResponse(service: Service, error: unknown, requestId: string): RestResponse {
  const aws =
    error instanceof AwsError
      ? error
      : new AwsError(
          service === 'ebs'
            ? 'InternalServerException'
            : service === 'aws-marketplace'
              ? 'InternalServiceException'
              : 'InternalError',
          error instanceof Error ? error.message : String(error),
          500,
        );
  if (service === 'ebs' || service === 'aws-marketplace') {
    const reason = (aws as AwsError & { reason?: string }).reason;
    return {
      status: aws.status,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': aws.code },
      body: JSON.stringify({
        __type: aws.code,
        message: aws.message,
        Message: aws.message,
        ...(reason ? { Reason: reason } : {}),
      }),
    };
  }
  if (service === 's3')
    return {
      status: aws.status,
      headers: { 'content-type': 'application/xml' },
      body: s3ErrorBody(aws.code, aws.message, requestId),
    };
  if (service === 'sts') {
    return {
      status: aws.status,
      headers: { 'content-type': 'text/xml' },
      body: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${escapeXml(aws.code)}</Code><Message>${escapeXml(aws.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  return {
    status: aws.status,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: encodeEc2Error(aws.code, aws.message, requestId),
  };
}

/** Buffers for request bodies nobody keeps, by exact size; a few are enough (lib-storage sends 4 parts at once). */
class ScratchBodies {
  private readonly free: Buffer[] = [];

  take(size: number): Buffer {
    const index = this.free.findIndex((buffer) => buffer.length === size);
    return index >= 0 ? this.free.splice(index, 1)[0]! : Buffer.allocUnsafe(size);
  }

  give(buffer: Buffer): void {
    if (this.free.length < 8) this.free.push(buffer);
  }
}

/** The whole body; into `scratch` (sized from content-length) when given, else a new buffer. */
async function readBody(req: IncomingMessage, scratch?: Buffer): Promise<Buffer> {
  if (scratch) {
    let length = 0;
    for await (const chunk of req) {
      const bytes = chunk as Buffer;
      // Node's parser stops at content-length; a longer body cannot arrive.
      length += bytes.copy(scratch, length);
    }
    return scratch.subarray(0, length);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
