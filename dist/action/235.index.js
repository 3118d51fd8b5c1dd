export const id = 235;
export const ids = [235];
export const modules = {

/***/ 1235:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  entry: () => (/* binding */ entry),
  runMain: () => (/* binding */ runMain)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 7 modules
var core = __webpack_require__(3838);
;// CONCATENATED MODULE: ./src/errors.ts
/**
 * One base error for everything fedimg reports, one subclass per area. Messages name the resource
 * (and the region where there is one) and say what to do next, because they end up as the
 * annotation a release engineer reads first.
 */
class FedimgError extends Error {
    /** The pipeline area that failed, used as the annotation title. */
    area;
    /** What the person reading the log should do about it. */
    hint;
    constructor(area, message, options = {}) {
        // After a message of several lines (console output, say) the hint gets a line of its own.
        const separator = message.includes('\n') ? '\n' : ' ';
        super(options.hint ? `${message}${separator}${options.hint}` : message, { cause: options.cause });
        this.name = new.target.name;
        this.area = area;
        this.hint = options.hint;
    }
}
/** Invalid action inputs, CLI options or configuration files. */
class InputError extends FedimgError {
    constructor(message, options = {}) {
        super('inputs', message, options);
    }
}
/** Compose metadata that is missing, malformed, disallowed or inconsistent. */
class ComposeError extends FedimgError {
    constructor(message, options = {}) {
        super('compose', message, options);
    }
}
/**
 * The image could not be read as published. Every kind means the same to a consumer: all data it
 * has already received from this source must be discarded, so an uploader never completes a
 * snapshot from it.
 */
class ImageSourceError extends FedimgError {
    kind;
    url;
    constructor(kind, url, message, options = {}) {
        super('image', message, options);
        this.kind = kind;
        this.url = url;
    }
}
/** Uploading a snapshot (EBS direct or S3 + ImportSnapshot) failed. */
class UploadError extends FedimgError {
    constructor(message, options = {}) {
        super('upload', message, options);
    }
}
/** Registering an AMI failed. */
class RegisterError extends FedimgError {
    constructor(message, options = {}) {
        super('register', message, options);
    }
}
/** An AMI did not pass its boot test. */
class BootTestError extends FedimgError {
    constructor(message, options = {}) {
        super('boot-test', message, options);
    }
}
/** Copying an AMI to another region failed. */
class CopyError extends FedimgError {
    constructor(message, options = {}) {
        super('copy', message, options);
    }
}
/** Making AMIs public, deprecating or verifying them failed. */
class PublishError extends FedimgError {
    constructor(message, options = {}) {
        super('publish', message, options);
    }
}
/** Verification found AMIs missing, unavailable, registered or shared otherwise than configured. */
class VerifyError extends FedimgError {
    constructor(message, options = {}) {
        super('verify', message, options);
    }
}
/** Adding a version to an AWS Marketplace product failed, or its change set did. */
class MarketplaceError extends FedimgError {
    constructor(message, options = {}) {
        super('marketplace', message, options);
    }
}
/** fedimg doctor found the role or the account unready (its table says what to change). */
class DoctorError extends FedimgError {
    constructor(message, options = {}) {
        super('doctor', message, options);
    }
}
/** Creating or updating the GitHub release failed. */
class ReleaseError extends FedimgError {
    constructor(message, options = {}) {
        super('release', message, options);
    }
}
const CALL = Symbol('fedimg.awsCall');
/** Records on the error which call failed and where; errors that are not objects are wrapped. */
function markAwsCall(error, call, region) {
    const target = typeof error === 'object' && error !== null ? error : new Error(String(error));
    if (!(CALL in target))
        Object.defineProperty(target, CALL, { value: { call, region }, enumerable: false });
    return target;
}
function awsCallOf(error) {
    return typeof error === 'object' && error !== null && CALL in error
        ? (error[CALL] ?? undefined)
        : undefined;
}
/**
 * An answer the SDK could not read as AWS's (a proxy's error page, an endpoint that is not AWS):
 * the query and XML services call it "Unknown", the JSON ones throw a SyntaxError pointing at their
 * hidden $response. What helps is the HTTP status and what kind of document came back.
 */
function foreignAnswer(error) {
    const failure = (error ?? {});
    const status = failure.$metadata?.httpStatusCode ?? failure.$response?.statusCode;
    const unreadable = failure.name === 'Unknown' ||
        failure.name === 'UnknownError' ||
        /Deserialization error|\$response/.test(failure.message ?? '');
    if (!status || !unreadable)
        return undefined;
    const type = failure.$response?.headers?.['content-type']?.split(';')[0]?.trim();
    return `HTTP ${status}${type ? ` (${type})` : ''}, an answer that is not AWS's`;
}
/**
 * Describe any thrown value in one line for logs; a failed AWS call says which call, where, and
 * AWS's code: `ec2:RunInstances in eu-west-1 failed: UnauthorizedOperation: You are not authorized…`.
 */
function describeError(error) {
    const message = error instanceof Error ? error.message : String(error);
    const where = awsCallOf(error);
    if (!where)
        return message;
    const foreign = foreignAnswer(error);
    if (foreign)
        return `${where.call} in ${where.region} failed: ${foreign}`;
    const code = error.name;
    const coded = code && code !== 'Error' && !message.startsWith(code) ? `${code}: ${message}` : message;
    return `${where.call} in ${where.region} failed: ${coded}`;
}

;// CONCATENATED MODULE: ./src/guard.ts

/** Something failed outside any stage's own error handling (a library's event handler threw). */
class UnexpectedError extends FedimgError {
    constructor(cause) {
        super('internal', `fedimg hit an unexpected failure: ${describeError(cause)}.`, {
            hint: 'The stage was cancelled and removed what it had not finished. Re-run the job; if it happens again, report it with this message.',
            cause,
        });
    }
}
/** How long a stage may take to clean up after an unexpected failure before the process gives up. */
const CLEANUP_GRACE_MS = 120_000;
/**
 * Runs a stage so that nothing thrown outside its own promise chain (an exception in a socket's
 * event handler, a rejection nobody awaited) ends the process behind its back: it cancels the stage
 * through `signal`, so the stage's own clean-up runs, and becomes the stage's error.
 */
async function runGuarded(work, outer) {
    const controller = new AbortController();
    const signal = outer ? AbortSignal.any([outer, controller.signal]) : controller.signal;
    let fail = () => undefined;
    const failed = new Promise((_, reject) => (fail = reject));
    let unexpected = false;
    const onFailure = (cause) => {
        if (unexpected)
            return; // the first one decided; the clean-up goes on
        unexpected = true;
        const error = new UnexpectedError(cause);
        controller.abort(error);
        fail(error);
        // The stage cleans up in the background; a process left unable to finish still ends.
        setTimeout(() => process.exit(process.exitCode ?? 1), CLEANUP_GRACE_MS).unref();
    };
    process.on('uncaughtException', onFailure);
    process.on('unhandledRejection', onFailure);
    try {
        return await Promise.race([work(signal), failed]);
    }
    finally {
        // After an unexpected failure the handlers stay: the clean-up still running must not be cut short.
        if (!unexpected) {
            process.off('uncaughtException', onFailure);
            process.off('unhandledRejection', onFailure);
        }
    }
}

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./src/util/text.ts
/** Untrusted text cut to a length a message can hold, with anything but printable ASCII as `?`. */
function truncateForMessage(value, max = 80) {
    const printable = value.replace(/[^\x20-\x7e]/g, '?');
    return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

;// CONCATENATED MODULE: ./src/net/host-policy.ts


const DEFAULT_ALLOWED_HOSTS = ['kojipkgs.fedoraproject.org', 'dl.fedoraproject.org'];
const DEFAULT_PORTS = { 'https:': '443', 'http:': '80' };
function parseAllowedHosts(value) {
    const hosts = value
        .split(/[,\s]+/)
        .map((entry) => entry.trim().toLowerCase())
        .filter(Boolean);
    for (const host of hosts) {
        if (!/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?::\d{1,5})?$/.test(host)) {
            throw new InputError(`allowed-hosts entry "${truncateForMessage(host)}" is not a host[:port].`, {
                hint: 'List host names or host:port pairs separated by commas, e.g. kojipkgs.fedoraproject.org,127.0.0.1:8080.',
            });
        }
    }
    return hosts;
}
function hostAllowed(url, policy) {
    const port = url.port || DEFAULT_PORTS[url.protocol];
    const hostname = url.hostname.toLowerCase();
    return policy.allowedHosts.some((entry) => {
        const [entryHost, entryPort] = entry.split(':');
        return entryHost === hostname && (entryPort ?? DEFAULT_PORTS[url.protocol]) === port;
    });
}
/** Parse a URL from untrusted input and check it against the host policy. */
function checkUrl(value, policy, what) {
    let url;
    try {
        url = typeof value === 'string' ? new URL(value) : value;
    }
    catch {
        throw new ComposeError(`The ${what} "${truncateForMessage(String(value))}" is not a URL.`, {
            hint: 'Give an absolute https:// URL.',
        });
    }
    const shown = truncateForMessage(url.href, 200);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new ComposeError(`The ${what} ${shown} uses ${url.protocol}, which fedimg does not fetch.`, {
            hint: 'Use an https:// URL.',
        });
    }
    if (url.username || url.password) {
        throw new ComposeError(`The ${what} ${shown} carries credentials, which fedimg refuses.`, {
            hint: 'Remove the user:password@ part.',
        });
    }
    if (!hostAllowed(url, policy)) {
        throw new ComposeError(`The ${what} ${shown} is on host ${url.host}, which is not in allowed-hosts.`, {
            hint: `Allowed: ${policy.allowedHosts.join(', ') || '(none)'}. Add the host to the allowed-hosts input if it is trusted.`,
        });
    }
    if (url.protocol === 'http:' && !policy.allowHttp) {
        throw new ComposeError(`The ${what} ${shown} uses plain http.`, {
            hint: 'Use https (Fedora hosts serve it); allow-http exists only for loopback test servers.',
        });
    }
    return url;
}

// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 17 modules
var schemas = __webpack_require__(8816);
;// CONCATENATED MODULE: ./src/compose/compose-id.ts


const TYPE_SUFFIXES = {
    '': 'production',
    '.n': 'nightly',
    '.t': 'test',
    '.ci': 'ci',
    '.d': 'development',
};
// productmd's release types (the part after the version in `Fedora-41-updates-…`).
const RELEASE_TYPES = ['fast', 'ga', 'updates', 'updates-testing', 'eus', 'aus', 'els', 'tus', 'e4s'];
// <short>-<version>[-<release type>]-<YYYYMMDD><type suffix>.<respin>, as productmd writes it. The
// version is a number (41, 8.10) or a word (Rawhide, eln); the short name may itself contain dashes
// (Fedora-Cloud), so it is matched lazily and the first split where the rest fits wins.
const COMPOSE_ID = new RegExp(String.raw `^(?<short>[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z][A-Za-z0-9_]*)*?)-(?<version>\d+(?:\.\d+)?|[A-Za-z][A-Za-z0-9]*)` +
    String.raw `(?:-(?<rtype>${RELEASE_TYPES.join('|')}))?-(?<date>\d{8})(?<suffix>\.n|\.t|\.ci|\.d)?\.(?<respin>\d+)$`);
const MAX_COMPOSE_ID_LENGTH = 100;
function parseComposeId(id) {
    const match = id.length <= MAX_COMPOSE_ID_LENGTH ? COMPOSE_ID.exec(id) : null;
    if (!match?.groups) {
        throw new ComposeError(`"${truncateForMessage(id)}" is not a Pungi compose ID.`, {
            hint: 'Expected <release>-<version>[-<release type>]-<YYYYMMDD>[.n|.t|.ci|.d].<respin>, e.g. Fedora-41-20240911.0, Fedora-Rawhide-20180426.n.0 or Fedora-eln-20260701.n.0.',
        });
    }
    const g = match.groups;
    return {
        id,
        short: g.short,
        version: g.version,
        releaseType: g.rtype || undefined,
        date: g.date,
        type: TYPE_SUFFIXES[g.suffix ?? ''],
        respin: Number(g.respin),
    };
}
const LABEL = /^(?<name>[A-Z][A-Za-z]{1,31})-(?<version>\d+(?:\.\d+){0,3})$/;
const PRERELEASE_NAMES = new Set(['EA', 'Alpha', 'Beta']);
function parseComposeLabel(label) {
    const match = LABEL.exec(label);
    if (!match?.groups) {
        throw new ComposeError(`"${truncateForMessage(label)}" is not a compose label.`, {
            hint: 'Expected <Name>-<X>.<Y>, e.g. Beta-1.2 or RC-1.4.',
        });
    }
    const name = match.groups.name;
    const version = match.groups.version;
    return { label, name, version, prerelease: PRERELEASE_NAMES.has(name), dated: /^\d{8}\./.test(version) };
}

;// CONCATENATED MODULE: ./src/compose/location.ts



/** Accepts either the compose root or its `compose/` directory (what Pungi's message carries). */
function resolveComposeLocation(value, policy) {
    const url = checkUrl(value, policy, 'compose location');
    if (url.search || url.hash) {
        throw new ComposeError(`The compose location ${truncateForMessage(url.href, 200)} has a query or fragment.`, {
            hint: 'Give the plain directory URL of the compose.',
        });
    }
    const path = url.pathname.replace(/\/+$/, '');
    const rootPath = path.endsWith('/compose') ? path.slice(0, -'/compose'.length) : path;
    const root = new URL(`${rootPath}/`, url);
    return { root, composeDir: new URL('compose/', root) };
}
// What a percent-escape in an image path may stand for: the characters of a plain file name.
const PLAIN_FILE_CHARACTER = /^[A-Za-z0-9._+~-]$/;
/**
 * Decodes the percent-escapes of a URL path from untrusted metadata. Only escapes of plain file-name
 * characters are accepted: an escaped separator, control character, space or quote is how a path
 * smuggles text past the checks (into logs, into file names), and is refused.
 */
function decodePathStrictly(path, what) {
    return path.replace(/%(.{0,2})/g, (escape, hex) => {
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
            throw new ComposeError(`The ${what} "${truncateForMessage(path, 200)}" has a malformed percent-escape ("${truncateForMessage(escape)}").`, { hint: 'Refusing it; the compose metadata may have been tampered with.' });
        }
        const character = String.fromCharCode(parseInt(hex, 16));
        if (!PLAIN_FILE_CHARACTER.test(character)) {
            throw new ComposeError(`The ${what} "${truncateForMessage(path, 200)}" has the percent-escape ${escape}, which is not a plain file-name character.`, {
                hint: 'Fedora image paths need no escapes; refusing it, the compose metadata may have been tampered with.',
            });
        }
        return character;
    });
}
/** The file an image URL names, decoded under the rules of decodePathStrictly. */
function fileNameOf(url, what) {
    return decodePathStrictly(url.pathname.split('/').pop() ?? '', what);
}
/**
 * Resolve an images.json path under the compose directory. The metadata comes from the network, so a
 * path that could leave the compose (`..`, absolute, encoded separators, another host) is refused.
 */
function resolveImagePath(composeDir, path) {
    const shown = truncateForMessage(path, 200);
    decodePathStrictly(path, 'image path in images.json');
    const unsafe = path.startsWith('/') ||
        path.includes('\\') ||
        // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
        /[?#\s\x00-\x1f\x7f]/.test(path) ||
        /%(?:2e|2f|5c)/i.test(path) ||
        path.split('/').some((segment) => segment === '..' || segment === '.' || segment === '') ||
        /^[a-z][a-z0-9+.-]*:/i.test(path);
    const url = new URL(path, composeDir);
    if (unsafe || url.origin !== composeDir.origin || !url.pathname.startsWith(composeDir.pathname)) {
        throw new ComposeError(`Image path "${shown}" in images.json escapes the compose directory ${composeDir.href}.`, {
            hint: 'Refusing to fetch it; the compose metadata may have been tampered with.',
        });
    }
    return url;
}

;// CONCATENATED MODULE: ./src/compose/select.ts
/** Fedora architectures that have an EC2 equivalent; ppc64, ppc64le, s390x and armhfp have none. */
const EC2_ARCHITECTURES = {
    x86_64: 'x86_64',
    aarch64: 'arm64',
};
/** The productmd image type of the AWS input: a raw disk compressed with xz. */
const AWS_IMAGE_TYPE = 'raw-xz';
/**
 * Pick the AWS images of a compose by productmd type and subvariant, never by file suffix: a release
 * compose carries many other raw.xz files (Server, Workstation, Spins, ARM -sda images, AtomicHost).
 */
function selectImages(images, criteria) {
    const seen = new Set();
    return images.filter((image) => {
        const wanted = image.type === AWS_IMAGE_TYPE &&
            image.format === 'raw.xz' &&
            criteria.subvariants.includes(image.subvariant) &&
            criteria.architectures.includes(image.arch) &&
            image.arch in EC2_ARCHITECTURES;
        if (!wanted)
            return false;
        // The same file can be listed under several variants (e.g. Cloud and CloudImages).
        const key = `${image.subvariant}/${image.arch}/${image.path.split('/').pop()}`;
        if (seen.has(key))
            return false;
        seen.add(key);
        return true;
    });
}

;// CONCATENATED MODULE: ./src/compose/planned-image.ts






const word = (max) => schemas/* string */.YjP()
    .max(max)
    .regex(/^[A-Za-z0-9._-]*$/);
const plannedImageSchema = schemas/* strictObject */.rej({
    name: word(200).min(1),
    file: schemas/* string */.YjP().regex(/^[A-Za-z0-9._+-]{1,200}\.raw\.xz$/),
    arch: schemas/* enum */.k5n(['x86_64', 'aarch64']),
    ec2_arch: schemas/* enum */.k5n(['x86_64', 'arm64']),
    url: schemas/* string */.YjP().max(2048),
    size: schemas/* number */.aig().int().positive(),
    sha256: schemas/* string */.YjP().regex(/^[0-9a-f]{64}$/),
    compose_id: word(100),
    release: word(32),
    release_number: schemas/* number */.aig().int().min(1).max(999).optional(),
    subvariant: word(64),
    variant: word(64),
    compose_type: schemas/* enum */.k5n(['production', 'nightly', 'test', 'ci', 'development']),
    compose_date: schemas/* string */.YjP().regex(/^(\d{8})?$/),
    compose_respin: schemas/* number */.aig().int().nonnegative(),
    label: word(64),
    /** Set by the plan: the name the default flavour's AMI gets, for people reading the matrix. */
    ami_name: schemas/* string */.YjP()
        .regex(/^[A-Za-z0-9 ()[\]./\-'@_]{3,128}$/)
        .optional(),
});
/**
 * What is wrong with a would-be plan-matrix entry, or undefined when nothing is. The plan checks
 * every image it discovers with exactly this, and later jobs check their `image` input with it
 * again, so the plan refuses exactly what import would refuse.
 */
function plannedImageProblem(data, policy) {
    const result = plannedImageSchema.safeParse(data);
    if (!result.success) {
        const issue = result.error.issues[0];
        return `${issue.path.join('.') || '(top level)'}: ${issue.message}`;
    }
    const image = result.data;
    if ((image.arch === 'aarch64') !== (image.ec2_arch === 'arm64'))
        return `arch is ${image.arch} but ec2_arch is ${image.ec2_arch}`;
    try {
        checkUrl(image.url, policy, 'image URL');
        if (image.compose_id)
            parseComposeId(image.compose_id);
    }
    catch (error) {
        return error.message;
    }
    return undefined;
}
/**
 * One entry of the plan's matrix, handed to a later job's `image` input. It passed through the
 * workflow, so it is validated again like any other untrusted input.
 */
function parsePlannedImage(text, policy) {
    let data;
    try {
        data = JSON.parse(text);
    }
    catch (error) {
        throw new InputError(`Input image is not JSON (${error.message}).`, {
            hint: 'Pass one entry of the plan output: ${{ toJSON(matrix) }}.',
        });
    }
    const problem = plannedImageProblem(data, policy);
    if (problem) {
        throw new InputError(`Input image is invalid: ${problem}.`, {
            hint: 'Pass one entry of the plan output unchanged.',
        });
    }
    return data;
}
/**
 * The plan's images, as a later stage is handed them: the plan's `images` output (`{"include":
 * […]}`), what `fedimg plan --json` prints (`{"matrix": {"include": […]}, …}`), or a bare list.
 * Every entry is checked as a matrix entry is, and they must all be of one compose.
 */
function parsePlannedImages(text, policy) {
    let data;
    try {
        data = JSON.parse(text);
    }
    catch (error) {
        throw new InputError(`The plan's images are not JSON (${error.message}).`, {
            hint: "Pass the plan job's images output, or the file `fedimg plan --json` wrote.",
        });
    }
    const record = (value) => value && typeof value === 'object' && !Array.isArray(value) ? value : {};
    const entries = Array.isArray(data)
        ? data
        : (record(data).include ?? record(record(data).matrix).include ?? record(record(data).plan).images);
    if (!Array.isArray(entries) || entries.length > 64)
        throw new InputError("The plan's images are not a list of matrix entries (at most 64).", {
            hint: "Pass the plan job's images output unchanged.",
        });
    const images = entries.map((entry, index) => {
        const problem = plannedImageProblem(entry, policy);
        if (problem)
            throw new InputError(`Entry ${index + 1} of the plan's images is invalid: ${problem}.`, {
                hint: "Pass the plan job's images output unchanged.",
            });
        return entry;
    });
    if (new Set(images.map((image) => image.compose_id)).size > 1)
        throw new InputError("The plan's images are of more than one compose.", {
            hint: 'Give the images of one plan.',
        });
    return images;
}
/** A discovered image, checked by the same rules as a plan-matrix entry before anything uses it. */
function plannedImage(url, arch, size, sha256, compose, extra, policy) {
    const file = fileNameOf(url, 'image file name');
    const image = {
        name: file.replace(/\.raw\.xz$/, ''),
        file,
        arch,
        ec2_arch: EC2_ARCHITECTURES[arch],
        url: url.href,
        size,
        sha256,
        compose_id: compose.id,
        release: extra.release,
        ...(extra.releaseNumber !== undefined ? { release_number: extra.releaseNumber } : {}),
        subvariant: extra.subvariant,
        variant: extra.variant,
        compose_type: compose.type,
        compose_date: compose.date,
        compose_respin: compose.respin,
        label: extra.label,
    };
    const problem = plannedImageProblem(image, policy);
    if (problem) {
        throw new ComposeError(`The compose lists an image fedimg cannot publish, ${url.href}: ${problem}.`, {
            hint: 'Nothing was started. The compose metadata does not look like Fedora’s; ask release engineering.',
        });
    }
    return image;
}

// EXTERNAL MODULE: ./src/settings/stage-names.ts
var stage_names = __webpack_require__(1202);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-iam/dist-cjs/index.js
var dist_cjs = __webpack_require__(6764);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-sts/dist-cjs/index.js
var client_sts_dist_cjs = __webpack_require__(1695);
;// CONCATENATED MODULE: ./src/aws/identity.ts



const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const ASSUMED_ROLE = /^arn:(aws|aws-cn|aws-us-gov):sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/[\w+=,.@-]+$/;
function parseRoleArn(arn) {
    const match = ROLE_ARN.exec(arn);
    return match ? { arn, partition: match[1], account: match[2], name: match[3] } : undefined;
}
/**
 * The role behind an assumed-role session ARN (`arn:aws:sts::<account>:assumed-role/<name>/<session>`),
 * with the ARN it would have at the root path; the session ARN does not carry the role's path.
 */
function roleOfSession(arn) {
    const match = ASSUMED_ROLE.exec(arn);
    if (!match)
        return undefined;
    const [, partition, account, name] = match;
    return {
        arn: `arn:${partition}:iam::${account}:role/${name}`,
        partition: partition,
        account: account,
        name: name,
    };
}
async function callerArn(sts) {
    const { Arn } = await sts.send(new client_sts_dist_cjs/* GetCallerIdentityCommand */.zI({}));
    return Arn ?? '';
}
/** IAM's JSON policy language, as far as a trust policy is read here; anything else is kept as is. */
const stringOrList = schemas/* union */.KCZ([schemas/* string */.YjP(), schemas/* array */.YOg(schemas/* string */.YjP())]).transform((value) => [value].flat());
const PolicyText = schemas/* object */.Ikc({
    Statement: schemas/* union */.KCZ([schemas/* array */.YOg(schemas/* unknown */.L5J()), schemas/* unknown */.L5J()]).transform((value) => [value].flat()),
});
const TrustStatement = schemas/* object */.Ikc({
    Effect: schemas/* enum */.k5n(['Allow', 'Deny']),
    Principal: schemas/* union */.KCZ([schemas/* literal */.euz('*'), schemas/* record */.g1P(schemas/* string */.YjP(), stringOrList)]).optional(),
    Action: stringOrList.optional(),
    Condition: schemas/* record */.g1P(schemas/* string */.YjP(), schemas/* record */.g1P(schemas/* string */.YjP(), stringOrList)).optional(),
});
/** A role as GetRole returns it: its ARN (with its path) and its trust policy, parsed. */
async function describeRole(iam, name) {
    const { Role } = await iam.send(new dist_cjs/* GetRoleCommand */.kbp({ RoleName: name }));
    let document;
    try {
        document = JSON.parse(decodeURIComponent(Role?.AssumeRolePolicyDocument ?? ''));
    }
    catch {
        document = undefined;
    }
    const statements = PolicyText.safeParse(document);
    const trust = statements.success
        ? statements.data.Statement.flatMap((statement) => {
            const parsed = TrustStatement.safeParse(statement);
            return parsed.success ? [parsed.data] : [];
        })
        : [];
    return { arn: Role?.Arn ?? '', trust };
}
async function attachedPolicyArns(iam, name) {
    const arns = [];
    let Marker;
    do {
        const page = await iam.send(new dist_cjs/* ListAttachedRolePoliciesCommand */.wfM({ RoleName: name, Marker }));
        arns.push(...(page.AttachedPolicies ?? []).flatMap((policy) => (policy.PolicyArn ? [policy.PolicyArn] : [])));
        Marker = page.IsTruncated ? page.Marker : undefined;
    } while (Marker);
    return arns;
}
/**
 * IAM's policy simulator on one action and one resource, with the condition keys the real call
 * carries (the simulator fetches no tags itself); `missing` lists keys the policy tests that the
 * context did not give.
 */
async function simulate(iam, roleArn, action, resource, context) {
    const { EvaluationResults = [] } = await iam.send(new dist_cjs/* SimulatePrincipalPolicyCommand */.kUw({
        PolicySourceArn: roleArn,
        ActionNames: [action],
        ResourceArns: [resource],
        ContextEntries: Object.entries(context).map(([ContextKeyName, value]) => ({
            ContextKeyName,
            ContextKeyValues: [value].flat(),
            ContextKeyType: Array.isArray(value) ? 'stringList' : 'string',
        })),
    }));
    const result = EvaluationResults[0];
    const decision = result?.EvalDecision;
    return {
        decision: decision === 'allowed' || decision === 'explicitDeny' ? decision : 'implicitDeny',
        missing: result?.MissingContextValues ?? [],
    };
}

// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-ebs/dist-cjs/index.js
var client_ebs_dist_cjs = __webpack_require__(7787);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-ec2/dist-cjs/index.js
var client_ec2_dist_cjs = __webpack_require__(5193);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-marketplace-catalog/dist-cjs/index.js
var client_marketplace_catalog_dist_cjs = __webpack_require__(9216);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-s3/dist-cjs/index.js
var client_s3_dist_cjs = __webpack_require__(3711);
// EXTERNAL MODULE: ./node_modules/@smithy/node-http-handler/dist-cjs/index.js
var node_http_handler_dist_cjs = __webpack_require__(1279);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: ./node_modules/@smithy/core/dist-cjs/submodules/endpoints/index.js
var endpoints = __webpack_require__(2085);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:module"
var external_node_module_ = __webpack_require__(8995);
// EXTERNAL MODULE: external "node:url"
var external_node_url_ = __webpack_require__(3136);
// EXTERNAL MODULE: external "node:worker_threads"
var external_node_worker_threads_ = __webpack_require__(5919);
;// CONCATENATED MODULE: ./src/util/threads.ts





/**
 * Starts one of fedimg's own threads. `moduleUrl` is the caller's import.meta.url and `name` the
 * thread module beside it. In the bundles (dist/action, dist/cli) every thread module is a file of
 * its own beside index.js (scripts/build.mjs puts it there). Run from source (tests, `npm start`),
 * the module is bundled once per process with esbuild, as the build would (a thread that loaded
 * TypeScript through a loader of its own took 0.2 s to start, and an upload starts several).
 */
function startThread(moduleUrl, name, options) {
    if (!moduleUrl.endsWith('.ts'))
        return new external_node_worker_threads_.Worker(new URL(`./${name}.js`, moduleUrl), options);
    // Plain JavaScript: without the TypeScript loader the process was started with (tsx).
    return new external_node_worker_threads_.Worker(bundledFromSource((0,external_node_url_.fileURLToPath)(new URL(`./${name}.ts`, moduleUrl))), {
        ...options,
        execArgv: [],
    });
}
const bundled = new Map();
/** The thread module as one ESM file under .tmp/threads/ (bare imports resolve from the checkout). */
function bundledFromSource(entry) {
    let file = bundled.get(entry);
    if (!file) {
        // The checkout's .tmp/ (git-ignored): bare imports resolve from its node_modules.
        // (A path made from strings: the bundler would take a literal URL for an asset to ship.)
        const dir = (0,external_node_path_.join)((0,external_node_url_.fileURLToPath)(import.meta.url).replace(/src[/\\]util[/\\]threads\.ts$/, ''), '.tmp', 'threads');
        (0,external_node_fs_.mkdirSync)(dir, { recursive: true });
        file = (0,external_node_path_.join)(dir, `${entry.replace(/^.*\/src\//, '').replace(/[/.]/g, '-')}-${process.pid}.mjs`);
        // A development dependency, loaded only here: never part of a bundle.
        const esbuild = (0,external_node_module_.createRequire)(import.meta.url)(['esbuild'][0]);
        esbuild.buildSync({
            entryPoints: [entry],
            bundle: true,
            platform: 'node',
            format: 'esm',
            packages: 'external',
            outfile: `${file}.partial`,
            logLevel: 'error',
        });
        (0,external_node_fs_.renameSync)(`${file}.partial`, file);
        const made = file;
        process.once('exit', () => (0,external_node_fs_.rmSync)(made, { force: true }));
        bundled.set(entry, file);
    }
    return file;
}

;// CONCATENATED MODULE: ./src/aws/snapshot-blocks.ts





/** An EBS error in the shape the SDK gives its service exceptions, so one classification serves both. */
class EbsServiceError extends Error {
    $metadata;
    $fault;
    constructor(name, message, status, fields, requestId) {
        super(message);
        this.name = name;
        this.$metadata = { httpStatusCode: status, ...(requestId ? { requestId } : {}) };
        this.$fault = status >= 500 ? 'server' : 'client';
        for (const [key, value] of Object.entries(fields))
            if (!(key in this))
                this[key] = value;
    }
}
/** The error restJson1 describes: x-amzn-errortype (or __type/code in the body), message, extra fields. */
function ebsErrorFrom(status, headers, body) {
    let fields = {};
    try {
        const parsed = JSON.parse(body);
        if (parsed && typeof parsed === 'object')
            fields = parsed;
    }
    catch {
        // Not JSON (a proxy's page, an empty body): the status decides.
    }
    const typeHeader = headers['x-amzn-errortype'];
    const rawType = String((Array.isArray(typeHeader) ? typeHeader[0] : typeHeader) ?? fields.__type ?? fields.code ?? '');
    // "aws.protocoltests#FooError" or "FooError:http://internal.amazon.com/...": the bare name.
    const name = rawType.split(':')[0].split('#').pop() ||
        (status >= 500 ? 'InternalServerException' : `Http${status}Error`);
    const message = String(fields.message ?? fields.Message ?? `PutSnapshotBlock answered HTTP ${status}`);
    const requestId = headers['x-amzn-requestid'];
    const { message: _m, Message: _M, __type: _t, ...rest } = fields;
    return new EbsServiceError(name, message, status, rest, typeof requestId === 'string' ? requestId : undefined);
}
/**
 * Sending threads per writer: one per two cores, at most four. With two cores or fewer one thread:
 * xz and the other threads already take both cores, and every thread costs memory and switches.
 */
const senderThreads = () => Math.min(4, Math.max(1, Math.floor((0,external_node_os_.availableParallelism)() / 2)));
/** The memory of a block as one whole ArrayBuffer, which can move to another thread. */
function movable(data) {
    if (data.byteOffset === 0 && data.buffer.byteLength === data.length && data.buffer instanceof ArrayBuffer)
        return data.buffer;
    const copy = new ArrayBuffer(data.length);
    data.copy(Buffer.from(copy));
    return copy;
}
/** The error a sending thread reported, as the one the request would have raised here. */
function failureOf(outcome) {
    if (outcome.refused) {
        const { status, headers, body } = outcome.refused;
        return ebsErrorFrom(status, headers, body);
    }
    if (outcome.failed) {
        const { name, message, code } = outcome.failed;
        return Object.assign(new Error(message), { name, ...(code ? { code } : {}) });
    }
    return undefined;
}
/**
 * Creates a writer for one region's EBS client. Its sending threads start with the first block and
 * keep the process alive only while they have work.
 */
function snapshotBlockWriter(client, region, options) {
    const config = client.config;
    // The endpoint of PutSnapshotBlock as the SDK resolves it (the rules do not depend on the block).
    let endpoint;
    const resolveEndpoint = () => (endpoint ??= (0,endpoints.getEndpointFromInstructions)({ SnapshotId: 'snap-0', BlockIndex: 0 }, client_ebs_dist_cjs/* PutSnapshotBlockCommand */.O_, config).then((resolved) => new URL(resolved.url.href)));
    const senders = [];
    let nextId = 0;
    function startSender(url) {
        const count = senderThreads();
        const setup = {
            region,
            endpoint: url.href,
            uriEscapePath: config.signingEscapePath ?? true,
            sockets: Math.ceil(options.sockets / count),
            requestTimeoutMs: options.requestTimeoutMs,
            idleTimeoutMs: options.idleTimeoutMs,
        };
        // Its heap holds requests and answers only (block memory is outside it): a small young
        // generation keeps each thread's memory to a few MiB.
        const worker = startThread(import.meta.url, 'snapshot-block-worker', {
            workerData: setup,
            resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 128 },
        });
        worker.unref();
        const sender = { worker, waiting: new Map() };
        worker.on('message', (outcome) => {
            sender.waiting.get(outcome.id)?.(outcome);
        });
        const stopped = (reason) => {
            const at = senders.indexOf(sender);
            if (at >= 0)
                senders.splice(at, 1);
            // Its blocks' memory went with it, so those blocks cannot be retried.
            const error = new UploadError(`A PutSnapshotBlock sending thread stopped (${reason instanceof Error ? reason.message : String(reason)}).`, { hint: 'Re-run the job: the snapshot is started again from its first block.' });
            for (const settle of sender.waiting.values())
                settle(error);
        };
        worker.on('error', stopped);
        worker.on('exit', (code) => stopped(`exit code ${code}`));
        return sender;
    }
    /** The sending thread with the fewest jobs, started while there are fewer than senderThreads(). */
    async function sender() {
        const url = await resolveEndpoint();
        while (senders.length < senderThreads())
            senders.push(startSender(url));
        return senders.reduce((least, each) => (each.waiting.size < least.waiting.size ? each : least));
    }
    return {
        async put(snapshotId, block, signal) {
            try {
                signal?.throwIfAborted();
                const target = await sender();
                const identity = await config.credentials();
                const id = nextId++;
                const length = block.data.length;
                const job = {
                    kind: 'put',
                    id,
                    snapshotId,
                    index: block.index,
                    buffer: movable(block.data),
                    length,
                    ...(block.sha256 ? { sha256: block.sha256 } : {}),
                    credentials: {
                        accessKeyId: identity.accessKeyId,
                        secretAccessKey: identity.secretAccessKey,
                        ...(identity.sessionToken ? { sessionToken: identity.sessionToken } : {}),
                    },
                    signingTime: Date.now() + (config.systemClockOffset ?? 0),
                };
                const outcome = await new Promise((resolve) => {
                    const onAbort = () => {
                        const abort = { kind: 'abort', id, reason: String(signal?.reason ?? 'aborted') };
                        target.worker.postMessage(abort);
                    };
                    target.waiting.set(id, (answer) => {
                        target.waiting.delete(id);
                        signal?.removeEventListener('abort', onAbort);
                        if (target.waiting.size === 0)
                            target.worker.unref();
                        resolve(answer);
                    });
                    signal?.addEventListener('abort', onAbort, { once: true });
                    if (target.waiting.size === 1)
                        target.worker.ref();
                    target.worker.postMessage(job, [job.buffer]);
                });
                if (outcome instanceof Error)
                    throw outcome;
                // The same memory, back from the sending thread: a retry sends it again, release reuses it.
                block.data = Buffer.from(outcome.buffer, 0, length);
                const failure = failureOf(outcome);
                if (failure)
                    throw failure;
                return outcome.sha256;
            }
            catch (error) {
                throw markAwsCall(error, 'ebs:PutSnapshotBlock', region);
            }
        },
        destroy() {
            for (const each of senders.splice(0))
                void each.worker.terminate();
        },
    };
}

;// CONCATENATED MODULE: ./src/aws/clients.ts











/** AWS's guidance for one PutSnapshotBlock attempt: about 20 seconds. */
const DEFAULT_BLOCK_TIMEOUT_MS = 20_000;
/**
 * Marks every error a call ends in with the call (`ec2:RunInstances`) and the region, so whatever
 * reports it can say which call AWS refused, where. The error itself is passed on unchanged.
 */
function namingFailedCalls(service, region) {
    const middleware = (next, context) => async (args) => {
        try {
            return await next(args);
        }
        catch (error) {
            const operation = String(context.commandName ?? 'call').replace(/Command$/, '');
            throw markAwsCall(error, `${service}:${operation}`, region);
        }
    };
    return {
        applyToStack: (stack) => stack.add(middleware, { step: 'initialize', name: 'fedimgNamingFailedCalls' }),
    };
}
class AwsClients {
    options;
    cache = new Map();
    writers = new Map();
    constructor(options) {
        this.options = options;
    }
    get attempts() {
        return this.options.maxAttempts ?? 8;
    }
    cached(key, make) {
        let client = this.cache.get(key);
        if (!client) {
            client = make();
            this.cache.set(key, client);
        }
        return client;
    }
    ec2(region) {
        return this.cached(`ec2:${region}`, () => {
            const client = new client_ec2_dist_cjs/* EC2Client */.gu5({
                region,
                maxAttempts: this.attempts,
                requestHandler: new node_http_handler_dist_cjs.NodeHttpHandler({
                    connectionTimeout: 10_000,
                    requestTimeout: 60_000,
                    throwOnRequestTimeout: true,
                }),
            });
            client.middlewareStack.use(namingFailedCalls('ec2', region));
            return client;
        });
    }
    /** EBS direct: no SDK retries (the uploader has its own single retry layer) and hard timeouts. */
    ebs(region) {
        return this.cached(`ebs:${region}`, () => {
            const client = new client_ebs_dist_cjs/* EBSClient */.q({
                region,
                maxAttempts: 1,
                requestHandler: new node_http_handler_dist_cjs.NodeHttpHandler({
                    httpAgent: new external_node_http_.Agent({ keepAlive: true }),
                    httpsAgent: new external_node_https_.Agent({ keepAlive: true }),
                    connectionTimeout: 10_000,
                    requestTimeout: this.options.blockTimeoutMs ?? DEFAULT_BLOCK_TIMEOUT_MS,
                    throwOnRequestTimeout: true,
                }),
            });
            client.middlewareStack.use(namingFailedCalls('ebs', region));
            return client;
        });
    }
    /**
     * PutSnapshotBlock's lean path for one region: the EBS client's endpoint, credentials and clock,
     * its own keep-alive sockets (one per worker) and the same per-attempt limits.
     */
    ebsBlocks(region) {
        let writer = this.writers.get(region);
        if (!writer) {
            const { concurrency, blockTimeoutMs = DEFAULT_BLOCK_TIMEOUT_MS } = this.options;
            writer = snapshotBlockWriter(this.ebs(region), region, {
                sockets: concurrency,
                requestTimeoutMs: blockTimeoutMs,
                idleTimeoutMs: Math.min(blockTimeoutMs, 12_000),
            });
            this.writers.set(region, writer);
        }
        return writer;
    }
    /** The AWS Marketplace Catalog API, which lives in us-east-1 only. */
    catalog() {
        return this.cached('catalog', () => {
            const client = new client_marketplace_catalog_dist_cjs/* MarketplaceCatalogClient */.Ajp({ region: 'us-east-1', maxAttempts: this.attempts });
            client.middlewareStack.use(namingFailedCalls('aws-marketplace', 'us-east-1'));
            return client;
        });
    }
    /** IAM is global; its endpoint in the aws partition signs for us-east-1. */
    iam() {
        return this.cached('iam', () => {
            const client = new dist_cjs/* IAMClient */.h8v({ region: 'us-east-1', maxAttempts: this.attempts });
            client.middlewareStack.use(namingFailedCalls('iam', 'global'));
            return client;
        });
    }
    sts(region) {
        return this.cached(`sts:${region}`, () => {
            const client = new client_sts_dist_cjs/* STSClient */.iM({ region, maxAttempts: this.attempts });
            client.middlewareStack.use(namingFailedCalls('sts', region));
            return client;
        });
    }
    s3(region) {
        // An endpoint override (emulator, S3-compatible store) usually has no per-bucket host names.
        const overridden = Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
        return this.cached(`s3:${region}`, () => {
            const client = new client_s3_dist_cjs.S3Client({ region, maxAttempts: this.attempts, forcePathStyle: overridden });
            client.middlewareStack.use(namingFailedCalls('s3', region));
            return client;
        });
    }
    destroy() {
        for (const writer of this.writers.values())
            writer.destroy();
        this.writers.clear();
        for (const client of this.cache.values())
            client.destroy();
        this.cache.clear();
    }
}

;// CONCATENATED MODULE: ./src/compose/image-file.ts
const RELEASE = String.raw `(?<release>\d+|[A-Za-z][A-Za-z0-9]*)(?:_(?<milestone>[A-Za-z]+))?`;
const VERSION = String.raw `(?<version>\d[0-9A-Za-z.]*?)`;
const ARCH = String.raw `(?<arch>x86_64|aarch64)`;
// The product is matched lazily: the first place where release and version fit splits the name.
const SUFFIX_LAYOUT = new RegExp(String.raw `^(?<product>.+?)-${RELEASE}-${VERSION}\.${ARCH}(?:\.raw\.xz)?$`);
const INFIX_LAYOUT = new RegExp(String.raw `^(?<product>.+?)\.${ARCH}-${RELEASE}-${VERSION}(?:\.raw\.xz)?$`);
/** The parts of an image file name (with or without `.raw.xz`), or undefined when it fits neither layout. */
function parseImageFileName(name) {
    const groups = (INFIX_LAYOUT.exec(name) ?? SUFFIX_LAYOUT.exec(name))?.groups;
    if (!groups)
        return undefined;
    return {
        product: groups.product,
        arch: groups.arch,
        release: groups.release,
        milestone: groups.milestone,
        version: groups.version,
    };
}

;// CONCATENATED MODULE: ./src/aws/naming.ts



/** RegisterImage: 3–128 characters of letters, digits, space and ( ) [ ] . / - ' @ _ */
const AMI_NAME = /^[A-Za-z0-9 ()[\]./\-'@_]{3,128}$/;
/** Fedora's current names: Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4 (…-41-Prerelease-1.2, …-43-20260226.0). */
const DEFAULT_NAME_TEMPLATE = '{product}.{arch}-{release}-{version}';
/** What the old fedimg service called its AMIs. */
const CLASSIC_NAME_TEMPLATE = '{stem}-hvm-{region}-{volume_type}-0';
const NAME_VARIABLES = [
    'stem',
    'product',
    'arch',
    'ec2_arch',
    'release',
    'version',
    'label',
    'compose_id',
    'date',
    'respin',
    'volume_type',
    'flavour',
    'region',
];
function resolveNameTemplate(template) {
    if (template === 'fedora' || template === '')
        return DEFAULT_NAME_TEMPLATE;
    if (template === 'classic')
        return CLASSIC_NAME_TEMPLATE;
    for (const [, name] of template.matchAll(/\{([^}]*)\}/g)) {
        if (!NAME_VARIABLES.includes(name)) {
            throw new InputError(`name-template uses {${name}}, which is not a known variable.`, {
                hint: `Use ${NAME_VARIABLES.map((v) => `{${v}}`).join(', ')}.`,
            });
        }
    }
    return template;
}
/** The release as Fedora writes it in AMI names: `41`, `Rawhide`, `ELN` (productmd says `eln`). */
function releaseName(release) {
    if (/^eln$/i.test(release))
        return 'ELN';
    if (/^rawhide$/i.test(release))
        return 'Rawhide';
    return release;
}
/**
 * The image's own version as Fedora writes it in AMI names: the label's version for a release
 * compose (`1.4`; `Prerelease-1.2` for a Beta), else the compose date and respin (`20260226.0`). A
 * nightly of a numbered release is a branched compose, not yet released: `Prerelease-20250820.0`.
 */
function imageVersion(image) {
    if (image.label) {
        const label = parseComposeLabel(image.label);
        return label.prerelease ? `Prerelease-${label.version}` : label.version;
    }
    const dated = `${image.compose_date}.${image.compose_respin}`;
    return image.compose_type === 'nightly' && /^\d+$/.test(image.release) ? `Prerelease-${dated}` : dated;
}
/** What the image is, without arch or version: `Fedora-Cloud-Base-AmazonEC2`, in either file-name layout. */
function imageProduct(image) {
    return parseImageFileName(image.name)?.product ?? image.name.replace(/\.(x86_64|aarch64)$/, '');
}
function amiName(template, { image, flavour, isDefaultFlavour, region }) {
    const values = {
        stem: image.name,
        product: imageProduct(image),
        arch: image.arch,
        ec2_arch: image.ec2_arch,
        release: releaseName(image.release),
        version: imageVersion(image),
        label: image.label,
        compose_id: image.compose_id,
        date: image.compose_date,
        respin: String(image.compose_respin),
        volume_type: flavour.volumeType,
        flavour: flavour.name,
        region,
    };
    let name = template.replace(/\{([a-z_0-9]+)\}/g, (_, key) => values[key] ?? '');
    if (!isDefaultFlavour && !/\{(flavour|volume_type)\}/.test(template))
        name += `-${flavour.name}`;
    if (!AMI_NAME.test(name)) {
        throw new InputError(`The AMI name "${name}" (template ${template}) is not a valid AMI name.`, {
            hint: "AMI names are 3-128 characters of letters, digits, spaces and ( ) [ ] . / - ' @ _; change name-template.",
        });
    }
    return name;
}

;// CONCATENATED MODULE: ./src/compose/kind.ts

/**
 * What a compose is, for how long its AMIs live: a nightly, test, ci or development compose; a dated
 * production compose (no label, or a label that carries a date, such as the Fedora-Cloud composes'
 * `RC-20180317.0`); a Beta (a pre-release milestone, `Beta-1.2`); a GA release (`RC-1.4`).
 */
const COMPOSE_KINDS = ['nightly', 'test', 'ci', 'development', 'dated', 'beta', 'ga'];
/** Fedora's old practice: nightlies and dated composes expire; GA and Beta are kept. */
const DEFAULT_EXPIRING_KINDS = ['nightly', 'test', 'ci', 'development', 'dated'];
function composeKind(image) {
    if (image.compose_type !== 'production')
        return image.compose_type;
    if (!image.label)
        return 'dated';
    const label = parseComposeLabel(image.label);
    if (label.dated)
        return 'dated';
    return label.prerelease ? 'beta' : 'ga';
}

;// CONCATENATED MODULE: ./src/report/fedora-message.ts



/**
 * Fedora's message for a published AMI: the schema fedora-image-uploader-messages defines
 * (AwsPublishedV1), whose name is also the base of its routing key.
 */
const PUBLISHED_SCHEMA = 'fedora_image_uploader.published.v1.aws';
/**
 * The routing key's suffix after the schema name. Consumers written in 2025 bind
 * `….aws.rawhide.Cloud_Base.<arch>` and `….aws.nightly.Cloud_Base.<arch>`: a stream, the subvariant,
 * the architecture. (A message of 2024-09-12 went out on `….aws.Cloud_Base.41.x86_64`, the order
 * used before.) The stream of a Beta or GA compose is not confirmed by any public source; fedimg
 * uses its release number there.
 */
const DEFAULT_TOPIC_SUFFIX = '{stream}.{subvariant}.{arch}';
const TOPIC_PLACEHOLDERS = ['stream', 'release', 'subvariant', 'arch'];
/**
 * The body of that message, mirroring its JSON schema: every property required, nothing else, and
 * `release` an integer. Every body fedimg sends is parsed with this first.
 */
const awsPublishedBody = schemas/* strictObject */.rej({
    architecture: schemas/* string */.YjP().min(1),
    compose_id: schemas/* string */.YjP().min(1),
    image_name: schemas/* string */.YjP().min(1),
    regions: schemas/* record */.g1P(schemas/* string */.YjP().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/), schemas/* string */.YjP().regex(/^ami-[0-9a-f]{8,17}$/)),
    release: schemas/* number */.aig().int(),
    subvariant: schemas/* string */.YjP().min(1),
});
/**
 * The release as the schema's integer: the compose's version, or for Rawhide the release number the
 * plan read from the compose's metadata. ELN has none (its composes follow RHEL, not a Fedora
 * release), and a message with a made-up number would mislead consumers (QA's release-validation
 * bot files results by release), so none is sent for it.
 */
function releaseNumber(image) {
    if (image.release_number !== undefined)
        return image.release_number;
    return /^\d+$/.test(image.release) ? Number(image.release) : undefined;
}
/** The stream a compose is announced on: rawhide, nightly (also branched and dated), or its release. */
function messageStream(image, release) {
    if (/^rawhide$/i.test(image.release))
        return 'rawhide';
    const kind = composeKind(image);
    return kind === 'beta' || kind === 'ga' ? String(release) : 'nightly';
}
/** The routing key: the schema name and the suffix template with its placeholders filled. */
function messageTopic(template, values) {
    const suffix = template.replace(/\{(\w+)\}/g, (_whole, name) => values[name]);
    return suffix ? `${PUBLISHED_SCHEMA}.${suffix}` : PUBLISHED_SCHEMA;
}
/** The message for one image public in these regions, or why there is none. */
function publishedMessage(image, imageName, regions, topicTemplate) {
    const release = releaseNumber(image);
    if (release === undefined)
        return {
            skipped: `${PUBLISHED_SCHEMA} needs a release number and ${releaseName(image.release)} has none`,
        };
    const sorted = Object.fromEntries(Object.entries(regions).sort(([a], [b]) => a.localeCompare(b)));
    return {
        topic: messageTopic(topicTemplate, {
            stream: messageStream(image, release),
            release: String(release),
            subvariant: image.subvariant,
            arch: image.arch,
        }),
        body: awsPublishedBody.parse({
            architecture: image.arch,
            compose_id: image.compose_id,
            image_name: imageName,
            regions: sorted,
            release,
            subvariant: image.subvariant,
        }),
    };
}

;// CONCATENATED MODULE: ./src/settings/doctor-inputs.ts
/**
 * The doctor stage's inputs (part of INPUTS in inputs.ts, kept here so that table stays short).
 * Imports nothing, so inputs.ts can include it without a cycle.
 */
const DOCTOR_INPUTS = {
    'doctor-stages': {
        group: 'doctor',
        value: '<list>',
        help: 'the stages whose AWS calls doctor checks (default: every stage that uses AWS; marketplace when products are set)',
    },
    'doctor-role-arn': {
        group: 'doctor',
        value: '<arn>',
        help: 'the role to check (default: the role fedimg runs as)',
    },
    'doctor-repository': {
        group: 'doctor',
        value: '<owner/name>',
        help: "the repository whose workflows the role's OIDC trust must name (default: GITHUB_REPOSITORY)",
    },
};

;// CONCATENATED MODULE: ./src/settings/marketplace-inputs.ts
/**
 * The marketplace stage's inputs (part of INPUTS in inputs.ts, kept here so that table stays short).
 * Imports nothing, so inputs.ts can include it without a cycle.
 */
const MARKETPLACE_INPUTS = {
    'marketplace-products': {
        group: 'marketplace',
        value: '<arch=prod-…,…>',
        help: 'the AMI product of each architecture that gets a new version (empty: nothing to do)',
    },
    'marketplace-access-role-arn': {
        group: 'marketplace',
        value: '<arn>',
        help: 'the role AWS Marketplace assumes to copy and scan the AMI',
    },
    'marketplace-version-title': {
        group: 'marketplace',
        value: '<template>',
        help: 'the version title ({release}, {compose_id}, {arch}, {label}; {milestone}: Beta for a Beta, empty for GA)',
        default: 'Fedora {release} {milestone}',
    },
    'marketplace-release-notes': {
        group: 'marketplace',
        value: '<template>',
        help: 'the release notes (same placeholders)',
        default: 'Fedora Linux {release} ({compose_id}): https://fedoramagazine.org/announcing-fedora-linux-{release}/',
    },
    'marketplace-os-name': {
        group: 'marketplace',
        value: '<name>',
        help: 'AmiSource.OperatingSystemName (AWS writes these in capitals, e.g. AMAZONLINUX; it publishes no list)',
        default: 'FEDORA',
    },
    'marketplace-os-version': {
        group: 'marketplace',
        value: '<template>',
        help: 'operating system version',
        default: '{release}',
    },
    'marketplace-user': {
        group: 'marketplace',
        value: '<user>',
        help: 'the login user',
        default: 'fedora',
    },
    'marketplace-scanning-port': {
        group: 'marketplace',
        value: '<port>',
        help: 'the port the scan connects to',
        default: '22',
    },
    'marketplace-instance-types': {
        group: 'marketplace',
        value: '<arch=type,…>',
        help: 'RecommendedInstanceType per architecture (AWS requires one; an unnamed arch gets t3.medium or t4g.medium)',
        default: 'x86_64=t3.medium,aarch64=t4g.medium',
    },
    'marketplace-usage-instructions': {
        group: 'marketplace',
        value: '<text>',
        help: 'how to use the AMI once launched',
        default: 'Log in with SSH as the fedora user, with the key pair chosen at launch: ssh fedora@<public DNS name>',
    },
    'marketplace-include-beta': {
        group: 'marketplace',
        value: '<bool>',
        help: 'also add versions for Beta composes (GA composes always)',
        default: 'false',
    },
    'marketplace-wait-minutes': {
        group: 'marketplace',
        value: '<minutes>',
        help: 'how long a run waits for its change set (0–300); one still scanning is recorded as submitted and a later run reports how it ends',
        default: '30',
    },
    'marketplace-restrict-previous': {
        group: 'marketplace',
        value: '<bool>',
        help: "restrict the product's earlier versions once the new one is added",
        default: 'false',
    },
};

;// CONCATENATED MODULE: ./src/settings/inputs.ts








/**
 * Every input of the action, by its action.yml name, with its default. The CLI takes the same names
 * as --options with the same defaults, so this table is the contract for both; tests check it
 * against action.yml and against the CLI's help. `stage` is the CLI's first argument.
 */
const INPUTS = {
    stage: { group: 'source', value: '<stage>', help: 'what to do (the CLI takes it as its first word)' },
    image: { group: 'source', value: '<json>', help: "one entry of the plan's matrix instead of a compose" },
    images: {
        group: 'source',
        value: '<json>',
        help: "the plan's images output (every entry) instead of a compose: no compose metadata is read again",
    },
    'compose-payload': {
        group: 'source',
        value: '<json|@file>',
        help: 'the compose-status message Pungi sends (repository_dispatch payload)',
    },
    'compose-location': {
        group: 'source',
        value: '<url>',
        help: 'compose location: the compose root or its compose/ directory',
    },
    'compose-id': {
        group: 'source',
        value: '<id>',
        help: 'a compose ID; the location is derived under --compose-base-url',
    },
    'compose-status': {
        group: 'source',
        value: '<status>',
        help: 'the status, when known without reading STATUS',
    },
    'compose-base-url': {
        group: 'source',
        value: '<url>',
        help: 'where composes live, for --compose-id',
        default: 'https://kojipkgs.fedoraproject.org/compose',
    },
    'image-url': {
        group: 'source',
        value: '<url>',
        help: 'one raw.xz image; with --image-sha256, or a CHECKSUM file beside it',
    },
    'image-sha256': { group: 'source', value: '<hex>', help: 'sha256 of the raw.xz given by --image-url' },
    'allowed-hosts': {
        group: 'source',
        value: '<list>',
        help: 'hosts fedimg may fetch from (host[:port], comma-separated)',
        default: DEFAULT_ALLOWED_HOSTS.join(','),
    },
    'allow-http': {
        group: 'source',
        help: 'permit plain http on allowed hosts (loopback test servers)',
        default: 'false',
    },
    subvariants: {
        group: 'source',
        value: '<list>',
        help: 'productmd subvariants to publish',
        default: 'Cloud_Base',
    },
    architectures: {
        group: 'source',
        value: '<list>',
        help: 'Fedora architectures',
        default: 'x86_64,aarch64',
    },
    decoder: {
        group: 'import',
        value: '<auto|system|npm>',
        help: 'xz decoder (auto: system xz when installed)',
        default: 'auto',
    },
    'base-region': {
        group: 'import',
        value: '<region>',
        help: 'where snapshots and AMIs are created (default AWS_REGION or us-east-1)',
    },
    'upload-method': {
        group: 'import',
        value: '<method>',
        help: 'ebs-direct or import-snapshot (needs --s3-bucket)',
        default: 'ebs-direct',
    },
    concurrency: { group: 'import', value: '<n>', help: 'PutSnapshotBlock workers', default: '64' },
    'omit-zero-blocks': {
        group: 'import',
        help: 'skip all-zero blocks (unsafe for volumes launched encrypted)',
        default: 'false',
    },
    'volume-size': {
        group: 'import',
        value: '<GiB>',
        help: 'snapshot size (default: the raw image rounded up)',
    },
    'max-volume-size-gib': {
        group: 'import',
        value: '<GiB>',
        help: 'refuse an image larger than this raw',
        default: '64',
    },
    's3-bucket': { group: 'import', value: '<bucket>', help: 'staging bucket for import-snapshot' },
    'import-timeout-minutes': {
        group: 'import',
        value: '<n>',
        help: 'how long an import-snapshot task may take',
        default: '120',
    },
    'block-timeout-seconds': {
        group: 'import',
        value: '<n>',
        help: 'per attempt of one PutSnapshotBlock',
        default: String(DEFAULT_BLOCK_TIMEOUT_MS / 1000),
    },
    'image-cache': {
        group: 'import',
        value: '<bool>',
        help: 'keep downloads in the GitHub Actions cache (where that service exists)',
        default: 'true',
    },
    'volume-types': {
        group: 'import',
        value: '<list>',
        help: 'one AMI flavour per volume type',
        default: 'gp3',
    },
    'boot-mode': {
        group: 'import',
        value: '<mode>',
        help: 'legacy-bios, uefi or uefi-preferred (default by arch)',
    },
    'imds-v2': { group: 'import', value: '<bool>', help: 'require IMDSv2', default: 'true' },
    tpm: { group: 'import', value: '<bool>', help: 'NitroTPM 2.0 (needs a UEFI boot mode)', default: 'false' },
    'kms-key-id': { group: 'import', value: '<key>', help: 'also register an encrypted flavour with this key' },
    'config-file': { group: 'import', value: '<path>', help: 'flavours from a YAML/JSON file' },
    'name-template': {
        group: 'import',
        value: '<template>',
        help: 'AMI names ("classic" for the old service\'s)',
        default: DEFAULT_NAME_TEMPLATE,
    },
    'events-file': {
        group: 'import',
        value: '<path>',
        help: 'NDJSON event log',
        default: 'fedimg-events.ndjson',
    },
    'test-command': {
        group: 'boot-test',
        value: '<cmd>',
        help: 'run on the booted instance; exit 0 passes',
        default: '/bin/true',
    },
    'instance-types': {
        group: 'boot-test',
        value: '<list>',
        help: 'instance type per EC2 architecture',
        default: 'x86_64=t3.micro,arm64=t4g.micro',
    },
    'boot-timeout-minutes': {
        group: 'boot-test',
        value: '<n>',
        help: 'from launch to verdict',
        default: '15',
    },
    'subnet-id': { group: 'boot-test', value: '<id>', help: 'where to launch (default: the default VPC)' },
    'security-group-ids': {
        group: 'boot-test',
        value: '<list>',
        help: 'security groups (no inbound access is needed)',
    },
    'boot-test-flavours': {
        group: 'boot-test',
        value: '<list>',
        help: 'flavours to boot (default: the first)',
    },
    regions: {
        group: 'copy',
        value: '<list|all>',
        help: 'destination regions (all: every enabled region)',
        default: 'all',
    },
    'best-effort-regions': {
        group: 'copy',
        value: '<list>',
        help: 'regions where a failed copy is only a warning',
    },
    'copy-timeout-minutes': { group: 'copy', value: '<n>', help: 'per copy', default: '45' },
    public: { group: 'publish', value: '<bool>', help: 'make AMIs and snapshots public', default: 'true' },
    'share-accounts': {
        group: 'publish',
        value: '<list>',
        help: 'with --public false: share with these account IDs',
    },
    'expiring-composes': {
        group: 'publish',
        value: '<kinds>',
        help: 'compose kinds whose AMIs expire (nightly, test, ci, development, dated, beta, ga)',
        default: DEFAULT_EXPIRING_KINDS.join(','),
    },
    'deprecation-days': {
        group: 'publish',
        value: '<n>',
        help: "deprecate nightly/test composes' AMIs after n days",
        default: '30',
    },
    'release-deprecation-days': {
        group: 'publish',
        value: '<n>',
        help: 'deprecate release AMIs too (default never)',
    },
    'public-ami-quota': {
        group: 'publish',
        value: '<n>',
        help: "the account's public-AMI quota per region",
        default: '5',
    },
    'fedora-message-topic': {
        group: 'publish',
        value: '<template>',
        help: "routing key of Fedora's message after fedora_image_uploader.published.v1.aws ({stream}, {release}, {subvariant}, {arch})",
        default: DEFAULT_TOPIC_SUFFIX,
    },
    'manifest-file': {
        group: 'publish',
        value: '<path>',
        help: 'verify: where the compose manifest is written',
        default: 'fedimg-manifest.json',
    },
    'notify-url': { group: 'publish', value: '<url>', help: 'also POST every event here' },
    'notify-secret': { group: 'publish', value: '<secret>', help: 'HMAC-SHA256 key that signs each POST' },
    'dry-run': {
        group: 'cleanup',
        value: '<bool>',
        help: 'only report (the CLI defaults to true for cleanup)',
        default: 'false',
    },
    'delete-after-days': {
        group: 'cleanup',
        value: '<n>',
        help: 'delete expired AMIs this long after they were made private',
        default: '10',
    },
    'include-releases': {
        group: 'cleanup',
        value: '<bool>',
        help: 'also expire release AMIs',
        default: 'false',
    },
    'orphan-after-hours': {
        group: 'cleanup',
        value: '<n>',
        help: 'delete fedimg snapshots no AMI uses once this old',
        default: '24',
    },
    'instance-max-hours': {
        group: 'cleanup',
        value: '<n>',
        help: 'terminate boot-test instances older than this',
        default: '2',
    },
    'index-dir': {
        group: 'index',
        value: '<dir>',
        help: 'index: where index.json, latest/<release>/<arch>.json and index.html are written',
        default: 'fedimg-index',
    },
    ...MARKETPLACE_INPUTS,
    ...DOCTOR_INPUTS,
    'github-token': {
        group: 'release',
        value: '<token>',
        help: 'allowed to write contents; GITHUB_REPOSITORY=<owner>/<name> names the repository (default: the workflow token in the action, $GITHUB_TOKEN in the CLI)',
    },
};
const INPUT_NAMES = Object.keys(INPUTS);
/** Each input's default, for the inputs that have one. */
const DEFAULTS = Object.fromEntries(Object.entries(INPUTS)
    .filter(([, spec]) => spec.default !== undefined)
    .map(([name, spec]) => [name, spec.default]));
// --- the small parsers every settings module uses ---------------------------------------------
function list(value) {
    return value
        .split(/[,\s]+/)
        .map((item) => item.trim())
        .filter(Boolean);
}
function parseBoolean(name, value) {
    if (/^(true|yes|on|1)$/i.test(value))
        return true;
    if (/^(false|no|off|0|)$/i.test(value))
        return false;
    throw new InputError(`Input ${name} must be true or false, not "${value}".`);
}
function oneOf(name, value, allowed) {
    if (allowed.includes(value))
        return value;
    throw new InputError(`Input ${name} is "${value}"; expected one of ${allowed.join(', ')}.`);
}
function integer(name, value, min, max) {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min || number > max) {
        throw new InputError(`Input ${name} must be a whole number from ${min} to ${max}, not "${value}".`);
    }
    return number;
}
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

;// CONCATENATED MODULE: ./src/settings/doctor.ts



/** The stages whose AWS calls doctor can check (release writes to GitHub only). */
const DOCTOR_STAGES = [
    'plan',
    'import',
    'boot-test',
    'copy',
    'publish',
    'verify',
    'cleanup',
    'index',
    'marketplace',
];
function doctorSettings(read, marketplaceProducts, env = process.env) {
    const given = list(read('doctor-stages'));
    for (const stage of given) {
        if (!DOCTOR_STAGES.includes(stage))
            throw new InputError(`doctor-stages has "${stage}", which is not a stage doctor checks.`, {
                hint: `Use any of ${DOCTOR_STAGES.join(', ')}.`,
            });
    }
    const stages = (given.length > 0
        ? given
        : DOCTOR_STAGES.filter((stage) => stage !== 'plan' && (stage !== 'marketplace' || marketplaceProducts)));
    const roleArn = read('doctor-role-arn').trim() || undefined;
    if (roleArn && !parseRoleArn(roleArn))
        throw new InputError(`doctor-role-arn "${roleArn}" is not the ARN of an IAM role.`, {
            hint: 'Give arn:aws:iam::<account>:role/<name> (a user, a policy or an assumed-role session is not a role).',
        });
    const repository = read('doctor-repository').trim() || env.GITHUB_REPOSITORY || undefined;
    if (repository && !/^[\w.-]+\/[\w.-]+$/.test(repository))
        throw new InputError(`doctor-repository "${repository}" is not <owner>/<name>.`);
    return { stages, roleArn, repository };
}

;// CONCATENATED MODULE: ./src/settings/input-use.ts

/**
 * Filled in by the runner for every step, not by the caller (`github-token` defaults to
 * `${{ github.token }}`): never counted as given.
 */
const RUNNER_FILLED = ['github-token'];
/** Builds the settings part by part, recording which inputs each part read. */
class InputTracker {
    read;
    explicit;
    feeds = new Map();
    constructor(read, explicit) {
        this.read = read;
        this.explicit = explicit;
    }
    /**
     * One part of the settings: every input `build` reads (with or without its default) feeds every
     * key of what it returns, and so do the inputs that fed the keys in `alsoFrom` (parts it is
     * built from, such as the host policy a notify-url is checked against).
     */
    part(build, alsoFrom = []) {
        const seen = new Set();
        const watch = (reader) => (name) => {
            seen.add(name);
            return reader(name);
        };
        const value = build(watch(this.read), watch(this.explicit));
        for (const [name, keys] of this.feeds)
            if (alsoFrom.some((key) => keys.has(key)))
                seen.add(name);
        for (const name of seen) {
            const keys = this.feeds.get(name) ?? new Set();
            for (const key of Object.keys(value))
                keys.add(key);
            this.feeds.set(name, keys);
        }
        return value;
    }
    /** The record, once every part is built; `raw` reads what the caller gave (no defaults). */
    use(raw) {
        const given = INPUT_NAMES.filter((name) => {
            const value = raw(name).trim();
            return value !== '' && value !== (DEFAULTS[name] ?? '') && !RUNNER_FILLED.includes(name);
        });
        return {
            given,
            feeds: Object.fromEntries([...this.feeds].map(([name, keys]) => [name, [...keys].sort()])),
        };
    }
}
/** The given inputs that went into none of `keys` (what the stages about to run read). */
function unreadInputs(use, keys) {
    return use.given.filter((name) => !(use.feeds[name] ?? []).some((key) => keys.has(key)));
}
/** The settings each stage read while it ran, by stage (a test holds them to the descriptors). */
const readsByStage = new Map();
const targets = new WeakMap();
/**
 * The settings as the stages see them: every top-level part read is recorded under the stage the
 * settings are for. A stage's descriptor lists what it reads; the record is how a test finds a
 * list that left something out (an input it reads would be called unread).
 */
function watchedSettings(settings) {
    const watched = new Proxy(settings, {
        get(target, key, receiver) {
            if (typeof key === 'string' && key !== 'inputUse' && key in target) {
                const reads = readsByStage.get(target.stage) ?? new Set();
                reads.add(key);
                readsByStage.set(target.stage, reads);
            }
            return Reflect.get(target, key, receiver);
        },
    });
    targets.set(watched, settings);
    return watched;
}
/** The same settings unwatched: for a front end's own reads (its secrets, its copy with other images). */
const unwatched = (settings) => targets.get(settings) ?? settings;
/** The settings with some parts replaced (`fedimg run` hands the plan's images on), still watched. */
const withParts = (settings, parts) => watchedSettings({ ...unwatched(settings), ...parts });
/** What every stage has read so far in this process, and forgets it. */
function takeStageReads() {
    const taken = new Map(readsByStage);
    readsByStage.clear();
    return taken;
}

;// CONCATENATED MODULE: ./src/marketplace/patterns.ts
/**
 * AWS's patterns for AmiSource.UserName, AmiSource.AccessRoleArn and RecommendedInstanceType (the
 * AmiProduct_1_0 change-type shapes AWS publishes in
 * awslabs/aws-marketplace-catalog-api-shapes-for-python). The role must be in the aws partition.
 */
const USER_NAME = /^[a-zA-Z][a-zA-Z0-9_-]{0,31}$/;
const ACCESS_ROLE_ARN = /^arn:aws:iam::\d{12}:role\/[a-zA-Z_0-9+=,.@\-_/]+$/;
const INSTANCE_TYPE = /^[a-z]+[0-9]+[a-z]*\.[0-9]*[a-z]+$/;

;// CONCATENATED MODULE: ./src/settings/marketplace.ts



/** A type AWS offers for each architecture, used when marketplace-instance-types names none. */
const DEFAULT_INSTANCE_TYPES = { x86_64: 't3.medium', aarch64: 't4g.medium' };
/** `x86_64=prod-abc,aarch64=prod-def` → {x86_64: 'prod-abc', aarch64: 'prod-def'}. */
function perArch(name, value, pattern, what) {
    const result = {};
    for (const pair of list(value)) {
        const [arch, entry, ...rest] = pair.split('=');
        if (!arch || !['x86_64', 'aarch64'].includes(arch) || !entry || rest.length > 0 || !pattern.test(entry)) {
            throw new InputError(`${name} has "${pair}", which is not <x86_64|aarch64>=<${what}>.`, {
                hint: `Example: x86_64=${what === 'product ID' ? 'prod-abc123' : 't3.medium'},aarch64=${what === 'product ID' ? 'prod-def456' : 't4g.medium'}.`,
            });
        }
        result[arch] = entry;
    }
    return result;
}
function marketplaceSettings(read) {
    const products = perArch('marketplace-products', read('marketplace-products'), /^prod-[a-z0-9]{1,64}$/, 'product ID');
    const role = read('marketplace-access-role-arn');
    if (role && !ACCESS_ROLE_ARN.test(role))
        throw new InputError(`marketplace-access-role-arn "${role}" is not what AWS takes as AmiSource.AccessRoleArn (${ACCESS_ROLE_ARN.source}).`, {
            hint: 'Give the ARN of a role of the aws partition (AWS Marketplace is not in the other partitions).',
        });
    const user = read('marketplace-user');
    if (!USER_NAME.test(user))
        throw new InputError(`marketplace-user "${user}" is not what AWS takes as AmiSource.UserName (${USER_NAME.source}).`);
    const instanceTypes = {
        ...DEFAULT_INSTANCE_TYPES,
        ...perArch('marketplace-instance-types', read('marketplace-instance-types'), INSTANCE_TYPE, 'instance type'),
    };
    if (Object.keys(products).length > 0 && !role)
        throw new InputError('marketplace-products is set but marketplace-access-role-arn is empty.', {
            hint: 'AWS Marketplace copies and scans the AMI with that role: see docs/marketplace-access-role.json.',
        });
    return {
        products,
        accessRoleArn: role || undefined,
        versionTitle: read('marketplace-version-title'),
        releaseNotes: read('marketplace-release-notes'),
        osName: read('marketplace-os-name'),
        osVersion: read('marketplace-os-version'),
        user,
        scanningPort: integer('marketplace-scanning-port', read('marketplace-scanning-port'), 1, 65535),
        instanceTypes,
        usageInstructions: read('marketplace-usage-instructions'),
        includeBeta: parseBoolean('marketplace-include-beta', read('marketplace-include-beta')),
        restrictPrevious: parseBoolean('marketplace-restrict-previous', read('marketplace-restrict-previous')),
        validateOnly: parseBoolean('dry-run', read('dry-run')),
        pollIntervalMs: 30_000,
        waitMs: integer('marketplace-wait-minutes', read('marketplace-wait-minutes'), 0, 300) * 60_000,
    };
}

;// CONCATENATED MODULE: ./src/compose/payload.ts



/** Values Pungi writes to STATUS. Only the two FINISHED ones mean the images are there. */
const COMPOSE_STATUSES = [
    'STARTED',
    'FINISHED',
    'FINISHED_INCOMPLETE',
    'DOOMED',
    'TERMINATED',
];
const PUBLISHABLE_STATUSES = ['FINISHED', 'FINISHED_INCOMPLETE'];
/** GitHub caps client_payload below 64 KB; anything bigger did not come from the compose system. */
const MAX_PAYLOAD_BYTES = 64 * 1024;
const payload_word = (max) => schemas/* string */.YjP()
    .max(max)
    .regex(/^[A-Za-z0-9._-]*$/, 'only letters, digits, . _ -');
/**
 * Pungi's compose-status message as the compose system forwards it (repository_dispatch
 * client_payload). It is untrusted: every field that fedimg uses is length- and character-checked;
 * fields it does not use are dropped.
 */
const payloadSchema = schemas/* object */.Ikc({
    compose_id: payload_word(MAX_COMPOSE_ID_LENGTH).min(1),
    location: schemas/* string */.YjP()
        .min(1)
        .max(1024)
        .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
    status: schemas/* enum */.k5n(COMPOSE_STATUSES),
    compose_type: schemas/* enum */.k5n(['production', 'nightly', 'test', 'ci', 'development']).optional(),
    compose_label: payload_word(64).nullable().optional(),
    compose_date: schemas/* string */.YjP()
        .regex(/^\d{8}$/)
        .optional(),
    compose_respin: schemas/* number */.aig().int().nonnegative().max(10_000).optional(),
    release_short: payload_word(64).optional(),
    release_name: payload_word(100).optional(),
    release_version: payload_word(32).optional(),
    release_type: payload_word(32).optional(),
    release_is_layered: schemas/* boolean */.zMY().optional(),
});
function parseComposePayload(input) {
    let data = input;
    if (typeof input === 'string') {
        if (Buffer.byteLength(input) > MAX_PAYLOAD_BYTES) {
            throw new ComposeError(`The compose payload is ${Buffer.byteLength(input)} bytes, over the ${MAX_PAYLOAD_BYTES}-byte limit.`, {
                hint: 'Send the compose-status message only; nothing was started.',
            });
        }
        try {
            data = JSON.parse(input);
        }
        catch (error) {
            throw new ComposeError(`The compose payload is not valid JSON (${error.message}).`, {
                hint: 'Send the compose-status message as a JSON object; nothing was started.',
            });
        }
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        throw new ComposeError('The compose payload must be a JSON object.', {
            hint: 'Send the compose-status message as a JSON object; nothing was started.',
        });
    }
    const result = payloadSchema.safeParse(data);
    if (!result.success) {
        const problems = result.error.issues
            .slice(0, 5)
            .map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`)
            .join('; ');
        throw new ComposeError(`The compose payload is invalid: ${problems}.`, {
            hint: 'Nothing was started; fix the sender of the dispatch event.',
        });
    }
    return result.data;
}

;// CONCATENATED MODULE: ./src/settings/source.ts





/** Where the images come from: compose discovery requests and the architecture choice. */
function architectures(value) {
    const aliases = { arm64: 'aarch64', amd64: 'x86_64' };
    const arches = list(value).map((arch) => aliases[arch] ?? arch);
    for (const arch of arches) {
        if (!(arch in EC2_ARCHITECTURES)) {
            throw new InputError(`Architecture "${arch}" has no EC2 equivalent.`, {
                hint: `Use ${Object.keys(EC2_ARCHITECTURES).join(' and/or ')}.`,
            });
        }
    }
    if (arches.length === 0)
        throw new InputError('Input architectures is empty.', { hint: 'Use x86_64,aarch64.' });
    return [...new Set(arches)];
}
/**
 * Where a compose lives on kojipkgs, from its ID alone (for a maintainer who only knows the ID):
 * rawhide/, branched/ for nightlies of a numbered release, cloud/ for cloud composes, else <version>/.
 */
function composeLocationFromId(id, baseUrl) {
    const compose = parseComposeId(id);
    const base = baseUrl.replace(/\/+$/, '');
    let directory;
    if (compose.version === 'Rawhide')
        directory = 'rawhide';
    else if (compose.short === 'Fedora-Cloud')
        directory = 'cloud';
    else if (compose.type === 'nightly')
        directory = 'branched';
    else
        directory = compose.version;
    return `${base}/${directory}/${compose.id}/compose`;
}
/** Whether any input names a compose or an image (the marketplace stage observes without one). */
const namesACompose = (read) => ['compose-payload', 'compose-location', 'compose-id', 'image-url'].some((name) => read(name).trim() !== '');
function discoveryRequest(read) {
    const payloadText = read('compose-payload').trim();
    const location = read('compose-location').trim();
    const composeId = read('compose-id').trim() || undefined;
    const statusText = read('compose-status').trim();
    const imageUrl = read('image-url').trim();
    const status = statusText
        ? oneOf('compose-status', statusText, COMPOSE_STATUSES)
        : undefined;
    const given = [payloadText && 'compose-payload', imageUrl && 'image-url'].filter(Boolean);
    if (given.length > 1) {
        throw new InputError(`Inputs ${given.join(' and ')} were both given.`, {
            hint: 'Start a run from a compose payload, a compose location/ID, or one image URL: exactly one.',
        });
    }
    if (payloadText) {
        const payload = parseComposePayload(payloadText);
        if (location && location !== payload.location) {
            throw new InputError('compose-location differs from the location in compose-payload.', {
                hint: 'Give one or the other.',
            });
        }
        return {
            kind: 'compose',
            location: payload.location,
            composeId: payload.compose_id,
            status: payload.status,
            label: payload.compose_label ?? undefined,
        };
    }
    if (imageUrl) {
        if (location)
            throw new InputError('Inputs image-url and compose-location were both given.', { hint: 'Give one.' });
        const sha256 = read('image-sha256').trim().toLowerCase() || undefined;
        if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) {
            throw new InputError('image-sha256 must be 64 hexadecimal characters.');
        }
        return { kind: 'image', url: imageUrl, sha256, composeId };
    }
    if (location)
        return { kind: 'compose', location, composeId, status };
    if (composeId) {
        return {
            kind: 'compose',
            location: composeLocationFromId(composeId, read('compose-base-url').trim() || INPUTS['compose-base-url'].default),
            composeId,
            status,
        };
    }
    throw new InputError('Nothing to publish: no compose-payload, compose-location, compose-id or image-url was given.', {
        hint: 'Pass the compose-status message as compose-payload, or a compose location/ID, or an image URL with its sha256.',
    });
}

;// CONCATENATED MODULE: ./src/util/retry.ts
const defaultSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const DEFAULT_RETRY = {
    attempts: 8,
    baseDelayMs: 200,
    maxDelayMs: 20_000,
    sleep: defaultSleep,
};
/** "Full jitter" back-off: a random delay up to base·2^n, capped. */
function backoff(policy, failures) {
    return Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(failures, 20));
}
/**
 * The one retry layer around a call: it stops at the first error `retryable` refuses, after
 * `policy.attempts` attempts (or, with a deadline, once it has passed), or when `signal` aborts.
 */
async function withRetry(call, policy, options = {}) {
    const retryable = options.retryable ?? (() => true);
    for (let attempt = 1;; attempt++) {
        options.signal?.throwIfAborted();
        try {
            return await call(attempt);
        }
        catch (error) {
            const exhausted = options.deadline !== undefined ? Date.now() >= options.deadline : attempt >= policy.attempts;
            if (exhausted || !retryable(error) || options.signal?.aborted)
                throw error;
            options.onRetry?.(error, attempt);
            await policy.sleep(backoff(policy, attempt - 1));
        }
    }
}

// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
;// CONCATENATED MODULE: ./src/settings/flavours.ts




const VOLUME_TYPES = ['gp3', 'gp2', 'standard', 'io1', 'io2'];
function bootModeFor(flavour, arch) {
    return flavour.bootMode ?? (arch === 'arm64' ? 'uefi' : 'uefi-preferred');
}
const RETIRED = 'AWS retired it for new images: only HVM, EBS-backed AMIs can be registered today.';
const flavourSchema = schemas/* strictObject */.rej({
    name: schemas/* string */.YjP().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and dashes'),
    'volume-type': schemas/* enum */.k5n(VOLUME_TYPES).default('gp3'),
    'boot-mode': schemas/* enum */.k5n(['legacy-bios', 'uefi', 'uefi-preferred']).optional(),
    ena: schemas/* boolean */.zMY().default(true),
    'sriov-net-support': schemas/* boolean */.zMY().default(true),
    'imds-v2': schemas/* boolean */.zMY().default(true),
    tpm: schemas/* boolean */.zMY().default(false),
    'root-device-name': schemas/* string */.YjP()
        .regex(/^\/dev\/[a-z0-9]+$/)
        .default('/dev/sda1'),
    'volume-size': schemas/* number */.aig().int().min(1).max(16384).optional(),
    iops: schemas/* number */.aig().int().min(100).max(256000).optional(),
    encrypted: schemas/* strictObject */.rej({ 'kms-key-id': schemas/* string */.YjP().min(1).max(2048) }).optional(),
    virtualization: schemas/* string */.YjP()
        .optional()
        .refine((value) => value === undefined || value === 'hvm', `paravirtual flavours are refused: ${RETIRED}`),
    storage: schemas/* string */.YjP()
        .optional()
        .refine((value) => value === undefined || value === 'ebs', `instance-store flavours are refused: ${RETIRED}`),
})
    .refine((flavour) => !flavour.tpm || flavour['boot-mode'] !== 'legacy-bios', 'TPM 2.0 needs the uefi or uefi-preferred boot mode')
    .refine((flavour) => !flavour.iops ||
    flavour['volume-type'] === 'io1' ||
    flavour['volume-type'] === 'io2' ||
    flavour['volume-type'] === 'gp3', 'iops is for io1, io2 and gp3');
const configSchema = schemas/* strictObject */.rej({
    flavours: schemas/* array */.YOg(flavourSchema).min(1).max(16),
    'name-template': schemas/* string */.YjP().min(1).max(256).optional(),
});
function toFlavour(raw) {
    return {
        name: raw.name,
        volumeType: raw['volume-type'],
        bootMode: raw['boot-mode'],
        ena: raw.ena,
        sriovNetSupport: raw['sriov-net-support'],
        imdsV2: raw['imds-v2'],
        tpm: raw.tpm,
        rootDeviceName: raw['root-device-name'],
        volumeSize: raw['volume-size'],
        iops: raw.iops,
        kmsKeyId: raw.encrypted?.['kms-key-id'],
    };
}
/** Parses a flavour configuration (YAML or JSON; JSON is YAML) and validates it strictly. */
function parseFlavourConfig(text, source) {
    let data;
    try {
        data = (0,dist/* parse */.qg)(text);
    }
    catch (error) {
        throw new InputError(`${source} is not valid YAML or JSON: ${error.message}`);
    }
    const result = configSchema.safeParse(data);
    if (!result.success) {
        const problems = result.error.issues
            .slice(0, 5)
            .map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`)
            .join('; ');
        throw new InputError(`${source} is invalid: ${problems}.`, {
            hint: 'See the flavour configuration in docs/stages.md (Flavours); unknown keys are refused so that typos do not go unnoticed.',
        });
    }
    const names = result.data.flavours.map((flavour) => flavour.name);
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate)
        throw new InputError(`${source} defines flavour "${duplicate}" twice.`);
    return { flavours: result.data.flavours.map(toFlavour), nameTemplate: result.data['name-template'] };
}
function readFlavourConfig(path) {
    let text;
    try {
        text = (0,external_node_fs_.readFileSync)(path, 'utf8');
    }
    catch (error) {
        throw new InputError(`Cannot read the config file ${path}: ${error.message}.`);
    }
    return parseFlavourConfig(text, path);
}
/** Flavours from the simple inputs: one per volume type, the first being the default. */
function flavoursFromInputs(volumeTypes, options) {
    const flavours = volumeTypes.map((type) => {
        if (!VOLUME_TYPES.includes(type)) {
            throw new InputError(`Volume type "${type}" is not supported.`, {
                hint: `Use ${VOLUME_TYPES.join(', ')}.`,
            });
        }
        return {
            name: type,
            volumeType: type,
            bootMode: options.bootMode,
            ena: true,
            sriovNetSupport: true,
            imdsV2: options.imdsV2,
            tpm: options.tpm,
            rootDeviceName: '/dev/sda1',
            volumeSize: undefined,
            iops: undefined,
            kmsKeyId: undefined,
        };
    });
    if (options.tpm && options.bootMode === 'legacy-bios')
        throw new InputError('TPM 2.0 needs the uefi or uefi-preferred boot mode.');
    if (options.kmsKeyId)
        flavours.push({ ...flavours[0], name: `${flavours[0].name}-encrypted`, kmsKeyId: options.kmsKeyId });
    return flavours;
}

;// CONCATENATED MODULE: ./src/settings/stages.ts







function uploadSettings(read) {
    const method = oneOf('upload-method', read('upload-method'), [
        'ebs-direct',
        'import-snapshot',
    ]);
    const s3Bucket = read('s3-bucket').trim() || undefined;
    if (method === 'import-snapshot' && !s3Bucket) {
        throw new InputError('upload-method import-snapshot needs s3-bucket.', {
            hint: 'Name a staging bucket in the base region.',
        });
    }
    const volumeSize = read('volume-size').trim();
    const maxVolumeSizeGiB = integer('max-volume-size-gib', read('max-volume-size-gib'), 1, 16384);
    const volumeSizeGiB = volumeSize ? integer('volume-size', volumeSize, 1, 16384) : undefined;
    if (volumeSizeGiB !== undefined && volumeSizeGiB > maxVolumeSizeGiB) {
        throw new InputError(`volume-size ${volumeSizeGiB} is larger than max-volume-size-gib ${maxVolumeSizeGiB}.`, {
            hint: 'Raise max-volume-size-gib too if the image really needs that much.',
        });
    }
    return {
        method,
        concurrency: integer('concurrency', read('concurrency'), 1, 256),
        omitZeroBlocks: parseBoolean('omit-zero-blocks', read('omit-zero-blocks')),
        volumeSizeGiB,
        maxVolumeSizeGiB,
        s3Bucket,
        snapshotTimeoutMinutes: 240,
        importTimeoutMs: integer('import-timeout-minutes', read('import-timeout-minutes'), 1, 24 * 60) * 60_000,
        blockTimeoutMs: integer('block-timeout-seconds', read('block-timeout-seconds'), 1, 600) * 1000,
        pollIntervalMs: 15_000,
        notFoundWindowMs: 120_000,
        retry: DEFAULT_RETRY,
        imageCache: parseBoolean('image-cache', read('image-cache')),
    };
}
/** `explicit` reads an input without its default: the config file's name-template wins over the default only. */
function flavourSettings(read, explicit) {
    const configFile = read('config-file').trim();
    const fromFile = configFile ? readFlavourConfig(configFile) : undefined;
    const bootMode = read('boot-mode').trim();
    const flavours = fromFile?.flavours ??
        flavoursFromInputs(list(read('volume-types')), {
            imdsV2: parseBoolean('imds-v2', read('imds-v2')),
            tpm: parseBoolean('tpm', read('tpm')),
            bootMode: bootMode
                ? oneOf('boot-mode', bootMode, ['legacy-bios', 'uefi', 'uefi-preferred'])
                : undefined,
            kmsKeyId: read('kms-key-id').trim() || undefined,
        });
    const template = explicit('name-template') || fromFile?.nameTemplate || read('name-template');
    return { flavours, nameTemplate: resolveNameTemplate(template) };
}
function bootTestSettings(read) {
    const types = { x86_64: 't3.micro', arm64: 't4g.micro' };
    for (const entry of list(read('instance-types'))) {
        const [arch, type] = entry.split('=');
        if ((arch !== 'x86_64' && arch !== 'arm64') || !type || !/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(type)) {
            throw new InputError(`instance-types entry "${entry}" is not <x86_64|arm64>=<instance type>.`, {
                hint: 'Example: x86_64=t3.micro,arm64=t4g.micro',
            });
        }
        types[arch] = type;
    }
    const command = read('test-command');
    if (command.length > 4096 || /[\0\n]/.test(command))
        throw new InputError('test-command must be one line of at most 4096 characters.');
    const groups = list(read('security-group-ids'));
    for (const id of [read('subnet-id'), ...groups].filter(Boolean)) {
        if (!/^(subnet|sg)-[0-9a-f]{8,17}$/.test(id))
            throw new InputError(`"${id}" is not a subnet or security group ID.`);
    }
    return {
        command,
        instanceTypes: types,
        timeoutMs: integer('boot-timeout-minutes', read('boot-timeout-minutes'), 1, 180) * 60_000,
        subnetId: read('subnet-id') || undefined,
        securityGroupIds: groups,
        pollIntervalMs: 10_000,
        flavours: list(read('boot-test-flavours')),
    };
}
function regionList(name, value, allowAll) {
    const regions = list(value);
    for (const region of regions) {
        if (!(allowAll && region === 'all') && !REGION_NAME.test(region)) {
            throw new InputError(`Input ${name} has "${region}", which is not a region name.`, {
                hint: allowAll
                    ? 'Use region names such as eu-west-1, or all.'
                    : 'Use region names such as eu-west-1.',
            });
        }
    }
    return regions;
}
function copySettings(read) {
    return {
        regions: regionList('regions', read('regions'), true),
        bestEffortRegions: regionList('best-effort-regions', read('best-effort-regions'), false),
        timeoutMs: integer('copy-timeout-minutes', read('copy-timeout-minutes'), 1, 24 * 60) * 60_000,
        pollIntervalMs: 15_000,
        consecutive: 3,
        kmsKeyId: read('kms-key-id') || undefined,
        retry: DEFAULT_RETRY,
    };
}
function publishSettings(read) {
    const accounts = list(read('share-accounts'));
    for (const account of accounts) {
        if (!/^\d{12}$/.test(account))
            throw new InputError(`share-accounts has "${account}", which is not a 12-digit AWS account ID.`);
    }
    const releaseDays = read('release-deprecation-days');
    return {
        public: parseBoolean('public', read('public')),
        shareAccounts: accounts,
        expiringKinds: list(read('expiring-composes')).map((kind) => oneOf('expiring-composes', kind, COMPOSE_KINDS)),
        deprecationDays: integer('deprecation-days', read('deprecation-days'), 1, 730),
        // Public AMIs can be deprecated at most two years ahead.
        releaseDeprecationDays: releaseDays
            ? integer('release-deprecation-days', releaseDays, 1, 730)
            : undefined,
        publicAmiQuota: integer('public-ami-quota', read('public-ami-quota'), 1, 100_000),
        messageTopic: messageTopicTemplate(read('fedora-message-topic')),
    };
}
/** A routing-key suffix: dot-separated words and the known placeholders, nothing else. */
function messageTopicTemplate(value) {
    const placeholders = [...value.matchAll(/\{([^}]*)\}/g)].map(([, name]) => name);
    const unknown = placeholders.filter((name) => !TOPIC_PLACEHOLDERS.includes(name));
    if (unknown.length > 0 || !/^([\w-]+|\{\w+\})*(\.([\w-]+|\{\w+\})+)*$/.test(value))
        throw new InputError(`fedora-message-topic "${value}" is not a routing-key suffix.`, {
            hint: `Use words and ${TOPIC_PLACEHOLDERS.map((name) => `{${name}}`).join(', ')} separated by dots, e.g. ${DEFAULT_TOPIC_SUFFIX}.`,
        });
    return value;
}
function notifySettings(read, policy) {
    const url = read('notify-url');
    if (url) {
        let parsed;
        try {
            parsed = new URL(url);
        }
        catch {
            throw new InputError('notify-url is not a URL.');
        }
        if (parsed.username || parsed.password) {
            throw new InputError(`notify-url ${parsed.host} carries credentials (user:password@).`, {
                hint: 'Authenticate the receiver with notify-secret (each body is HMAC-signed) instead.',
            });
        }
        if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && policy.allowHttp)) {
            throw new InputError(`notify-url ${parsed.origin} must use https.`, {
                hint: 'allow-http permits http for loopback test receivers only.',
            });
        }
    }
    return { url: url || undefined, secret: read('notify-secret') || undefined };
}

;// CONCATENATED MODULE: ./src/settings/index.ts


















/**
 * The plan's images when a caller hands them down (image: one matrix entry; images: the plan's
 * whole output): the stage then reads no compose metadata. Given with a compose, which one would
 * win is a guess, so that is refused.
 */
function plannedInput(read, policy) {
    const one = read('image');
    const all = read('images');
    if (!one && !all)
        return undefined;
    if (one && all)
        throw new InputError('Inputs image and images were both given.', { hint: 'Give one.' });
    if (namesACompose(read))
        throw new InputError(`Input ${one ? 'image' : 'images'} was given with a compose (compose-payload, compose-location, compose-id or image-url).`, { hint: "A stage after the plan takes the plan's images only: drop the compose inputs." });
    return {
        kind: 'planned',
        images: one ? [parsePlannedImage(one, policy)] : parsePlannedImages(all, policy),
    };
}
/** The base region: the input, else the SDK's configured region (as the credentials action sets it). */
function baseRegion(value, env = process.env) {
    const region = value || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
    if (!REGION_NAME.test(region)) {
        throw new InputError(`"${region}" is not an AWS region name.`, { hint: 'Use a name such as us-east-1.' });
    }
    return region;
}
/**
 * Values that must never appear in a log: the webhook secret, credentials a notify-url carries in
 * its query string, the GitHub token. The action registers them with the runner before any stage
 * prints anything.
 */
function secretsOf(watched) {
    const settings = unwatched(watched); // the front end's read, not the stage's
    const secrets = [settings.notify.secret, settings.release.token];
    if (settings.notify.url)
        secrets.push(...new URL(settings.notify.url).searchParams.values());
    return secrets.filter((value) => Boolean(value));
}
const hostPolicy = (read) => ({
    allowedHosts: parseAllowedHosts(read('allowed-hosts')),
    allowHttp: parseBoolean('allow-http', read('allow-http')),
});
function selection(read) {
    const subvariants = list(read('subvariants'));
    if (subvariants.some((subvariant) => !/^[A-Za-z0-9_]{1,64}$/.test(subvariant)) ||
        subvariants.length === 0) {
        throw new InputError(`Input subvariants "${read('subvariants')}" is not a list of productmd subvariants.`, {
            hint: 'Use names such as Cloud_Base, separated by commas.',
        });
    }
    return { subvariants, architectures: architectures(read('architectures')) };
}
/**
 * Parse and validate every input once; the rest of the code only sees the typed result. `noDefault`
 * names inputs that stay unset when not given (the CLI writes files only where it is asked to).
 * Which input went into which part is recorded on the way (`inputUse`), and the stages' reads are
 * watched (input-use.ts).
 */
function parseSettings(rawInput, noDefault = []) {
    const explicit = (name) => rawInput(name).trim();
    const read = (name) => {
        const value = explicit(name);
        return value === '' && !noDefault.includes(name) ? (DEFAULTS[name] ?? '') : value;
    };
    const track = new InputTracker(read, explicit);
    const file = (name, from) => from(name) || undefined;
    const { policy } = track.part((r) => ({ policy: hostPolicy(r) }));
    const parts = {
        ...track.part((r) => ({ stage: oneOf('stage', r('stage') || 'plan', stage_names/* STAGES */.an) })),
        // Which stages need a compose, may take one or ignore it is each stage's descriptor's to say.
        ...track.part((r) => ({
            images: plannedInput(r, policy) ??
                (namesACompose(r) ? { kind: 'discover', request: discoveryRequest(r) } : { kind: 'none' }),
        }), ['policy']),
        policy,
        ...track.part((r) => ({ selection: selection(r) })),
        ...track.part((r) => ({
            decoder: oneOf('decoder', r('decoder'), ['auto', 'system', 'npm']),
        })),
        ...track.part((r) => ({ baseRegion: baseRegion(r('base-region')) })),
        ...track.part((r) => ({ upload: uploadSettings(r) })),
        ...track.part((r, e) => flavourSettings(r, e)),
        ...track.part((r) => ({ eventsFile: file('events-file', r) })),
        ...track.part((r) => ({ bootTest: bootTestSettings(r) })),
        ...track.part((r) => ({ copy: copySettings(r) })),
        ...track.part((r) => ({ publish: publishSettings(r) })),
        ...track.part((r) => ({ manifestFile: file('manifest-file', r) })),
        ...track.part((r) => ({ indexDir: r('index-dir') || undefined })),
    };
    const { marketplace } = track.part((r) => ({ marketplace: marketplaceSettings(r) }));
    return watchedSettings({
        ...parts,
        marketplace,
        ...track.part((r) => ({ doctor: doctorSettings(r, Object.keys(marketplace.products).length > 0) }), ['marketplace']),
        ...track.part((r) => ({ notify: notifySettings(r, policy) }), ['policy']),
        ...track.part((r) => ({
            cleanup: {
                dryRun: parseBoolean('dry-run', r('dry-run')),
                deleteAfterDays: integer('delete-after-days', r('delete-after-days'), 0, 3650),
                includeReleases: parseBoolean('include-releases', r('include-releases')),
                orphanAfterHours: integer('orphan-after-hours', r('orphan-after-hours'), 1, 24 * 365),
                instanceMaxHours: integer('instance-max-hours', r('instance-max-hours'), 1, 24 * 30),
            },
        })),
        ...track.part((r) => ({
            release: {
                token: r('github-token') || undefined,
                repository: process.env.GITHUB_REPOSITORY,
                manifestFile: file('manifest-file', r),
                eventsFile: file('events-file', r),
                indexFile: r('index-dir') ? (0,external_node_path_.join)(r('index-dir'), 'index.json') : undefined,
            },
        })),
        inputUse: track.use(explicit),
    });
}

;// CONCATENATED MODULE: ./src/log.ts

// Every way a runner or a terminal starts a new line.
const LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/g;
// The runner executes a line as a command when it starts with "::" after blanks, and the legacy
// form "##[" wherever it appears in a line (actions/runner ActionCommand.TryParseV2 / TryParse).
const COMMAND_START = /^(\s*):(?=:)/;
const LEGACY_COMMAND = /##\[/g;
// Terminal control from boot consoles and AWS text (ECMA-48): string sequences (OSC, DCS, SOS, PM,
// APC) up to their terminator, control sequences (CSI, 7- or 8-bit), other escapes, then every C0
// and C1 control left but tab and the line breaks (which the callers turn into ⏎ or keep).
/* eslint-disable no-control-regex -- these patterns exist to find control characters */
const STRING_SEQUENCE = /(?:\x1b[\]PX^_]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?/g;
const CONTROL_SEQUENCE = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?/g;
const ESCAPE = /\x1b[ -/]*[0-~]?/g;
const CONTROL = /[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]/g;
/* eslint-enable no-control-regex */
const withoutSequences = (text) => text.replace(STRING_SEQUENCE, '').replace(CONTROL_SEQUENCE, '').replace(ESCAPE, '');
/** Text without terminal control; tab and line breaks stay (for summaries, which render them). */
const withoutControls = (text) => withoutSequences(text).replace(CONTROL, '');
/**
 * Breaks what would make a runner command (a zero-width space between the two characters) and
 * drops the control characters left in one line.
 */
function defuse(line) {
    return line.replace(CONTROL, '').replace(COMMAND_START, '$1:\u200b').replace(LEGACY_COMMAND, '#\u200b#[');
}
/**
 * The one rule for everything fedimg prints: the text stays on one line (line breaks become a
 * visible ⏎), carries no terminal control and cannot start or contain a runner command. Messages
 * carry untrusted text (file names from compose metadata, AWS tags and error messages, console
 * output of booted images).
 */
function log_neutralise(text) {
    return defuse(withoutSequences(text).replace(LINE_BREAK, ' ⏎ '));
}
/**
 * Annotations keep their line breaks: @actions/core escapes them (%0A) inside the one command line
 * it writes, so they cannot start a line of their own; the rest is defused as everywhere else.
 */
function annotation(text) {
    return withoutSequences(text).split(LINE_BREAK).map(defuse).join('\n');
}
const properties = (title) => (title ? { title: log_neutralise(title) } : {});
const actionsLog = {
    info: (message) => core/* info */.pq(log_neutralise(message)),
    debug: (message) => core/* debug */.Yz(annotation(message)),
    notice: (message, title) => core/* notice */.lm(annotation(message), properties(title)),
    warning: (message, title) => core/* warning */.$e(annotation(message), properties(title)),
    error: (message, title) => core/* error */.z3(annotation(message), properties(title)),
    group: (name, work) => core/* group */.Os(log_neutralise(name), work),
    secret: (value) => core/* setSecret */.Pq(value),
};
/** Logs for the CLI: everything on stderr so that stdout stays clean for --json. */
function terminalLog(options = {}) {
    const out = options.stream ?? process.stderr;
    // The CLI may itself run inside a workflow step, whose output the runner reads for commands.
    const line = (prefix, message, title) => out.write(`${prefix}${log_neutralise(`${title ? `${title}: ` : ''}${message}`)}\n`);
    return {
        info: (message) => line('', message),
        debug: (message) => {
            if (options.verbose)
                line('debug: ', message);
        },
        notice: (message, title) => line('notice: ', message, title),
        warning: (message, title) => line('warning: ', message, title),
        error: (message, title) => line('error: ', message, title),
        async group(name, work) {
            line('▸ ', name);
            return work();
        },
        secret: () => undefined,
    };
}

;// CONCATENATED MODULE: ./src/aws/errors.ts

const shape = (error) => (error ?? {});
const awsErrorCode = (error) => shape(error).name ?? '';
const httpStatus = (error) => shape(error).$metadata?.httpStatusCode ?? 0;
const THROTTLING = new Set([
    'RequestThrottledException',
    'ThrottlingException',
    'Throttling',
    'RequestLimitExceeded',
    'SlowDown',
    'TooManyRequestsException',
    'RequestThrottled',
]);
const SERVER_SIDE = new Set([
    'InternalServerException',
    'InternalError',
    'InternalFailure',
    'ServiceUnavailable',
    'Unavailable',
    'TimeoutError',
    'RequestTimeout',
]);
const NETWORK = /ECONNRESET|EPIPE|ETIMEDOUT|ECONNREFUSED|EAI_AGAIN|socket hang up|other side closed|aborted/i;
/** The connection failed or broke: nothing (or nothing whole) answered. */
function isNetworkFailure(error) {
    const { code, message } = shape(error);
    return NETWORK.test(`${code ?? ''} ${message ?? ''}`) || /ENOTFOUND/.test(`${code ?? ''} ${message ?? ''}`);
}
function isThrottled(error) {
    return THROTTLING.has(awsErrorCode(error)) || httpStatus(error) === 429;
}
/** Throttling, 5xx, timeouts and dropped connections: worth another attempt. */
function isTransient(error) {
    const { code, message } = shape(error);
    return (isThrottled(error) ||
        SERVER_SIDE.has(awsErrorCode(error)) ||
        httpStatus(error) >= 500 ||
        NETWORK.test(`${code ?? ''} ${message ?? ''}`));
}
/** The resource does not exist (any service's way of saying so, e.g. InvalidSnapshot.NotFound). */
function isNotFound(error) {
    const code = awsErrorCode(error);
    return (/\.NotFound$|^NotFound$|^ResourceNotFoundException$|^NoSuchKey$|^InvalidConversionTaskId/.test(code) ||
        (httpStatus(error) === 404 && code !== 'ResourceNotFoundException'));
}
/** EBS direct: the snapshot does not exist yet (right after StartSnapshot) or any more. */
const isSnapshotNotFound = (error) => awsErrorCode(error) === 'ResourceNotFoundException';
/** EBS direct: the snapshot no longer takes blocks (it was completed, by another run for the same image). */
const isSnapshotClosed = (error) => awsErrorCode(error) === 'ValidationException' && shape(error).Reason === 'INVALID_SNAPSHOT_ID';
/** The resource is in a state that refuses the call (a terminated instance, a finished import task). */
const isIncorrectState = (error) => /^IncorrectState|^IncorrectInstanceState/.test(awsErrorCode(error));
/** A limit such as 20 concurrent copies into a region, or the public-AMI quota. */
const isLimitExceeded = (error) => awsErrorCode(error) === 'ResourceLimitExceeded';
/** RegisterImage: the name is taken in this region. */
const isDuplicateName = (error) => awsErrorCode(error) === 'InvalidAMIName.Duplicate';
/** The caller's role does not allow the call. */
const isUnauthorized = (error) => /^(UnauthorizedOperation|AccessDenied|AccessDeniedException|AuthFailure)$/.test(awsErrorCode(error));
/** No AWS credentials could be found at all. */
const isMissingCredentials = (error) => awsErrorCode(error) === 'CredentialsProviderError';
/**
 * What an operator does about the AWS codes they meet, or undefined for the rest. Each names the
 * input or the account setting to change.
 */
function hintForAwsError(error) {
    const code = awsErrorCode(error);
    const where = awsCallOf(error);
    const call = where?.call ?? 'the call';
    const region = where?.region ?? 'the region';
    if (isUnauthorized(error) && code !== 'AuthFailure')
        return `The role fedimg runs as may not call ${call} in ${region}: grant it as docs/iam-policy.json does (and check the conditions on fedimg's tags).`;
    if (code === 'AuthFailure')
        return `AWS did not accept the credentials in ${region}: check the role and that the region is enabled for the account.`;
    if (isMissingCredentials(error))
        return 'No AWS credentials were found: configure a role (aws-actions/configure-aws-credentials in a workflow, AWS_PROFILE or AWS_ACCESS_KEY_ID locally).';
    if (code === 'VPCIdNotSpecified' || code === 'MissingInput' || code === 'VPCResourceNotSpecified')
        return `${region} has no default VPC: set subnet-id (and security-group-ids) to where boot tests may launch.`;
    if (/^InvalidSubnetID\./.test(code) || code === 'InvalidSubnet')
        return 'Check subnet-id: the subnet must exist in this region and account.';
    if (/^InvalidGroup(Id)?\./.test(code) || code === 'InvalidSecurityGroupID.NotFound')
        return 'Check security-group-ids: each group must exist in the subnet’s VPC.';
    if (code === 'InsufficientInstanceCapacity' || code === 'Unsupported' || code === 'InvalidInstanceType')
        return `Set instance-types to a type ${region} offers for this architecture (e.g. x86_64=t3.small,arm64=t4g.small).`;
    if (/LimitExceeded$/.test(code) || code === 'ServiceQuotaExceededException')
        return `An account quota in ${region} was reached: raise it in Service Quotas, or wait for running work to finish, then re-run.`;
    return undefined;
}
/** What to do about any failed call: the code's own hint, or what kind of failure it was. */
function nextStep(error) {
    const known = hintForAwsError(error);
    if (known)
        return known;
    const where = awsCallOf(error);
    const endpoint = `the endpoint of ${where?.call ?? 'the call'} in ${where?.region ?? 'its region'}`;
    if (foreignAnswer(error))
        return `Something other than AWS answered ${endpoint} (a proxy, or AWS_ENDPOINT_URL pointing elsewhere): check the endpoint settings and the runner's network, then re-run the job.`;
    if (isNetworkFailure(error))
        return `Nothing answered at ${endpoint}: check AWS_ENDPOINT_URL (when set) and the runner's network, then re-run the job.`;
    return 'Re-run the job; if AWS keeps answering this, its message says what to change in the account.';
}
/**
 * AWS refused or failed a call a stage needed. The message names the call, the region, AWS's code
 * and message; the hint says what to change for the codes operators meet.
 */
class AwsError extends FedimgError {
    code;
    constructor(area, error) {
        super(area, `${describeError(error)}.`, { hint: nextStep(error), cause: error });
        this.code = awsErrorCode(error);
    }
}
/** A failure from an AWS call (marked by the clients), or a missing-credentials error. */
const isAwsFailure = (error) => awsCallOf(error) !== undefined || isMissingCredentials(error);

;// CONCATENATED MODULE: ./src/aws/tags.ts

/** Tag keys fedimg puts on everything it creates; AWS is the record between jobs and re-runs. */
const TAG = {
    name: 'Name',
    managedBy: 'ManagedBy',
    composeId: 'fedimg:compose-id',
    image: 'fedimg:image',
    sourceSha256: 'fedimg:source-sha256',
    arch: 'fedimg:arch',
    flavour: 'fedimg:flavour',
    release: 'fedimg:release',
    composeType: 'fedimg:compose-type',
    /** nightly, test, ci, development, dated, beta or ga: what decides whether the AMI expires. */
    composeKind: 'fedimg:compose-kind',
    runUrl: 'fedimg:run-url',
    uploadToken: 'fedimg:upload-token',
    sourceSnapshot: 'fedimg:source-snapshot',
    sourceAmi: 'fedimg:source-ami',
    kmsKey: 'fedimg:kms-key',
    /** On an AMI: the boot-test verdict that gates copy and publish. On an instance: the AMI it tests. */
    bootTest: 'fedimg:boot-test',
    /** When cleanup made an expired AMI private; it is deleted a grace period later. */
    expiredAt: 'fedimg:expired-at',
    /**
     * On a subnet or security group, value `allowed`: the account's operator lets boot tests launch
     * there (docs/iam-policy.json allows RunInstances only in a network carrying it; fedimg never sets it).
     */
    bootTestNetwork: 'fedimg:boot-test-network',
};
const MANAGED_BY = 'fedimg';
/** The workflow run, when running in GitHub Actions. */
function runUrl(env = process.env) {
    const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
    return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
}
/** S3 user metadata that marks a staging object as fedimg's, and as this run's. */
function ownerMetadata() {
    const run = runUrl();
    return { 'managed-by': MANAGED_BY, ...(run ? { 'run-url': run } : {}) };
}
function imageTags(image, extra = {}) {
    const tags = {
        [TAG.managedBy]: MANAGED_BY,
        [TAG.composeId]: image.compose_id || undefined,
        [TAG.image]: image.file,
        [TAG.sourceSha256]: image.sha256,
        [TAG.arch]: image.arch,
        [TAG.release]: image.release || undefined,
        [TAG.composeType]: image.compose_type,
        [TAG.composeKind]: composeKind(image),
        [TAG.runUrl]: runUrl(),
        ...extra,
    };
    return Object.entries(tags)
        .filter((entry) => entry[1] !== undefined && entry[1] !== '')
        .map(([Key, Value]) => ({ Key, Value: Value.slice(0, 256) }));
}
function tagValue(tags, key) {
    return tags?.find((tag) => tag.Key === key)?.Value;
}
// Times fedimg writes (toISOString) and AWS returns: UTC, to the second or finer. Nothing looser:
// Date.parse would accept free text around a date, and tag values are anyone's to write.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
/** A time read back from AWS (a tag or an attribute), or undefined when it is not strictly ISO 8601. */
function isoTime(value) {
    if (value === undefined || !ISO_INSTANT.test(value))
        return undefined;
    const time = new Date(value);
    return Number.isNaN(time.getTime()) ? undefined : time;
}
/** The shapes of the AWS IDs fedimg reads back and acts on. */
const AWS_ID = {
    snapshot: /^snap-[0-9a-f]{8,17}$/,
    image: /^ami-[0-9a-f]{8,17}$/,
    instance: /^i-[0-9a-f]{8,17}$/,
    importTask: /^import-snap-[0-9a-f]{8,17}$/,
};

;// CONCATENATED MODULE: ./src/aws/pending.ts


/** Where the S3 route stages raw disks; the IAM policy grants S3 access under this prefix only. */
const STAGING_PREFIX = 'fedimg-staging/';
/** The staging object of one image: keyed by its sha256, so concurrent runs for it share one key. */
function stagingKey(image) {
    return `${STAGING_PREFIX}${image.sha256.slice(0, 16)}/${image.name}.raw`;
}
const REGION = schemas/* string */.YjP().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/);
const STAGING_KEY = /^fedimg-staging\/[0-9a-f]{16}\/[A-Za-z0-9._+-]{1,200}\.raw$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const pendingSchema = schemas/* array */.YOg(schemas/* discriminatedUnion */.gMt('kind', [
    schemas/* strictObject */.rej({ kind: schemas/* literal */.euz('snapshot'), region: REGION, id: schemas/* string */.YjP().regex(AWS_ID.snapshot) }),
    schemas/* strictObject */.rej({ kind: schemas/* literal */.euz('instance'), region: REGION, id: schemas/* string */.YjP().regex(AWS_ID.instance) }),
    schemas/* strictObject */.rej({
        kind: schemas/* literal */.euz('import-task'),
        region: REGION,
        id: schemas/* string */.YjP().regex(AWS_ID.importTask),
    }),
    schemas/* strictObject */.rej({
        kind: schemas/* literal */.euz('s3-object'),
        region: REGION,
        bucket: schemas/* string */.YjP().regex(BUCKET),
        key: schemas/* string */.YjP().regex(STAGING_KEY),
    }),
]))
    .max(64);
/**
 * The post step's view of the main step's state. State travels through the runner and anything
 * printed as `::save-state` could have written it, so it is parsed like any untrusted input; the
 * problem is described without echoing the value.
 */
function parsePendingState(text) {
    if (text === '')
        return { items: [] };
    let data;
    try {
        data = JSON.parse(text);
    }
    catch {
        return { problem: 'it is not JSON' };
    }
    const result = pendingSchema.safeParse(data);
    if (!result.success) {
        const issue = result.error.issues[0];
        return { problem: `${issue.path.join('.') || '(top level)'}: ${issue.message}` };
    }
    return { items: result.data };
}
function pendingKey(resource) {
    return resource.kind === 's3-object'
        ? `s3://${resource.bucket}/${resource.key}`
        : `${resource.kind}:${resource.region}:${resource.id}`;
}
class PendingResources {
    persist;
    items = new Map();
    /** `persist` is called with the whole list after every change (the action saves it as step state). */
    constructor(persist = () => undefined) {
        this.persist = persist;
    }
    add(resource) {
        this.items.set(pendingKey(resource), resource);
        this.persist(this.list());
    }
    remove(resource) {
        if (this.items.delete(pendingKey(resource)))
            this.persist(this.list());
    }
    list() {
        return [...this.items.values()];
    }
}

;// CONCATENATED MODULE: ./src/aws/cleanup-pending.ts






function fromTags(tags) {
    return { managedBy: tagValue(tags, TAG.managedBy), run: tagValue(tags, TAG.runUrl) };
}
async function ownerOf(item, clients) {
    try {
        switch (item.kind) {
            case 'snapshot': {
                const { Snapshots } = await clients
                    .ec2(item.region)
                    .send(new client_ec2_dist_cjs/* DescribeSnapshotsCommand */.MmI({ SnapshotIds: [item.id], OwnerIds: ['self'] }));
                return Snapshots?.[0] ? fromTags(Snapshots[0].Tags) : 'gone';
            }
            case 'instance': {
                const { Reservations } = await clients
                    .ec2(item.region)
                    .send(new client_ec2_dist_cjs/* DescribeInstancesCommand */.bNs({ InstanceIds: [item.id] }));
                const instance = Reservations?.[0]?.Instances?.[0];
                if (!instance || instance.State?.Name === 'terminated')
                    return 'gone';
                return { ...fromTags(instance.Tags), bootTest: tagValue(instance.Tags, TAG.bootTest) !== undefined };
            }
            case 'import-task': {
                const { ImportSnapshotTasks } = await clients
                    .ec2(item.region)
                    .send(new client_ec2_dist_cjs/* DescribeImportSnapshotTasksCommand */.QkL({ ImportTaskIds: [item.id] }));
                const task = ImportSnapshotTasks?.[0];
                return task && task.SnapshotTaskDetail?.Status === 'active' ? fromTags(task.Tags) : 'gone';
            }
            case 's3-object': {
                const head = await clients
                    .s3(item.region)
                    .send(new client_s3_dist_cjs.HeadObjectCommand({ Bucket: item.bucket, Key: item.key }));
                return { managedBy: head.Metadata?.['managed-by'], run: head.Metadata?.['run-url'] };
            }
        }
    }
    catch (error) {
        if (isNotFound(error))
            return 'gone';
        throw error;
    }
}
/** Why fedimg must leave a resource alone, or undefined when it is this run's own. */
function refusal(owner, item, run) {
    if (owner.managedBy !== MANAGED_BY)
        return `it is not marked ManagedBy=${MANAGED_BY} (fedimg removes only what its own run created)`;
    if (item.kind === 'instance' && !owner.bootTest)
        return 'it is not a fedimg boot-test instance';
    if (!run)
        return 'this step cannot tell which run it belongs to (GITHUB_RUN_ID is not set)';
    if (owner.run !== run)
        return `it belongs to another run (${owner.run ?? 'unknown'}), not this one`;
    return undefined;
}
async function remove(item, clients) {
    switch (item.kind) {
        case 'snapshot':
            await clients.ec2(item.region).send(new client_ec2_dist_cjs/* DeleteSnapshotCommand */.tZN({ SnapshotId: item.id }));
            return;
        case 's3-object':
            await clients.s3(item.region).send(new client_s3_dist_cjs.DeleteObjectCommand({ Bucket: item.bucket, Key: item.key }));
            return;
        case 'import-task':
            await clients.ec2(item.region).send(new client_ec2_dist_cjs/* CancelImportTaskCommand */.GUY({ ImportTaskId: item.id }));
            return;
        case 'instance':
            await clients.ec2(item.region).send(new client_ec2_dist_cjs/* TerminateInstancesCommand */.NaF({ InstanceIds: [item.id] }));
            return;
    }
}
/**
 * Removes what a main step left unfinished, after checking in AWS that each resource is fedimg's and
 * was created by this run (`run` is the run's URL, which fedimg writes on everything it creates):
 * the state names them, but the state is not proof. Failures are warnings: clean-up never fails a job.
 */
async function cleanupPending(items, clients, log, run) {
    let cleaned = 0;
    for (const item of items) {
        const key = pendingKey(item);
        try {
            const owner = await ownerOf(item, clients);
            if (owner === 'gone') {
                cleaned++;
                log.info(`${key} is already gone.`);
                continue;
            }
            const why = refusal(owner, item, run);
            if (why) {
                log.warning(`${key} left alone: ${why}.`, 'fedimg post');
                continue;
            }
            await remove(item, clients);
            cleaned++;
            log.info(`Removed unfinished ${key}.`);
        }
        catch (error) {
            if (isNotFound(error) || isIncorrectState(error)) {
                cleaned++;
                continue;
            }
            log.warning(`Could not remove unfinished ${key}: ${describeError(error)}. Remove it by hand or let the lifecycle cleanup find it (it is tagged ManagedBy=fedimg).`, 'fedimg post');
        }
    }
    return cleaned;
}

// EXTERNAL MODULE: ./src/action/post-triage.ts
var post_triage = __webpack_require__(6671);
;// CONCATENATED MODULE: ./src/action/post.ts






/**
 * The post step runs after the job, also when it failed or was cancelled. The main step of a stage
 * that creates resources keeps in its state what it has not finished; whatever is still listed, and
 * AWS confirms is this run's own, is removed here. Problems here are warnings only: the post step
 * never fails a job.
 */
async function runPost(log) {
    try {
        const text = core/* getState */.Gu('pending');
        const triage = (0,post_triage/* triagePost */.$)(core/* getInput */.V4('stage'), text);
        if (triage !== 'read-state') {
            log.info(triage.nothingToDo);
            return;
        }
        const state = parsePendingState(text);
        if ('problem' in state) {
            log.warning(`The saved state "pending" is not what fedimg writes (${state.problem}); nothing was removed.`, 'fedimg post');
            return;
        }
        if (state.items.length === 0) {
            log.info(post_triage/* NOTHING_LEFT */.A);
            return;
        }
        log.info(`fedimg post: the main step left ${state.items.length} unfinished resource(s); removing them.`);
        const clients = new AwsClients({ concurrency: 4 });
        try {
            await cleanupPending(state.items, clients, log, runUrl());
        }
        finally {
            clients.destroy();
        }
    }
    catch (error) {
        log.warning(`Clean-up failed: ${error instanceof Error ? error.message : String(error)}`, 'fedimg post');
    }
}

;// CONCATENATED MODULE: ./src/report/redact.ts
/**
 * What fedimg publishes (the event log a release carries and webhooks receive, the manifest, the
 * release notes, job summaries) is public, and AWS's error text names the account: the caller's
 * ARN with its account ID, role and session, the resources' ARNs, and on EC2 an encoded
 * authorization message (STS DecodeAuthorizationMessage turns it into the full request context).
 * None of it helps a reader of the release; the job log, where the account ID is masked, keeps
 * the rest.
 */
// arn:partition:service:region:account:resource (IAM User Guide, "IAM ARNs"); the resource part
// runs to the next blank, quote or bracket.
const ARN = /\barn:(aws[a-z-]*):([a-z0-9-]*):[a-z0-9-]*:(\d{12})?:[^\s"'<>()[\]{},;]+/g;
// A bare account ID: twelve digits standing alone (AMI, snapshot and other IDs are hex after a
// dash, 8 or 17 digits long, and are never matched whole).
const ACCOUNT_ID = /(?<![\w-])\d{12}(?![\w-])/g;
// EC2's "Encoded authorization failure message: <base64url>" (STS DecodeAuthorizationMessage).
const ENCODED_MESSAGE = /(encoded authorization failure message:?\s*)[A-Za-z0-9_+/=-]{16,}/gi;
const REDACTED_ACCOUNT = '<account>';
/** The text with ARNs, account IDs and encoded authorization messages replaced by placeholders. */
function redact(text) {
    return text
        .replace(ENCODED_MESSAGE, '$1<redacted>')
        .replace(ARN, (_arn, _partition, service) => `<${service || 'aws'} ARN>`)
        .replace(ACCOUNT_ID, REDACTED_ACCOUNT);
}
/** A JSON value with every string in it redacted (numbers, keys and structure are kept). */
function redactValue(value) {
    if (typeof value === 'string')
        return redact(value);
    if (Array.isArray(value))
        return value.map((item) => redactValue(item));
    if (value && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactValue(item)]));
    }
    return value;
}

;// CONCATENATED MODULE: ./src/report/table.ts


// Characters that let text leave its cell, written as character references: HTML tags and
// attributes, Markdown table columns, links and code spans (which can hide a column separator).
const MARKUP = /[&<>"'|[\]`]/g;
/**
 * Text for a job-summary or Markdown cell: markup characters as references and line breaks as
 * <br>, so no cell can end the table or the HTML block it is in (a blank line would) or inject
 * markup. Cells hold untrusted text (file names, AWS messages, console output), and summaries are
 * public: account data is redacted.
 */
function summaryText(text) {
    return redact(withoutControls(text))
        .replace(MARKUP, (c) => `&#${c.charCodeAt(0)};`)
        .replace(/\r\n|[\n\r\v\f\u0085\u2028\u2029]/g, '<br>');
}
/** The table as aligned text for a terminal; every cell is one neutralised line. */
function tableAsText(table) {
    const rows = table.rows.map((row) => row.map(neutralise));
    const header = table.header.map(neutralise);
    const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
    const format = (row) => row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd();
    const lines = [neutralise(table.title), format(header), ...rows.map(format)];
    if (table.note)
        lines.push(neutralise(table.note));
    return `${lines.join('\n')}\n`;
}
/** The table as GitHub-flavoured Markdown, for summary files written outside the runner. */
function tableAsMarkdown(table) {
    const row = (cells) => `| ${cells.map(summaryText).join(' | ')} |`;
    const lines = [`### ${summaryText(table.title)}`, ''];
    if (table.rows.length > 0)
        lines.push(row(table.header), row(table.header.map(() => '---')), ...table.rows.map(row), '');
    if (table.note)
        lines.push(summaryText(table.note), '');
    return `${lines.join('\n')}\n`;
}

;// CONCATENATED MODULE: ./src/report/summary.ts


/** Appends a table to the job summary (GITHUB_STEP_SUMMARY); every piece of text is made safe. */
async function writeSummaryTable(table) {
    core/* summary */.z.addHeading(summaryText(table.title), 3);
    if (table.rows.length > 0) {
        core/* summary */.z.addTable([
            table.header.map((data) => ({ data: summaryText(data), header: true })),
            ...table.rows.map((row) => row.map((cell) => ({ data: summaryText(cell) }))),
        ]);
    }
    if (table.note)
        core/* summary */.z.addRaw(`<p>${summaryText(table.note)}</p>`, true);
    await core/* summary */.z.write();
}

;// CONCATENATED MODULE: ./src/util/poll.ts

/**
 * The one poller: calls `check` until it returns a value. `check` returns undefined to keep waiting
 * and throws to stop. Unlike the SDK waiters it has no built-in error states, so eventual
 * consistency ("not found" for a new ID) is the caller's to handle.
 */
async function poll(what, check, options) {
    const sleep = options.sleep ?? defaultSleep;
    const deadline = Date.now() + options.timeoutMs;
    // Quick first looks (most things finish soon), then every intervalMs.
    let interval = Math.min(250, options.intervalMs);
    for (;;) {
        options.signal?.throwIfAborted();
        const result = await check();
        if (result !== undefined)
            return result;
        if (Date.now() >= deadline)
            throw new Error(`timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${what}`);
        await sleep(interval);
        interval = Math.min(options.intervalMs, interval * 2);
    }
}

;// CONCATENATED MODULE: ./src/aws/images.ts






function audienceOf(permissions) {
    return {
        public: permissions.some((permission) => permission.Group === 'all'),
        accounts: permissions.flatMap((permission) => (permission.UserId ? [permission.UserId] : [])),
    };
}
/** Who may launch the AMI. */
async function launchPermissions(ec2, imageId) {
    const { LaunchPermissions } = await ec2.send(new client_ec2_dist_cjs/* DescribeImageAttributeCommand */.OkE({ ImageId: imageId, Attribute: 'launchPermission' }));
    return audienceOf(LaunchPermissions ?? []);
}
function permissionsOf(grant) {
    return grant.public ? [{ Group: 'all' }] : grant.accounts.map((UserId) => ({ UserId }));
}
/**
 * Every image × flavour AMI a compose should have in one region, looked up by name and tags: AWS is
 * the record, so publish and verify need nothing from earlier jobs.
 */
async function expectedAmis(ec2, region, baseRegion, images, flavours, nameTemplate) {
    const result = [];
    for (const image of images) {
        const own = await fedimgAmisOf(ec2, image);
        for (const [index, flavour] of flavours.entries()) {
            // Names are made in the base region and kept by the copies.
            const name = amiName(nameTemplate, {
                image,
                flavour,
                isDefaultFlavour: index === 0,
                region: baseRegion,
            });
            const found = own.find((candidate) => candidate.Name === name);
            result.push({ image, flavour, name, region, found });
        }
    }
    return result;
}
/** Every AMI in the region that fedimg registered or copied from this image. */
async function fedimgAmisOf(ec2, image) {
    const { Images } = await ec2.send(new client_ec2_dist_cjs/* DescribeImagesCommand */.ji5({
        Owners: ['self'],
        Filters: [
            { Name: `tag:${TAG.sourceSha256}`, Values: [image.sha256] },
            { Name: `tag:${TAG.managedBy}`, Values: [MANAGED_BY] },
        ],
    }));
    return Images ?? [];
}
/** fedimg's AMI of this image with this name, if it exists (another owner's same name is ignored). */
async function fedimgAmiNamed(ec2, image, name) {
    const { Images } = await ec2.send(new client_ec2_dist_cjs/* DescribeImagesCommand */.ji5({ Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] }));
    return Images?.find((candidate) => tagValue(candidate.Tags, TAG.managedBy) === MANAGED_BY &&
        tagValue(candidate.Tags, TAG.sourceSha256) === image.sha256);
}
/** Every AMI the account owns in the region, fedimg's or not. */
async function ownAmis(ec2) {
    const { Images } = await ec2.send(new client_ec2_dist_cjs/* DescribeImagesCommand */.ji5({ Owners: ['self'] }));
    return Images ?? [];
}
/** fedimg's public AMIs in the region (deprecated ones included: the caller decides). */
async function publicFedimgAmis(ec2) {
    const { Images } = await ec2.send(new client_ec2_dist_cjs/* DescribeImagesCommand */.ji5({
        Owners: ['self'],
        ExecutableUsers: ['all'],
        IncludeDeprecated: true,
        Filters: [{ Name: `tag:${TAG.managedBy}`, Values: [MANAGED_BY] }],
    }));
    return Images ?? [];
}
/** How many of the account's AMIs in the region are public (they count against a quota). */
async function publicAmiCount(ec2) {
    const { Images } = await ec2.send(new client_ec2_dist_cjs/* DescribeImagesCommand */.ji5({ Owners: ['self'], ExecutableUsers: ['all'] }));
    return Images?.length ?? 0;
}
/**
 * The boot test runs on one flavour per image and every flavour boots from the same snapshot, so
 * the verdict is the image's: it passed when one of its AMIs passed and none failed.
 */
function imageVerdict(amis) {
    const verdicts = amis.map((ami) => (ami ? tagValue(ami.Tags, TAG.bootTest) : undefined));
    if (verdicts.includes('failed'))
        return 'failed';
    return verdicts.includes('passed') ? 'passed' : 'untested';
}
function snapshotIds(image) {
    return (image.BlockDeviceMappings ?? []).flatMap((mapping) => mapping.Ebs?.SnapshotId ? [mapping.Ebs.SnapshotId] : []);
}
async function grantLaunch(ec2, imageId, grant) {
    await ec2.send(new client_ec2_dist_cjs/* ModifyImageAttributeCommand */.FE3({ ImageId: imageId, LaunchPermission: { Add: permissionsOf(grant) } }));
}
async function revokePublicLaunch(ec2, imageId) {
    await ec2.send(new client_ec2_dist_cjs/* ModifyImageAttributeCommand */.FE3({ ImageId: imageId, LaunchPermission: { Remove: [{ Group: 'all' }] } }));
}
async function deprecateAmi(ec2, imageId, at) {
    await ec2.send(new client_ec2_dist_cjs/* EnableImageDeprecationCommand */.cJk({ ImageId: imageId, DeprecateAt: at }));
}
/** Deregisters an AMI and deletes the snapshots it was made from. */
async function deleteAmiWithSnapshots(ec2, imageId) {
    await ec2.send(new client_ec2_dist_cjs/* DeregisterImageCommand */.x2c({ ImageId: imageId, DeleteAssociatedSnapshots: true }));
}
/** Adds or overwrites tags on AMIs, snapshots or instances. */
async function addTags(ec2, resourceIds, tags) {
    await ec2.send(new client_ec2_dist_cjs/* CreateTagsCommand */.RmG({ Resources: resourceIds, Tags: tags }));
}
/**
 * Waits until an AMI reads `available` `consecutive` times in a row (peers do this because a single
 * read can be stale); 'failed' and similar states end the wait with that state. The confirming reads
 * come a second apart, not at the back-off interval of the wait itself.
 */
async function waitForImage(ec2, imageId, options) {
    const sleep = options.sleep ?? defaultSleep;
    const read = async () => {
        try {
            const { Images } = await ec2.send(new client_ec2_dist_cjs/* DescribeImagesCommand */.ji5({ ImageIds: [imageId] }));
            const image = Images?.[0];
            if (!image || image.State === 'pending')
                return undefined;
            return { state: image.State ?? 'unknown', reason: image.StateReason?.Message };
        }
        catch (error) {
            if (isNotFound(error))
                return undefined;
            throw error;
        }
    };
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
        const first = await poll(`AMI ${imageId}`, read, {
            ...options,
            timeoutMs: Math.max(1, deadline - Date.now()),
        });
        if (first.state !== 'available')
            return first;
        let streak = 1;
        while (streak < (options.consecutive ?? 2)) {
            await sleep(Math.min(1000, options.intervalMs));
            const again = await read();
            if (again?.state !== 'available')
                break;
            streak++;
        }
        if (streak >= (options.consecutive ?? 2))
            return first;
    }
}

;// CONCATENATED MODULE: ./src/aws/regions.ts


/**
 * The destination regions: a list, or `all` = every region enabled for the account, read from
 * DescribeRegions at run time (never hard-coded). Unknown names are an error.
 */
async function resolveRegions(ec2, requested, exclude, log, 
/** The stage asking, which titles the notice about regions not enabled. */
stage) {
    const { Regions } = await ec2.send(new client_ec2_dist_cjs/* DescribeRegionsCommand */.cAn({ AllRegions: true }));
    const status = new Map((Regions ?? []).map((region) => [region.RegionName, region.OptInStatus ?? 'opt-in-not-required']));
    const enabled = (name) => status.get(name) !== 'not-opted-in';
    const names = requested.includes('all') ? [...status.keys()].sort() : requested;
    const unknown = names.filter((name) => !status.has(name));
    if (unknown.length > 0) {
        throw new InputError(`Unknown region(s): ${unknown.join(', ')}.`, {
            hint: `The account knows ${[...status.keys()].sort().join(', ')}.`,
        });
    }
    const notEnabled = names.filter((name) => !enabled(name));
    if (notEnabled.length > 0) {
        log.notice(`Skipping region(s) not enabled for this account: ${notEnabled.join(', ')}. Enable them under Account → AWS Regions to publish there.`, `fedimg ${stage}`);
    }
    return { regions: names.filter((name) => enabled(name) && name !== exclude), notEnabled };
}
/** Whether the account blocks new public sharing of AMIs in this region. */
async function blocksPublicAmis(ec2) {
    const { ImageBlockPublicAccessState } = await ec2.send(new client_ec2_dist_cjs/* GetImageBlockPublicAccessStateCommand */.QRd({}));
    return ImageBlockPublicAccessState === 'block-new-sharing';
}
/** Whether the account blocks making snapshots public in this region (either mode blocks new sharing). */
async function blocksPublicSnapshots(ec2) {
    const { State } = await ec2.send(new client_ec2_dist_cjs/* GetSnapshotBlockPublicAccessStateCommand */.ZeZ({}));
    return State !== undefined && State !== 'unblocked';
}
/** Whether new EBS volumes and snapshot copies in this region are encrypted by default. */
async function encryptsByDefault(ec2) {
    const { EbsEncryptionByDefault } = await ec2.send(new client_ec2_dist_cjs/* GetEbsEncryptionByDefaultCommand */.Lgn({}));
    return Boolean(EbsEncryptionByDefault);
}

;// CONCATENATED MODULE: ./src/ami-index/select.ts



/** The version of index.json's layout; a change that breaks readers raises it. */
const INDEX_SCHEMA_VERSION = 1;
const launchUrl = (region, amiId) => `https://console.aws.amazon.com/ec2/home?region=${region}#LaunchInstances:ami=${amiId}`;
// Tag values are anyone's to write: only plain names pass into the index (and its web page).
const PLAIN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const plain = (value) => (value !== undefined && PLAIN.test(value) ? value : undefined);
const plainFile = (value) => value !== undefined && /^[A-Za-z0-9._+-]{1,200}$/.test(value);
/** Compose date then respin, for "newest": from the compose ID, else the creation time. */
function recency(entry) {
    try {
        const id = parseComposeId(entry.compose_id);
        return `${id.date}.${String(id.respin).padStart(4, '0')}|${entry.created}`;
    }
    catch {
        return `00000000.0000|${entry.created}`;
    }
}
const SHA256 = /^[0-9a-f]{64}$/;
/**
 * The entry for an AMI, or undefined when it must not be listed: not fedimg's, without fedimg's
 * provenance (the digest and file of the image it came from), not public, not available, deprecated
 * already, or tagged with values that are not plain. Whether its image passed the boot test is
 * decided over all of the image's AMIs in the region (see currentAmis).
 */
function indexEntry({ region, image }, now) {
    const tags = image.Tags;
    if (tagValue(tags, TAG.managedBy) !== 'fedimg' || image.Public !== true || image.State !== 'available')
        return undefined;
    if (!SHA256.test(tagValue(tags, TAG.sourceSha256) ?? '') || !plainFile(tagValue(tags, TAG.image)))
        return undefined;
    const deprecation = isoTime(image.DeprecationTime);
    if (deprecation && deprecation.getTime() <= now.getTime())
        return undefined;
    const composeId = tagValue(tags, TAG.composeId) ?? '';
    const releaseTag = tagValue(tags, TAG.release);
    let release = plain(releaseTag);
    if (releaseTag !== undefined && !release)
        return undefined;
    if (!release) {
        try {
            release = parseComposeId(composeId).version;
        }
        catch {
            return undefined;
        }
    }
    const arch = plain(tagValue(tags, TAG.arch));
    const flavour = plain(tagValue(tags, TAG.flavour));
    const created = isoTime(image.CreationDate);
    if (!arch || !flavour || !created || !image.ImageId || !AWS_ID.image.test(image.ImageId))
        return undefined;
    return {
        release: /^rawhide$/i.test(release) ? 'Rawhide' : /^eln$/i.test(release) ? 'ELN' : release,
        arch,
        flavour,
        region,
        ami_id: image.ImageId,
        name: image.Name ?? '',
        compose_id: /^[A-Za-z0-9._-]{1,100}$/.test(composeId) ? composeId : '',
        created: created.toISOString(),
        deprecation_time: deprecation ? deprecation.toISOString() : null,
        volume_type: plain(image.BlockDeviceMappings?.[0]?.Ebs?.VolumeType) ?? null,
        boot_mode: plain(image.BootMode) ?? null,
        launch_url: launchUrl(region, image.ImageId),
    };
}
/** Release streams in the order people look for them: numbered newest first, then Rawhide, ELN, others. */
function compareReleases(a, b) {
    const rank = (release) => /^\d+$/.test(release) ? 0 : release === 'Rawhide' ? 1 : release === 'ELN' ? 2 : 3;
    if (rank(a) !== rank(b))
        return rank(a) - rank(b);
    return rank(a) === 0 ? Number(b) - Number(a) : a.localeCompare(b);
}
/**
 * Per release × arch × flavour × region, the newest AMI that may be listed: only AMIs whose image
 * passed its boot test — the boot test boots one flavour, so an image passed when one of its AMIs in
 * the region carries `passed` and none `failed` (as publish decides) — never an AMI on its tags alone.
 */
function currentAmis(images, regions, now) {
    const ofImage = new Map();
    for (const candidate of images) {
        const key = `${candidate.region}\u0000${tagValue(candidate.image.Tags, TAG.sourceSha256) ?? ''}`;
        ofImage.set(key, [...(ofImage.get(key) ?? []), candidate]);
    }
    const passed = (candidate) => imageVerdict(ofImage
        .get(`${candidate.region}\u0000${tagValue(candidate.image.Tags, TAG.sourceSha256) ?? ''}`)
        .map((sibling) => sibling.image)) === 'passed';
    const newest = new Map();
    for (const candidate of images) {
        const entry = passed(candidate) ? indexEntry(candidate, now) : undefined;
        if (!entry)
            continue;
        const key = [entry.release, entry.arch, entry.flavour, entry.region].join('\u0000');
        const held = newest.get(key);
        if (!held || recency(entry) > recency(held))
            newest.set(key, entry);
    }
    const images_ = [...newest.values()].sort((a, b) => compareReleases(a.release, b.release) ||
        a.arch.localeCompare(b.arch) ||
        a.flavour.localeCompare(b.flavour) ||
        a.region.localeCompare(b.region));
    return {
        schema_version: INDEX_SCHEMA_VERSION,
        generated_at: now.toISOString(),
        regions: [...regions].sort(),
        images: images_,
    };
}

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./src/ami-index/page.ts


/**
 * index.html: every current AMI in plain HTML tables (usable without JavaScript), one per release
 * and architecture; a small script adds the region filter and copy buttons. Everything from AWS is
 * escaped; the page loads nothing from elsewhere.
 */
const page_escape = (text) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const day = (iso) => (iso ? iso.slice(0, 10) : '—');
function row(entry) {
    const ami = page_escape(entry.ami_id);
    return `<tr data-region="${page_escape(entry.region)}">
<td>${page_escape(entry.region)}</td>
<td>${page_escape(entry.flavour)}</td>
<td><code>${ami}</code> <button type="button" class="copy" data-ami="${ami}" aria-label="Copy ${ami}" hidden>Copy</button></td>
<td>${page_escape(entry.name)}</td>
<td>${page_escape(entry.compose_id)}</td>
<td><time datetime="${page_escape(entry.created)}">${day(entry.created)}</time></td>
<td>${entry.deprecation_time ? `<time datetime="${page_escape(entry.deprecation_time)}">${day(entry.deprecation_time)}</time>` : '—'}</td>
<td><a href="${page_escape(entry.launch_url)}">Launch<span class="visually-hidden"> ${ami} in ${page_escape(entry.region)}</span></a></td>
</tr>`;
}
function table(release, arch, entries) {
    const id = `r-${release}-${arch}`.replace(/[^A-Za-z0-9_-]/g, '-');
    return `<section aria-labelledby="${page_escape(id)}">
<h3 id="${page_escape(id)}">Fedora ${page_escape(release)} · ${page_escape(arch)}</h3>
<table>
<caption class="visually-hidden">Current AMIs of Fedora ${page_escape(release)} for ${page_escape(arch)}, by region</caption>
<thead><tr><th scope="col">Region</th><th scope="col">Flavour</th><th scope="col">AMI ID</th><th scope="col">Name</th><th scope="col">Compose</th><th scope="col">Created</th><th scope="col">Deprecated on</th><th scope="col">Console</th></tr></thead>
<tbody>
${entries.map(row).join('\n')}
</tbody>
</table>
</section>`;
}
const SCRIPT = `
const select = document.getElementById('region');
select.hidden = false;
document.querySelector('label[for=region]').hidden = false;
select.addEventListener('change', () => {
  for (const row of document.querySelectorAll('tr[data-region]'))
    row.hidden = select.value !== '' && row.dataset.region !== select.value;
});
for (const button of document.querySelectorAll('button.copy')) {
  button.hidden = false;
  button.addEventListener('click', async () => {
    await navigator.clipboard.writeText(button.dataset.ami);
    button.textContent = 'Copied';
    setTimeout(() => (button.textContent = 'Copy'), 1500);
  });
}`;
const STYLE = `
body { font-family: system-ui, sans-serif; margin: 1rem auto; max-width: 80rem; padding: 0 1rem; color: #1a1a1a; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #ccc; font-size: .9rem; }
code { font-size: .9rem; }
a { color: #1d4f91; }
button { font: inherit; font-size: .8rem; }
:focus-visible { outline: 3px solid #1d4f91; outline-offset: 2px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }`;
const inlineHash = (text) => `'sha256-${(0,external_node_crypto_.createHash)('sha256').update(text).digest('base64')}'`;
/**
 * The page's Content-Security-Policy: nothing may load or run but its own inline script and style
 * (by hash), so text that got past the escaping still could not run or fetch anything.
 */
const CONTENT_SECURITY_POLICY = [
    "default-src 'none'",
    `script-src ${inlineHash(SCRIPT)}`,
    `style-src ${inlineHash(STYLE)}`,
    "base-uri 'none'",
    "form-action 'none'",
].join('; ');
function renderIndexPage(index) {
    const releases = [...new Set(index.images.map((entry) => entry.release))].sort(compareReleases);
    const sections = releases.map((release) => {
        const ofRelease = index.images.filter((entry) => entry.release === release);
        const arches = [...new Set(ofRelease.map((entry) => entry.arch))].sort();
        return `<h2>Fedora ${page_escape(release)}</h2>\n${arches
            .map((arch) => table(release, arch, ofRelease.filter((entry) => entry.arch === arch)))
            .join('\n')}`;
    });
    const options = index.regions.map((region) => `<option value="${page_escape(region)}">${page_escape(region)}</option>`);
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fedora AMIs — current images by region</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Fedora cloud images on AWS</h1>
<p>The newest public, boot-tested AMI of every Fedora release, architecture and flavour in each region, read from AWS on <time datetime="${page_escape(index.generated_at)}">${page_escape(index.generated_at.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'))}</time>. Scripts can read <a href="index.json">index.json</a> or <code>latest/&lt;release&gt;/&lt;arch&gt;.json</code>.</p>
<p><label for="region" hidden>Show region</label>
<select id="region" hidden><option value="">All regions</option>${options.join('')}</select></p>
${sections.length > 0 ? sections.join('\n') : '<p>No public fedimg AMIs were found in these regions.</p>'}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

;// CONCATENATED MODULE: ./src/ami-index/write.ts




/** index.json, latest/<release>/<arch>.json (the same entries, one file per pair) and index.html. */
async function writeIndex(dir, selected) {
    // Published on Pages: no account data in any string (an AMI's description is AWS text).
    const index = redactValue(selected);
    await (0,promises_.mkdir)(dir, { recursive: true });
    const indexJson = (0,external_node_path_.join)(dir, 'index.json');
    await (0,promises_.writeFile)(indexJson, `${JSON.stringify(index, null, 2)}\n`);
    const pairs = new Map();
    for (const entry of index.images)
        pairs.set(`${entry.release}/${entry.arch}`, entry);
    const latest = [];
    for (const { release, arch } of pairs.values()) {
        const path = (0,external_node_path_.join)(dir, 'latest', release, `${arch}.json`);
        await (0,promises_.mkdir)((0,external_node_path_.join)(dir, 'latest', release), { recursive: true });
        const images = index.images.filter((entry) => entry.release === release && entry.arch === arch);
        const document = {
            schema_version: index.schema_version,
            generated_at: index.generated_at,
            release,
            arch,
            images,
        };
        await (0,promises_.writeFile)(path, `${JSON.stringify(document, null, 2)}\n`);
        latest.push(path);
    }
    const indexHtml = (0,external_node_path_.join)(dir, 'index.html');
    await (0,promises_.writeFile)(indexHtml, renderIndexPage(index));
    return { dir, indexJson, indexHtml, latest };
}

;// CONCATENATED MODULE: ./src/stages/descriptor.ts



/**
 * What every stage on a compose reads: openStage's images, host policy, selection and event log, the
 * base region, and the flavours and name template its AMI names are made from.
 */
const COMPOSE_STAGE_READS = [
    'images',
    'policy',
    'selection',
    'baseRegion',
    'eventsFile',
    'notify',
    'flavours',
    'nameTemplate',
];
/**
 * A stage as the registry runs it. One way to report: a stage that fails after it has a result hands
 * it to `deps.onResult` before throwing (openStage's `report`); every other result is handed over
 * here when the stage returns, exactly once. Whatever AWS refuses that the stage did not turn into
 * its own error becomes an AwsError titled by the stage, naming the call, region and code: never a
 * stack.
 */
function defineStage(stage) {
    const run = async (settings, log, deps) => {
        let reported = false;
        const onResult = async (result) => {
            if (reported)
                return;
            reported = true;
            await deps.onResult?.(result);
        };
        try {
            const result = await stage.run(settings, log, { ...deps, onResult });
            await onResult(result);
            return result;
        }
        catch (error) {
            if (!(error instanceof FedimgError) && isAwsFailure(error))
                throw new AwsError(stage.name, error);
            throw error;
        }
    };
    return { ...stage, run };
}
/** A file output, when the stage writes that file. */
const fileOutput = (name, path) => path ? { [name]: (0,external_node_path_.resolve)(path) } : {};
/** The events-file output of a stage that appends events. */
const eventsFileOutput = (settings) => fileOutput('events-file', settings.eventsFile);

;// CONCATENATED MODULE: ./src/stages/ami-index.ts







/** Reads fedimg's public AMIs in the given regions (all enabled ones by default), in parallel. */
async function collectIndex(settings, log, deps = {}) {
    const clients = deps.clients ?? new AwsClients({ concurrency: 4 });
    try {
        const { regions } = await resolveRegions(clients.ec2(settings.baseRegion), settings.copy.regions, '', log, 'index');
        const found = await Promise.all(regions.map(async (region) => (await publicFedimgAmis(clients.ec2(region))).map((image) => ({ region, image }))));
        return currentAmis(found.flat(), regions, deps.now?.() ?? new Date());
    }
    finally {
        if (!deps.clients)
            clients.destroy();
    }
}
/**
 * The index stage: which AMI is current for every release stream, architecture, flavour and region,
 * read from AWS (not from artifacts), written as index.json, latest/<release>/<arch>.json and a web
 * page into index-dir.
 */
async function runIndex(settings, log, deps = {}) {
    const index = await collectIndex(settings, log, deps);
    const written = settings.indexDir ? await writeIndex(settings.indexDir, index) : undefined;
    log.info(`Index: ${index.images.length} current AMI(s) in ${index.regions.length} region(s)${written ? `; page at ${written.indexHtml}` : ''}.`);
    return { index, written };
}
/** One row per release × arch × flavour: in how many regions it is current, and the newest compose. */
function indexTable({ index, written }) {
    const groups = new Map();
    for (const entry of index.images) {
        const key = `${entry.release}\u0000${entry.arch}\u0000${entry.flavour}`;
        const group = groups.get(key) ?? { regions: 0, composes: new Set() };
        group.regions++;
        group.composes.add(entry.compose_id);
        groups.set(key, group);
    }
    return {
        title: 'fedimg index: the current AMIs',
        header: ['Release', 'Arch', 'Flavour', 'Regions', 'Compose(s)'],
        rows: [...groups].map(([key, group]) => [
            ...key.split('\u0000'),
            `${group.regions} of ${index.regions.length}`,
            [...group.composes].join(', '),
        ]),
        note: index.images.length === 0
            ? 'No public fedimg AMIs were found.'
            : written
                ? `Written to ${written.dir} (index.json, index.html, latest/).`
                : undefined,
    };
}
const indexStage = defineStage({
    name: 'index',
    about: 'the current public AMIs, read from AWS, as JSON and a page',
    compose: 'ignored',
    reads: ['baseRegion', 'copy', 'indexDir'],
    inRun: false,
    run: runIndex,
    table: (result) => indexTable(result),
    outputs: ({ index, written }) => ({
        'index-count': String(index.images.length),
        ...(written ? { 'index-dir': (0,external_node_path_.resolve)(written.dir), 'index-file': (0,external_node_path_.resolve)(written.indexJson) } : {}),
    }),
});

;// CONCATENATED MODULE: ./src/aws/boot-contract.ts
/**
 * How a boot-test instance reports its verdict: the user-data runs the test command once cloud-init
 * is done and writes one marker line with a per-run token and the exit code to the serial console,
 * which GetConsoleOutput returns. The token makes stale or spoofed lines from another run useless.
 */
const BOOT_TEST_MARKER = 'fedimg-boot-test';
function bootTestUserData(command, token) {
    if (!/^[A-Za-z0-9-]{8,64}$/.test(token))
        throw new Error('boot-test token must be 8-64 letters, digits or dashes');
    return [
        '#!/bin/bash',
        `# ${BOOT_TEST_MARKER} token=${token}`,
        'cloud-init status --wait >/dev/null 2>&1 || true',
        `( ${command} ) >/var/log/${BOOT_TEST_MARKER}.log 2>&1`,
        'code=$?',
        `echo "${BOOT_TEST_MARKER} ${token} exit=$code" | tee /dev/console /dev/ttyS0 /dev/ttyAMA0 >/dev/kmsg 2>/dev/null`,
        '',
    ].join('\n');
}
/** The token a user-data script carries, if it follows this contract. */
function bootTestToken(userData) {
    return new RegExp(`^# ${BOOT_TEST_MARKER} token=([A-Za-z0-9-]+)$`, 'm').exec(userData)?.[1];
}
/** The exit code reported for `token` in console output, if the marker is there. */
function bootTestExitCode(consoleOutput, token) {
    const match = new RegExp(`${BOOT_TEST_MARKER} ${token} exit=(\\d+)`).exec(consoleOutput);
    return match ? Number(match[1]) : undefined;
}

;// CONCATENATED MODULE: ./src/aws/instances.ts








function tail(output, lines = 25) {
    return output.replace(/\r/g, '').split('\n').filter(Boolean).slice(-lines);
}
async function consoleText(ec2, instanceId) {
    const { Output } = await ec2.send(new client_ec2_dist_cjs/* GetConsoleOutputCommand */.Olx({ InstanceId: instanceId, Latest: true }));
    return Output ? Buffer.from(Output, 'base64').toString('utf8') : '';
}
/**
 * Starts one instance of the AMI that runs the test command from its user-data and shuts itself down
 * into termination; it has no key pair, and needs no inbound access. Returns its ID.
 */
async function launch(ec2, image, ami, settings, token) {
    const run = await ec2.send(new client_ec2_dist_cjs/* RunInstancesCommand */.zq7({
        ImageId: ami.imageId,
        InstanceType: settings.instanceTypes[image.ec2_arch],
        MinCount: 1,
        MaxCount: 1,
        ClientToken: token,
        UserData: Buffer.from(bootTestUserData(settings.command, token)).toString('base64'),
        InstanceInitiatedShutdownBehavior: 'terminate',
        MetadataOptions: { HttpTokens: 'required' },
        SubnetId: settings.subnetId,
        SecurityGroupIds: settings.securityGroupIds.length > 0 ? settings.securityGroupIds : undefined,
        TagSpecifications: [
            {
                ResourceType: 'instance',
                Tags: imageTags(image, {
                    [TAG.name]: `fedimg boot test of ${ami.name}`,
                    [TAG.bootTest]: ami.imageId,
                }),
            },
        ],
    }));
    return run.Instances[0].InstanceId;
}
/**
 * Boots one AMI, waits for it to run and pass its status checks, then reads the verdict marker the
 * user-data writes to the serial console. The instance needs no key pair and no inbound access, and
 * it is always terminated; the AMI is tagged with the verdict.
 */
async function bootTest(image, ami, ctx) {
    const { ec2, settings, log, region } = ctx;
    const token = `fedimg-${(0,external_node_crypto_.randomBytes)(12).toString('hex')}`;
    const instanceType = settings.instanceTypes[image.ec2_arch];
    const started = Date.now();
    const instanceId = await launch(ec2, image, ami, settings, token);
    const pendingInstance = { kind: 'instance', region, id: instanceId };
    ctx.pending.add(pendingInstance);
    log.info(`${image.arch}: booting ${ami.imageId} (${ami.name}) as ${instanceId} (${instanceType}) in ${region}; test command: ${settings.command}`);
    let consoleOutput = '';
    const deadline = started + settings.timeoutMs;
    const remaining = () => Math.max(1000, deadline - Date.now());
    const options = () => ({ timeoutMs: remaining(), intervalMs: settings.pollIntervalMs, signal: ctx.signal });
    try {
        await poll(`instance ${instanceId} to run`, async () => {
            const { Reservations } = await ec2
                .send(new client_ec2_dist_cjs/* DescribeInstancesCommand */.bNs({ InstanceIds: [instanceId] }))
                .catch((error) => {
                if (isNotFound(error))
                    return { Reservations: [] };
                throw error;
            });
            const state = Reservations?.[0]?.Instances?.[0]?.State?.Name;
            if (state === 'running')
                return true;
            if (state === 'shutting-down' || state === 'terminated' || state === 'stopped') {
                throw new Error(`the instance went ${state} before it ran`);
            }
            return undefined;
        }, options());
        await poll(`status checks of ${instanceId}`, async () => {
            const { InstanceStatuses } = await ec2.send(new client_ec2_dist_cjs/* DescribeInstanceStatusCommand */.o0z({ InstanceIds: [instanceId] }));
            const status = InstanceStatuses?.[0];
            const checks = [status?.InstanceStatus?.Status, status?.SystemStatus?.Status];
            if (checks.includes('impaired'))
                throw new Error('the status checks report the instance impaired (it did not boot)');
            return checks.every((check) => check === 'ok') ? true : undefined;
        }, options());
        const exitCode = await poll(`the boot-test verdict on the console of ${instanceId}`, async () => {
            consoleOutput = await consoleText(ec2, instanceId);
            return bootTestExitCode(consoleOutput, token);
        }, options());
        const passed = exitCode === 0;
        return {
            imageId: ami.imageId,
            instanceId,
            passed,
            exitCode,
            consoleTail: tail(consoleOutput),
            seconds: (Date.now() - started) / 1000,
        };
    }
    catch (error) {
        if (!consoleOutput)
            consoleOutput = await consoleText(ec2, instanceId).catch(() => '');
        return {
            imageId: ami.imageId,
            instanceId,
            passed: false,
            exitCode: undefined,
            consoleTail: [`(${describeError(error)})`, ...tail(consoleOutput)],
            seconds: (Date.now() - started) / 1000,
        };
    }
    finally {
        try {
            await terminateInstance(ec2, instanceId);
            ctx.pending.remove(pendingInstance);
        }
        catch (error) {
            log.warning(`Could not terminate boot-test instance ${instanceId} in ${region}: ${describeError(error)}; the post step will try again.`, 'fedimg boot-test');
        }
    }
}
/** Records the verdict on the AMI, where copy and publish look for it. */
async function tagVerdict(ec2, outcome) {
    await addTags(ec2, [outcome.imageId], [{ Key: TAG.bootTest, Value: outcome.passed ? 'passed' : 'failed' }]);
}
/** fedimg's boot-test instances in the region that have not ended (normally none outlive a run). */
async function liveBootTestInstances(ec2) {
    const { Reservations = [] } = await ec2.send(new client_ec2_dist_cjs/* DescribeInstancesCommand */.bNs({
        Filters: [
            { Name: `tag:${TAG.managedBy}`, Values: [MANAGED_BY] },
            { Name: 'tag-key', Values: [TAG.bootTest] },
            { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
        ],
    }));
    return Reservations.flatMap((reservation) => reservation.Instances ?? []);
}
async function terminateInstance(ec2, instanceId) {
    await ec2.send(new client_ec2_dist_cjs/* TerminateInstancesCommand */.NaF({ InstanceIds: [instanceId] }));
}
/** What to do about a failed boot test. */
const BOOT_TEST_HINT = 'The AMI is not copied or made public. Fix the image or the test command (test-command) and re-run the boot test.';
/** A failed boot test: `detail` is what happened with the last console lines; the error adds the hint. */
function bootTestFailure(image, outcome, region) {
    const why = outcome.exitCode !== undefined
        ? `the test command exited ${outcome.exitCode}`
        : 'no verdict reached the console';
    const detail = `AMI ${outcome.imageId} (${image.file}) failed its boot test in ${region}: ${why}. Last console lines:\n${outcome.consoleTail.join('\n')}`;
    return Object.assign(new BootTestError(detail, { hint: BOOT_TEST_HINT }), { detail });
}

;// CONCATENATED MODULE: ./src/net/http.ts




const MAX_REDIRECTS = 5;
/**
 * fedimg's HTTP client: node:http / node:https, and nothing else. Not fetch: Node's fetch runs on
 * whichever undici has made itself the global dispatcher, and the one @actions/http-client brings
 * asserts (uncatchably) when a server closes the connection while a back-pressured body is paused
 * (nodejs/undici#5360; fixed only in undici 8, which needs Node 22). Node's own HTTP parser pauses
 * the socket instead, and a connection closed early surfaces as an error on the body stream.
 */
class HttpResponse {
    message;
    status;
    ok;
    constructor(message) {
        this.message = message;
        this.status = message.statusCode ?? 0;
        this.ok = this.status >= 200 && this.status < 300;
        // Errors reach a reader through the body's iteration; nobody reading must not crash the process.
        message.on('error', () => undefined);
    }
    get headers() {
        const headers = this.message.headers;
        return {
            get: (name) => {
                const value = headers[name.toLowerCase()];
                return Array.isArray(value) ? value.join(', ') : value;
            },
        };
    }
    /** The body, as Buffers; iteration throws when the connection breaks before the body is complete. */
    get body() {
        return this.message;
    }
    /** The whole body (for small documents). */
    async bytes() {
        const chunks = [];
        for await (const chunk of this.body)
            chunks.push(chunk);
        return Buffer.concat(chunks);
    }
    /** Drops the body and the connection it arrives on. */
    discard() {
        this.message.destroy();
    }
}
/** One request, no redirect followed. Rejects on connection errors and when `signal` aborts. */
function request(url, init = {}) {
    const send = url.protocol === 'https:' ? external_node_https_.request : external_node_http_.request;
    return new Promise((resolve, reject) => {
        const outgoing = send(url, { method: init.method ?? 'GET', headers: init.headers, signal: init.signal });
        outgoing.on('error', reject);
        outgoing.on('response', (message) => resolve(new HttpResponse(message)));
        outgoing.end(init.body);
    });
}
/**
 * A request that checks the URL and every redirect target against the host policy: an allowed host
 * must not be able to bounce fedimg to one that is not.
 */
async function fetchAllowed(url, policy, init = {}) {
    let current = checkUrl(url, policy, 'URL');
    for (let hop = 0;; hop++) {
        const response = await request(current, init);
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location) {
            response.discard();
            if (hop >= MAX_REDIRECTS) {
                throw new ComposeError(`${url.href} redirects more than ${MAX_REDIRECTS} times.`, {
                    hint: 'Use the final URL directly.',
                });
            }
            current = checkUrl(new URL(location, current), policy, `redirect target of ${url.href}`);
            continue;
        }
        return { response, url: current };
    }
}
/** Fetch a small text document (metadata) with a size cap and a timeout. */
async function fetchText(url, policy, options) {
    const signal = AbortSignal.timeout(options.timeoutMs ?? 60_000);
    const host = options.host ?? 'the compose host';
    let response;
    try {
        ({ response } = await fetchAllowed(url, policy, { signal }));
    }
    catch (error) {
        if (error instanceof ComposeError)
            throw error;
        throw new ComposeError(`Could not fetch the ${options.what} at ${url.href}: ${describeError(error)}.`, {
            hint: `Check that ${host} is reachable and retry.`,
            cause: error,
        });
    }
    if (response.status === 404 || response.status === 410) {
        response.discard();
        if (options.optional)
            return undefined;
        throw new ComposeError(`The ${options.what} is missing at ${url.href} (HTTP ${response.status}).`, {
            hint: options.whenMissing ??
                'Check the compose location; it must be the compose root or its compose/ directory.',
        });
    }
    if (!response.ok) {
        response.discard();
        throw new ComposeError(`Fetching the ${options.what} at ${url.href} failed with HTTP ${response.status}.`, {
            hint: `Retry later; ${host} may be overloaded.`,
        });
    }
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > options.maxBytes) {
        response.discard();
        throw tooLarge(options, url);
    }
    const chunks = [];
    let total = 0;
    try {
        for await (const chunk of response.body) {
            total += chunk.byteLength;
            if (total > options.maxBytes) {
                response.discard();
                throw tooLarge(options, url);
            }
            chunks.push(chunk);
        }
    }
    catch (error) {
        if (error instanceof ComposeError)
            throw error;
        throw new ComposeError(`Reading the ${options.what} at ${url.href} failed: ${describeError(error)}.`, {
            hint: 'Retry; the connection dropped.',
            cause: error,
        });
    }
    return Buffer.concat(chunks).toString('utf8');
}
function tooLarge(options, url) {
    return new ComposeError(`The ${options.what} at ${url.href} is larger than ${options.maxBytes} bytes; refusing to read it.`, { hint: 'The URL may point at an image rather than metadata.' });
}

;// CONCATENATED MODULE: ./src/report/events.ts





function signature(body, secret) {
    return `sha256=${(0,external_node_crypto_.createHmac)('sha256', secret).update(body).digest('hex')}`;
}
/**
 * Appends events as NDJSON, with account data redacted, (every stage writes to the same file so a job can publish them all) and,
 * when a notify URL is set, POSTs each one as JSON. A failing receiver is retried and then only
 * warned about: it never fails the pipeline.
 */
class EventLog {
    path;
    log;
    notify;
    retry;
    deliveries = [];
    constructor(path, log, notify = { url: undefined, secret: undefined }, retry = {
        ...DEFAULT_RETRY,
        attempts: 4,
        baseDelayMs: 500,
        maxDelayMs: 5_000,
    }) {
        this.path = path;
        this.log = log;
        this.notify = notify;
        this.retry = retry;
    }
    deliver(topic, what, payload, schema) {
        const url = this.notify.url;
        if (!url)
            return;
        const body = JSON.stringify(payload);
        const headers = {
            'content-type': 'application/json',
            'x-fedimg-event': topic,
            ...(schema ? { 'x-fedimg-schema': schema } : {}),
        };
        if (this.notify.secret)
            headers['x-fedimg-signature-256'] = signature(body, this.notify.secret);
        const delivery = withRetry(async () => {
            // request() follows no redirect: a redirect would carry the signed body wherever the
            // receiver points, so a 3xx is a failed delivery like any other non-2xx answer.
            const response = await request(new URL(url), {
                method: 'POST',
                headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
                body,
                signal: AbortSignal.timeout(15_000),
            });
            response.discard();
            if (!response.ok)
                throw new Error(`HTTP ${response.status}`);
        }, this.retry, { retryable: () => true }).catch((error) => {
            this.log.warning(`Could not deliver ${what} to ${new URL(url).origin}: ${error.message}.`, 'fedimg events');
        });
        this.deliveries.push(delivery);
    }
    /** Waits for every notification in flight (each ends delivered or warned about). */
    async flush() {
        await Promise.all(this.deliveries);
    }
    emit(topic, status, image, destination, extra = {}) {
        // The log is a release asset and the webhook body: no account data (see redact.ts).
        const event = redactValue({
            topic,
            status,
            timestamp: new Date().toISOString(),
            image_name: image.name,
            image_url: image.url,
            destination,
            service: 'EC2',
            compose: image.compose_id,
            architecture: image.arch,
            extra: { virt_type: 'hvm', ...extra },
        });
        this.log.debug(`event ${topic} ${status}: ${JSON.stringify(event)}`);
        if (this.path)
            (0,external_node_fs_.appendFileSync)(this.path, `${JSON.stringify(event)}\n`);
        this.deliver(topic, `${topic} ${status}`, event);
        return event;
    }
    /**
     * A message in another schema than fedimg's events (Fedora's published.v1.aws): one NDJSON line
     * `{"topic": …, "schema": …, "body": …}`, and the body alone POSTed with the topic (the routing
     * key) in X-Fedimg-Event and the schema (fedora-messaging's fedora_messaging_schema header) in
     * X-Fedimg-Schema.
     */
    emitMessage(topic, schema, message) {
        const body = redactValue(message);
        this.log.debug(`message ${topic}: ${JSON.stringify(body)}`);
        if (this.path)
            (0,external_node_fs_.appendFileSync)(this.path, `${JSON.stringify({ topic, schema, body })}\n`);
        this.deliver(topic, topic, body, schema);
    }
}

;// CONCATENATED MODULE: ./src/compose/checksum.ts

const BSD_LINE = /^SHA256 \((?<file>[^()/\\]+)\) = (?<hash>[0-9a-fA-F]{64})$/;
const GNU_LINE = /^(?<hash>[0-9a-fA-F]{64}) [ *](?<file>[^/\\]+)$/;
const SIZE_COMMENT = /^# (?<file>[^/\\]+): (?<size>\d+) bytes$/;
/**
 * Reads a per-directory CHECKSUM file: BSD tag lines (`SHA256 (file) = hex`) as Pungi writes them,
 * with optional size comments, optionally inside a PGP clear-sign wrapper as on the release mirrors.
 * The signature itself is not verified here (fedimg holds no Fedora keys); the checksums are only
 * used to cross-check images.json or to fill in a directly given image URL.
 */
function parseChecksumFile(text, source = 'CHECKSUM') {
    const lines = extractSignedBody(text.replace(/\r\n/g, '\n')).split('\n');
    const sizes = new Map();
    const entries = new Map();
    for (const raw of lines) {
        const line = raw.trim();
        if (!line)
            continue;
        const size = SIZE_COMMENT.exec(line);
        if (size?.groups) {
            sizes.set(size.groups.file, Number(size.groups.size));
            continue;
        }
        if (line.startsWith('#'))
            continue;
        const match = BSD_LINE.exec(line) ?? GNU_LINE.exec(line);
        if (!match?.groups)
            continue; // other algorithms (SHA512, MD5) are not ours to read
        const file = match.groups.file;
        entries.set(file, { sha256: match.groups.hash.toLowerCase(), size: sizes.get(file) });
    }
    if (entries.size === 0) {
        throw new ComposeError(`${source} holds no SHA256 entries.`, {
            hint: 'Check that the URL is a CHECKSUM file of a Fedora image directory.',
        });
    }
    return entries;
}
// RFC 4880 §7: the signed text sits between the armor header block and the signature, with lines
// that begin with "-" escaped as "- -".
function extractSignedBody(text) {
    const begin = text.indexOf('-----BEGIN PGP SIGNED MESSAGE-----');
    if (begin < 0)
        return text;
    const afterHeader = text.indexOf('\n\n', begin);
    const signature = text.indexOf('-----BEGIN PGP SIGNATURE-----', begin);
    if (afterHeader < 0 || signature < 0 || signature < afterHeader) {
        throw new ComposeError('The CHECKSUM file has a broken PGP clear-sign wrapper.', {
            hint: 'Fetch it again; a mirror may have served a partial file.',
        });
    }
    return text
        .slice(afterHeader + 2, signature)
        .split('\n')
        .map((line) => (line.startsWith('- ') ? line.slice(2) : line))
        .join('\n');
}

;// CONCATENATED MODULE: ./src/compose/checksums-beside.ts



/** The CHECKSUM files Pungi writes beside the images: a second record of every image's sha256. */
const SMALL_LIMIT = 1024 * 1024;
/**
 * Cross-check images.json against the CHECKSUM files beside the images. A directory without a
 * listing or a CHECKSUM file only earns a note; a disagreement is an error, because one of the two is
 * wrong and the image must not be published until someone looks.
 */
async function crossCheckWithChecksums(images, policy, notes) {
    const byDirectory = new Map();
    for (const image of images) {
        const directory = new URL('./', image.url).href;
        byDirectory.set(directory, [...(byDirectory.get(directory) ?? []), image]);
    }
    for (const [directory, members] of byDirectory) {
        const checksums = await checksumsForDirectory(new URL(directory), policy);
        if (!checksums) {
            notes.push(`No CHECKSUM file found in ${directory}; relying on images.json alone.`);
            continue;
        }
        for (const image of members) {
            const entry = checksums.get(image.file);
            if (!entry) {
                notes.push(`${image.file} is not listed in the CHECKSUM file of ${directory}.`);
                continue;
            }
            if (entry.sha256 !== image.sha256 || (entry.size !== undefined && entry.size !== image.size)) {
                throw new ComposeError(`images.json and the CHECKSUM file in ${directory} disagree about ${image.file} (sha256 ${image.sha256} vs ${entry.sha256}).`, {
                    hint: 'One of them is wrong or the compose was modified; ask release engineering before publishing.',
                });
            }
        }
    }
}
/** Finds `*CHECKSUM` files through the directory listing (Pungi names them after the compose). */
async function checksumsForDirectory(directory, policy) {
    let listing;
    try {
        listing = await fetchText(directory, policy, {
            what: 'image directory listing',
            maxBytes: SMALL_LIMIT,
            optional: true,
        });
    }
    catch {
        return undefined;
    }
    if (!listing)
        return undefined;
    const names = new Set();
    for (const match of listing.matchAll(/href="([A-Za-z0-9._+-]*CHECKSUM)"/g))
        names.add(match[1]);
    const merged = new Map();
    for (const name of names) {
        const text = await fetchText(new URL(name, directory), policy, {
            what: 'CHECKSUM file',
            maxBytes: SMALL_LIMIT,
            optional: true,
        });
        if (text === undefined)
            continue;
        for (const [file, entry] of parseChecksumFile(text, `${directory.href}${name}`))
            merged.set(file, entry);
    }
    return merged.size > 0 ? merged : undefined;
}

;// CONCATENATED MODULE: ./src/compose/rawhide-release.ts


/**
 * Rawhide's release number, which its metadata carries only as the version of its fedora-release
 * package (productmd's rpms.json lists every package of the compose: `fedora-release-0:45-0.20.noarch`).
 * The file is large, so it is streamed and scanned, and the connection dropped once the package is
 * seen; a file without it (or none at all) gives undefined, with the reason.
 */
async function rawhideReleaseNumber(metadata, policy, options = {}) {
    const url = new URL('rpms.json', metadata);
    const maxBytes = options.maxBytes ?? 1024 * 1024 * 1024;
    let response;
    try {
        ({ response } = await fetchAllowed(url, policy, {
            signal: AbortSignal.timeout(options.timeoutMs ?? 300_000),
        }));
    }
    catch (error) {
        return { missing: `rpms.json at ${url.href} could not be read (${describeError(error)})` };
    }
    if (!response.ok) {
        response.discard();
        return { missing: `rpms.json at ${url.href} answered HTTP ${response.status}` };
    }
    // A package NEVRA key: "fedora-release-0:45-0.20.noarch" (or fedora-release-common-…).
    const pattern = /"fedora-release(?:-common)?-(?:\d+:)?(\d{1,3})-[^"]*"/;
    let tail = '';
    let seen = 0;
    try {
        for await (const chunk of response.body) {
            seen += chunk.byteLength;
            const text = tail + chunk.toString('latin1');
            const match = pattern.exec(text);
            if (match) {
                response.discard();
                return { release: Number(match[1]) };
            }
            if (seen > maxBytes)
                break;
            tail = text.slice(-256);
        }
    }
    catch (error) {
        return { missing: `reading rpms.json at ${url.href} failed (${describeError(error)})` };
    }
    response.discard();
    return { missing: `rpms.json at ${url.href} lists no fedora-release package` };
}

;// CONCATENATED MODULE: ./src/compose/image-url.ts









/** Plans one image given by its URL: its sha256 from the input or the CHECKSUM file beside it. */
async function discoverImageUrl(request, { policy, selection }) {
    const url = checkUrl(request.url, policy, 'image URL');
    const file = fileNameOf(url, 'image URL');
    if (!file.endsWith('.raw.xz')) {
        throw new ComposeError(`The image URL ${url.href} does not name a .raw.xz file.`, {
            hint: 'fedimg imports the raw.xz AWS image (Fedora-Cloud-Base-AmazonEC2-*.raw.xz).',
        });
    }
    const parsed = parseImageFileName(file);
    const arch = parsed?.arch ?? (selection.architectures.length === 1 ? selection.architectures[0] : undefined);
    if (!arch || !(arch in EC2_ARCHITECTURES)) {
        throw new ComposeError(`Cannot tell the architecture of ${file}.`, {
            hint: 'Set the architectures input to the one architecture of this image (x86_64 or aarch64).',
        });
    }
    const notes = [];
    let sha256 = request.sha256?.toLowerCase();
    let size;
    const checksums = await checksumsForDirectory(new URL('./', url), policy);
    const entry = checksums?.get(file);
    if (entry) {
        if (sha256 && sha256 !== entry.sha256) {
            throw new ComposeError(`The given sha256 of ${file} does not match the CHECKSUM file beside it (${entry.sha256}).`, {
                hint: 'Check which image you meant; nothing was started.',
            });
        }
        sha256 = entry.sha256;
        size = entry.size;
    }
    if (!sha256) {
        throw new ComposeError(`No sha256 for ${url.href}: none was given and no CHECKSUM file lists it.`, {
            hint: 'Pass image-sha256 (the sha256 of the .raw.xz file).',
        });
    }
    size ??= await contentLength(url, policy);
    const composeId = request.composeId ? parseComposeId(request.composeId) : undefined;
    const version = parsed?.release ?? composeId?.version ?? '';
    const rel = parsed?.version ?? '';
    const fromFile = /^(?<date>\d{8})(?:\.(?<type>n|t|ci|d))?\.(?<respin>\d+)$/.exec(rel)?.groups;
    const compose = composeId ?? {
        id: '',
        short: 'Fedora',
        version,
        releaseType: undefined,
        date: fromFile?.date ?? '',
        type: fromFile?.type
            ? { n: 'nightly', t: 'test', ci: 'ci', d: 'development' }[fromFile.type]
            : 'production',
        respin: Number(fromFile?.respin ?? 0),
    };
    // A released image's name carries its label version (…-41-1.4, …-41_Beta-1.2): keep it so names
    // can be rebuilt.
    const label = !fromFile && /^\d+\.\d+$/.test(rel) ? `${parsed?.milestone ?? 'RC'}-${rel}` : '';
    const image = plannedImage(url, arch, size, sha256, compose, { release: version, label, subvariant: selection.subvariants[0] ?? 'Cloud_Base', variant: 'Cloud' }, policy);
    return {
        source: 'image-url',
        composeId: compose.id,
        status: 'FINISHED',
        skipped: false,
        reason: undefined,
        location: undefined,
        images: [image],
        notes,
    };
}
async function contentLength(url, policy) {
    const { response } = await fetchAllowed(url, policy, {
        method: 'HEAD',
        signal: AbortSignal.timeout(60_000),
    });
    response.discard();
    const length = Number(response.headers.get('content-length'));
    if (!response.ok || !Number.isSafeInteger(length) || length <= 0) {
        throw new ComposeError(`Cannot learn the size of ${url.href} (HTTP ${response.status}).`, {
            hint: 'Check that the image URL is right and reachable.',
        });
    }
    return length;
}

;// CONCATENATED MODULE: ./src/compose/productmd.ts


/**
 * productmd metadata (images.json, composeinfo.json) as Pungi writes it. Only the fields fedimg
 * relies on are required; everything else passes through untouched so newer minor versions still
 * parse.
 */
const SHA256_HEX = /^[0-9a-f]{64}$/;
const imageSchema = schemas/* object */.Ikc({
    arch: schemas/* string */.YjP().min(1).max(32),
    path: schemas/* string */.YjP().min(1).max(1024),
    size: schemas/* number */.aig().int().nonnegative(),
    type: schemas/* string */.YjP().min(1).max(64),
    format: schemas/* string */.YjP().min(1).max(64),
    checksums: schemas/* object */.Ikc({ sha256: schemas/* string */.YjP().toLowerCase().regex(SHA256_HEX) }).loose(),
    // Added in 1.1; 1.0 entries have none (inferred from the file name below).
    subvariant: schemas/* string */.YjP().max(64).optional(),
    disc_number: schemas/* number */.aig().int().optional(),
    disc_count: schemas/* number */.aig().int().optional(),
    bootable: schemas/* boolean */.zMY().optional(),
    mtime: schemas/* number */.aig().optional(),
    volume_id: schemas/* string */.YjP().nullable().optional(),
});
const composeSchema = schemas/* object */.Ikc({
    id: schemas/* string */.YjP().min(1).max(100),
    date: schemas/* string */.YjP().regex(/^\d{8}$/),
    type: schemas/* string */.YjP().min(1).max(32),
    respin: schemas/* number */.aig().int().nonnegative(),
    label: schemas/* string */.YjP().max(64).nullable().optional(),
    final: schemas/* boolean */.zMY().optional(),
});
const SUPPORTED_PRODUCTMD_VERSIONS = ['1.0', '1.1', '1.2'];
const headerSchema = schemas/* object */.Ikc({
    type: schemas/* string */.YjP().optional(),
    version: schemas/* string */.YjP(),
});
const imagesSchema = schemas/* object */.Ikc({
    header: headerSchema,
    payload: schemas/* object */.Ikc({
        compose: composeSchema,
        images: schemas/* record */.g1P(schemas/* string */.YjP().max(64), schemas/* record */.g1P(schemas/* string */.YjP().max(32), schemas/* array */.YOg(imageSchema))),
    }),
});
const composeInfoSchema = schemas/* object */.Ikc({
    header: headerSchema,
    payload: schemas/* object */.Ikc({
        compose: composeSchema,
        release: schemas/* object */.Ikc({
            name: schemas/* string */.YjP().max(100),
            short: schemas/* string */.YjP().max(100),
            version: schemas/* string */.YjP().max(32),
            type: schemas/* string */.YjP().max(32).optional(),
        })
            .loose(),
        variants: schemas/* record */.g1P(schemas/* string */.YjP(), schemas/* unknown */.L5J()).optional(),
    }),
});
function checkHeader(header, expectedType, source) {
    if (header.type !== undefined && header.type !== expectedType) {
        throw new ComposeError(`${source} is a "${header.type}" document, not ${expectedType}.`, {
            hint: 'Point fedimg at the compose root or its compose/ directory.',
        });
    }
    if (!SUPPORTED_PRODUCTMD_VERSIONS.includes(header.version)) {
        throw new ComposeError(`${source} uses productmd version ${header.version}, which fedimg does not understand (it reads ${SUPPORTED_PRODUCTMD_VERSIONS.join(', ')}).`, { hint: 'Update fedimg to a release that supports this productmd version.' });
    }
    return header.version;
}
function parseJson(text, schema, source, expectedType) {
    let data;
    try {
        data = JSON.parse(text);
    }
    catch (error) {
        throw new ComposeError(`${source} is not valid JSON (${error.message}).`, {
            hint: 'The compose may still be being written, or the URL serves something else; check it in a browser.',
        });
    }
    // The header first: an unknown version or document type deserves its own message.
    const header = schemas/* object */.Ikc({ header: headerSchema }).safeParse(data);
    if (header.success)
        checkHeader(header.data.header, expectedType, source);
    const result = schema.safeParse(data);
    if (!result.success) {
        const issue = result.error.issues[0];
        throw new ComposeError(`${source} is malformed: ${issue.path.join('.') || '(top level)'}: ${issue.message}.`, { hint: 'The compose metadata does not follow productmd; report it to release engineering.' });
    }
    return result.data;
}
function toCompose(c) {
    return { id: c.id, date: c.date, type: c.type, respin: c.respin, label: c.label ?? undefined };
}
// productmd 1.0 had no subvariant: Fedora-Cloud-Base-23-20151030.x86_64.raw.xz → Cloud_Base.
function inferSubvariant(fileName) {
    const match = /^Fedora-(?<words>[A-Za-z][A-Za-z0-9_-]*?)-(?:\d|Rawhide)/.exec(fileName);
    if (!match?.groups)
        return '';
    const words = match.groups.words.split('-').filter((word) => !/^(AmazonEC2|armhfp|sda)$/.test(word));
    return words.join('_');
}
function parseImagesJson(text, source = 'images.json') {
    const doc = parseJson(text, imagesSchema, source, 'productmd.images');
    const version = doc.header.version;
    const images = [];
    for (const [variant, arches] of Object.entries(doc.payload.images)) {
        for (const [arch, entries] of Object.entries(arches)) {
            for (const entry of entries) {
                const fileName = entry.path.split('/').pop() ?? '';
                images.push({
                    variant,
                    arch: entry.arch || arch,
                    path: entry.path,
                    size: entry.size,
                    sha256: entry.checksums.sha256,
                    type: entry.type,
                    format: entry.format,
                    subvariant: entry.subvariant ?? inferSubvariant(fileName),
                });
            }
        }
    }
    return { version, compose: toCompose(doc.payload.compose), images };
}
function parseComposeInfo(text, source = 'composeinfo.json') {
    const doc = parseJson(text, composeInfoSchema, source, 'productmd.composeinfo');
    const version = doc.header.version;
    const release = doc.payload.release;
    return {
        version,
        compose: toCompose(doc.payload.compose),
        release: { name: release.name, short: release.short, version: release.version, type: release.type },
    };
}

;// CONCATENATED MODULE: ./src/compose/discover.ts












const METADATA_LIMIT = 32 * 1024 * 1024;
/** Plans from a compose's metadata, or from one image URL. */
async function discover(request, options) {
    return request.kind === 'compose' ? discoverCompose(request, options) : discoverImageUrl(request, options);
}
function skippedPlan(status, composeId, location) {
    return {
        source: 'compose',
        composeId,
        status,
        skipped: true,
        reason: `compose ${composeId || location} is ${status}; only FINISHED and FINISHED_INCOMPLETE composes are published, so there is nothing to do`,
        location,
        images: [],
        notes: [],
    };
}
async function discoverCompose(request, { policy, selection }) {
    const location = resolveComposeLocation(request.location, policy);
    const requestedId = request.composeId ? parseComposeId(request.composeId).id : undefined;
    if (request.status && !PUBLISHABLE_STATUSES.includes(request.status)) {
        return skippedPlan(request.status, requestedId ?? '', location.root.href);
    }
    const notes = [];
    const statusText = await fetchText(new URL('STATUS', location.root), policy, {
        what: 'compose STATUS file',
        maxBytes: 1024,
        optional: request.status !== undefined,
    });
    let status;
    if (statusText === undefined) {
        status = request.status;
        notes.push(`No STATUS file at ${location.root.href}; trusting the payload's status ${status}.`);
    }
    else {
        status = parseStatus(statusText, location.root);
    }
    if (!PUBLISHABLE_STATUSES.includes(status)) {
        return skippedPlan(status, requestedId ?? '', location.root.href);
    }
    const metadata = new URL('metadata/', location.composeDir);
    const [imagesText, composeInfoText] = await Promise.all([
        fetchText(new URL('images.json', metadata), policy, { what: 'images.json', maxBytes: METADATA_LIMIT }),
        fetchText(new URL('composeinfo.json', metadata), policy, {
            what: 'composeinfo.json',
            maxBytes: METADATA_LIMIT,
            optional: true,
        }),
    ]);
    const manifest = parseImagesJson(imagesText, `images.json at ${metadata.href}`);
    let composeInfo;
    if (composeInfoText === undefined) {
        notes.push('No composeinfo.json; release details come from the compose ID.');
    }
    else {
        composeInfo = parseComposeInfo(composeInfoText, `composeinfo.json at ${metadata.href}`);
    }
    const compose = parseComposeId(manifest.compose.id);
    for (const [what, id] of [
        ['the requested compose ID', requestedId],
        ['composeinfo.json', composeInfo?.compose.id],
    ]) {
        if (id !== undefined && id !== compose.id) {
            throw new ComposeError(`images.json at ${metadata.href} describes ${compose.id}, but ${what} says ${truncateForMessage(id)}.`, { hint: 'The location does not hold the compose that was announced; check the payload.' });
        }
    }
    const labelText = composeInfo?.compose.label ?? manifest.compose.label ?? request.label ?? undefined;
    const label = labelText ? parseComposeLabel(labelText).label : '';
    const release = composeInfo?.release.version ?? compose.version;
    const selected = selectImages(manifest.images, selection);
    // Fedora's message needs Rawhide's number, which only the compose's package list carries.
    let releaseNumber;
    if (/^rawhide$/i.test(release) && selected.length > 0) {
        const found = await rawhideReleaseNumber(metadata, policy);
        if ('release' in found)
            releaseNumber = found.release;
        else
            notes.push(`Rawhide's release number is unknown: ${found.missing}; Fedora's published message will not be sent.`);
    }
    const images = selected.map((image) => {
        const url = resolveImagePath(location.composeDir, image.path);
        return plannedImage(url, image.arch, image.size, image.sha256, compose, { release, releaseNumber, label, subvariant: image.subvariant, variant: image.variant }, policy);
    });
    if (images.length === 0) {
        notes.push(`No ${selection.subvariants.join('/')} raw-xz image for ${selection.architectures.join('/')} in ${compose.id}.`);
    }
    await crossCheckWithChecksums(images, policy, notes);
    return {
        source: 'compose',
        composeId: compose.id,
        status,
        skipped: false,
        reason: undefined,
        location: location.root.href,
        images,
        notes,
    };
}
function parseStatus(text, root) {
    const value = text.trim();
    if (!COMPOSE_STATUSES.includes(value)) {
        throw new ComposeError(`The STATUS file at ${root.href} says "${truncateForMessage(value)}", not a Pungi status.`, {
            hint: `Expected one of ${COMPOSE_STATUSES.join(', ')}; check the compose location.`,
        });
    }
    return value;
}

;// CONCATENATED MODULE: ./src/stages/images.ts



/** The images a stage works on: one matrix entry handed down by the plan job, or a fresh discovery. */
async function resolveImages(settings) {
    if (settings.images.kind === 'discover') {
        return discover(settings.images.request, { policy: settings.policy, selection: settings.selection });
    }
    if (settings.images.kind === 'none') {
        throw new InputError(`Nothing to publish: the ${settings.stage} stage needs a compose, and no compose-payload, compose-location, compose-id, image-url or plan images (images, image) were given.`, {
            hint: "Pass the compose-status message as compose-payload, a compose location/ID, an image URL with its sha256, or the plan job's images output.",
        });
    }
    // The plan is the contract: a stage after it takes its images and reads no compose metadata.
    const images = settings.images.images;
    return {
        source: 'plan',
        composeId: images[0]?.compose_id ?? '',
        status: 'FINISHED',
        skipped: false,
        reason: undefined,
        location: undefined,
        images,
        notes: [],
    };
}
/** Every AMI name the run will use, checked (valid and distinct) before anything is uploaded. */
function plannedNames(plan, settings) {
    const names = plan.images.flatMap((image) => settings.flavours.map((flavour, index) => amiName(settings.nameTemplate, {
        image,
        flavour,
        isDefaultFlavour: index === 0,
        region: settings.baseRegion,
    })));
    for (const image of plan.images) {
        const expected = defaultAmiName(image, settings);
        if (image.ami_name !== undefined && image.ami_name !== expected) {
            throw new InputError(`The plan named ${image.file}'s AMI ${image.ami_name}, but this job's settings name it ${expected}.`, {
                hint: 'Give every job of the run the same name-template and flavours (volume-types, config-file).',
            });
        }
    }
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate) {
        throw new InputError(`name-template ${settings.nameTemplate} gives two AMIs the same name, ${duplicate}.`, {
            hint: 'Include {arch} (and {flavour} for several flavours) in the template.',
        });
    }
    return names;
}
/** The name the first (default) flavour's AMI of this image gets. */
function defaultAmiName(image, settings) {
    return amiName(settings.nameTemplate, {
        image,
        flavour: settings.flavours[0],
        isDefaultFlavour: true,
        region: settings.baseRegion,
    });
}

;// CONCATENATED MODULE: ./src/stages/stage.ts




/**
 * The preamble and ending every compose stage shares: resolve the images, end early with a notice
 * when there is nothing to do, make the clients, the pending-resource record and the event log the
 * caller did not give, report the result once, and always flush events and close what it made.
 */
async function openStage(settings, log, deps, shape, work) {
    const title = `fedimg ${shape.name}`;
    const plan = await resolveImages(settings);
    if (shape.showNotes)
        for (const note of plan.notes)
            log.notice(note, title);
    let reported = false;
    const report = async (result) => {
        if (!reported) {
            reported = true;
            await deps.onResult?.(result);
        }
        return result;
    };
    if (plan.skipped) {
        log.notice(`Nothing was done: ${plan.reason}.`, title);
        return report(shape.skipped(plan));
    }
    const clients = deps.clients ??
        new AwsClients({
            concurrency: shape.concurrency ?? 4,
            ...(shape.blockTimeoutMs === undefined ? {} : { blockTimeoutMs: shape.blockTimeoutMs }),
        });
    const pending = deps.pending ?? new PendingResources();
    const events = deps.events ?? new EventLog(settings.eventsFile, log, settings.notify);
    try {
        return await report(await work({ plan, clients, pending, events, report }));
    }
    finally {
        await events.flush();
        if (!deps.clients)
            clients.destroy();
    }
}

;// CONCATENATED MODULE: ./src/stages/boot-test.ts







/**
 * Boots the AMIs the import stage registered (found by name and tags in the base region) and
 * records each verdict as a tag. Any failure fails the stage: those AMIs are never copied or made
 * public.
 */
async function runBootTest(settings, log, deps = {}) {
    const shape = {
        name: 'boot-test',
        skipped: (plan) => ({
            composeId: plan.composeId,
            skipped: true,
            reason: plan.reason,
            records: [],
        }),
    };
    return openStage(settings, log, deps, shape, async ({ plan, clients, pending, events, report }) => {
        const region = settings.baseRegion;
        const ec2 = clients.ec2(region);
        const wanted = settings.flavours.filter((flavour, index) => settings.bootTest.flavours.length === 0
            ? index === 0
            : settings.bootTest.flavours.includes(flavour.name));
        const targets = plan.images.flatMap((image) => wanted.map((flavour) => ({
            image,
            name: amiName(settings.nameTemplate, {
                image,
                flavour,
                isDefaultFlavour: flavour === settings.flavours[0],
                region,
            }),
        })));
        const records = await log.group(`Boot test ${targets.length} AMI(s) in ${region}`, () => Promise.all(targets.map(async ({ image, name }) => {
            const ami = await fedimgAmiNamed(ec2, image, name);
            if (!ami?.ImageId) {
                throw new BootTestError(`AMI ${name} of ${image.file} is not registered in ${region}.`, {
                    hint: 'Run the import stage for this compose first.',
                });
            }
            if (tagValue(ami.Tags, TAG.bootTest) === 'passed') {
                log.info(`${image.arch}: ${ami.ImageId} (${name}) passed its boot test in an earlier run.`);
                return { image, name, outcome: undefined, alreadyPassed: true, imageId: ami.ImageId };
            }
            events.emit('image.test', 'started', image, region, { id: ami.ImageId });
            const outcome = await bootTest(image, { imageId: ami.ImageId, name }, { ec2, region, log, pending, settings: settings.bootTest, signal: deps.signal });
            await tagVerdict(ec2, outcome);
            events.emit('image.test', outcome.passed ? 'completed' : 'failed', image, region, {
                id: ami.ImageId,
                ...(outcome.passed ? {} : { error: outcome.consoleTail.slice(-3).join(' | ') }),
            });
            if (outcome.passed)
                log.info(`${image.arch}: ${ami.ImageId} passed its boot test in ${outcome.seconds.toFixed(0)} s.`);
            else
                log.error(bootTestFailure(image, outcome, region).message, 'fedimg boot-test');
            return { image, name, outcome, alreadyPassed: false, imageId: ami.ImageId };
        })));
        const result = await report({ composeId: plan.composeId, skipped: false, reason: undefined, records });
        const failed = records.filter((record) => record.outcome && !record.outcome.passed);
        if (failed.length > 0) {
            // The message carries what each failure showed; the hint only what to do next.
            const details = failed.map((record) => bootTestFailure(record.image, record.outcome, region).detail);
            throw new BootTestError(`${failed.length} of ${records.length} AMI(s) failed the boot test: ${failed.map((record) => `${record.imageId} (${record.image.arch})`).join(', ')}.\n${details.join('\n')}`, { hint: BOOT_TEST_HINT });
        }
        return result;
    });
}
function bootTestTable(result, region) {
    const failures = result.records.filter((record) => record.outcome && !record.outcome.passed);
    return {
        title: `fedimg boot test — ${result.composeId || 'direct image'} in ${region}`,
        header: ['Image', 'AMI', 'Name', 'Instance', 'Verdict', 'Seconds'],
        rows: result.records.map((record) => [
            record.image.file,
            record.imageId,
            record.name,
            record.outcome?.instanceId ?? '',
            record.alreadyPassed
                ? 'passed earlier'
                : record.outcome?.passed
                    ? 'passed'
                    : `failed${record.outcome?.exitCode !== undefined ? ` (exit ${record.outcome.exitCode})` : ''}`,
            record.outcome ? record.outcome.seconds.toFixed(0) : '',
        ]),
        note: result.skipped
            ? `Nothing to do: ${result.reason}.`
            : failures.length > 0
                ? failures
                    .map((record) => `${record.imageId} console: ${record.outcome.consoleTail.slice(-10).join(' ⏎ ')}`)
                    .join('\n')
                : undefined,
    };
}
const bootTestStage = defineStage({
    name: 'boot-test',
    about: 'boot each AMI, read the verdict from its console, always terminate',
    compose: 'required',
    reads: [...COMPOSE_STAGE_READS, 'bootTest'],
    inRun: true,
    run: runBootTest,
    table: (result, settings) => bootTestTable(result, settings.baseRegion),
    outputsBefore: eventsFileOutput,
    outputs: (result) => ({
        'boot-test': JSON.stringify(result.records.map((record) => ({
            image: record.image.name,
            ami: record.imageId,
            passed: record.alreadyPassed || Boolean(record.outcome?.passed),
        }))),
        skipped: String(result.skipped),
    }),
});

;// CONCATENATED MODULE: ./src/aws/snapshots.ts





/** Snapshots: finding fedimg's, waiting for them, sharing and removing them. */
/** The snapshots an earlier run uploaded from this image with the same settings (its upload token). */
async function snapshotsByUploadToken(ec2, sha256, token) {
    const { Snapshots } = await ec2.send(new client_ec2_dist_cjs/* DescribeSnapshotsCommand */.MmI({
        OwnerIds: ['self'],
        Filters: [
            { Name: `tag:${TAG.sourceSha256}`, Values: [sha256] },
            { Name: `tag:${TAG.uploadToken}`, Values: [token] },
        ],
    }));
    return Snapshots ?? [];
}
/** Deletes a snapshot; one that is already gone counts as deleted. */
async function deleteSnapshot(ec2, snapshotId) {
    try {
        await ec2.send(new client_ec2_dist_cjs/* DeleteSnapshotCommand */.tZN({ SnapshotId: snapshotId }));
    }
    catch (error) {
        if (!isNotFound(error))
            throw error;
    }
}
/** The size (GiB) of a snapshot, 0 when it cannot be read. */
async function snapshotSize(ec2, snapshotId) {
    const { Snapshots } = await ec2.send(new client_ec2_dist_cjs/* DescribeSnapshotsCommand */.MmI({ SnapshotIds: [snapshotId] }));
    return Snapshots?.[0]?.VolumeSize ?? 0;
}
/**
 * Snapshot state once it is no longer pending ('completed' or 'error'). An unknown ID is retried
 * for a while (eventual consistency); a snapshot that disappears after it was seen fails the wait.
 */
async function waitForSnapshot(ec2, snapshotId, options) {
    const unknownUntil = Date.now() + (options.unknownForMs ?? 120_000);
    let seen = false;
    return poll(`snapshot ${snapshotId}`, async () => {
        try {
            const { Snapshots } = await ec2.send(new client_ec2_dist_cjs/* DescribeSnapshotsCommand */.MmI({ SnapshotIds: [snapshotId] }));
            const snapshot = Snapshots?.[0];
            if (snapshot)
                seen = true;
            if (!snapshot || snapshot.State === 'pending')
                return undefined;
            return { state: snapshot.State ?? 'unknown', message: snapshot.StateMessage };
        }
        catch (error) {
            if (!isNotFound(error))
                throw error;
            if (seen || Date.now() > unknownUntil)
                throw new Error(`snapshot ${snapshotId} no longer exists (deleted by another run or by hand)`, {
                    cause: error,
                });
            return undefined;
        }
    }, options);
}
/** Every snapshot in the region tagged as fedimg's. */
async function fedimgSnapshots(ec2) {
    const { Snapshots } = await ec2.send(new client_ec2_dist_cjs/* DescribeSnapshotsCommand */.MmI({
        OwnerIds: ['self'],
        Filters: [{ Name: `tag:${TAG.managedBy}`, Values: [MANAGED_BY] }],
    }));
    return Snapshots ?? [];
}
/** The IDs among these snapshots that are encrypted (an encrypted snapshot can never be public). */
async function encryptedSnapshots(ec2, snapshotIds) {
    if (snapshotIds.length === 0)
        return [];
    const { Snapshots } = await ec2.send(new client_ec2_dist_cjs/* DescribeSnapshotsCommand */.MmI({ SnapshotIds: snapshotIds }));
    return (Snapshots ?? []).filter((snapshot) => snapshot.Encrypted).map((snapshot) => snapshot.SnapshotId);
}
async function grantCreateVolume(ec2, snapshotId, grant) {
    await ec2.send(new client_ec2_dist_cjs/* ModifySnapshotAttributeCommand */.KD0({
        SnapshotId: snapshotId,
        CreateVolumePermission: { Add: permissionsOf(grant) },
    }));
}
async function revokePublicCreateVolume(ec2, snapshotId) {
    await ec2.send(new client_ec2_dist_cjs/* ModifySnapshotAttributeCommand */.KD0({
        SnapshotId: snapshotId,
        CreateVolumePermission: { Remove: [{ Group: 'all' }] },
    }));
}
/** Who may create volumes from the snapshot: everyone, and which accounts. */
async function snapshotPermissions(ec2, snapshotId) {
    const attribute = await ec2.send(new client_ec2_dist_cjs/* DescribeSnapshotAttributeCommand */.x0J({ SnapshotId: snapshotId, Attribute: 'createVolumePermission' }));
    return audienceOf(attribute.CreateVolumePermissions ?? []);
}

;// CONCATENATED MODULE: ./src/stages/cleanup.ts









const HOUR = 3600_000;
/**
 * The lifecycle sweep across every enabled region: expired nightly AMIs are made private and tagged,
 * then deleted (with their snapshots) after a grace period; orphaned fedimg snapshots and stray
 * boot-test instances are removed. Only resources tagged ManagedBy=fedimg are considered.
 */
async function runCleanup(settings, log, deps = {}) {
    const clients = deps.clients ?? new AwsClients({ concurrency: 4 });
    const now = deps.now?.() ?? Date.now();
    const options = settings.cleanup;
    try {
        const { regions } = await resolveRegions(clients.ec2(settings.baseRegion), ['all'], '', log, 'cleanup');
        const perRegion = await Promise.all(regions.map(async (region) => {
            const actions = [];
            const sweep = {
                region,
                ec2: clients.ec2(region),
                now,
                options,
                expiringKinds: settings.publish.expiringKinds,
                log,
                act: async (action, work) => {
                    const entry = { region, ...action, done: false };
                    if (!options.dryRun) {
                        try {
                            await work();
                            entry.done = true;
                        }
                        catch (error) {
                            log.warning(`${region}: could not ${action.action} ${action.id}: ${describeError(error)}`, 'fedimg cleanup');
                        }
                    }
                    log.info(`${region}: ${options.dryRun ? 'would ' : ''}${action.action} ${action.id} (${action.reason})`);
                    actions.push(entry);
                },
            };
            // Every AMI of the account, fedimg's or not: any of them may use a snapshot.
            const everyImage = await ownAmis(sweep.ec2);
            await expireAmis(sweep, everyImage);
            await removeOrphanSnapshots(sweep, everyImage);
            await terminateStrayInstances(sweep);
            return actions;
        }));
        const actions = perRegion.flat();
        log.info(`Cleanup ${options.dryRun ? '(dry run) would take' : 'took'} ${actions.length} action(s) in ${regions.length} region(s).`);
        return actions;
    }
    finally {
        if (!deps.clients)
            clients.destroy();
    }
}
/** Deprecated nightly AMIs become private and get the expired-at tag; a grace period later, they go. */
async function expireAmis({ region, ec2, now, options, expiringKinds, log, act }, everyImage) {
    // The kind tag is anyone's to write: only a known kind counts, and an AMI without one (made by an
    // older fedimg) is kept unless its compose type alone says it is not a release.
    const expiring = (image) => {
        const tagged = tagValue(image.Tags, TAG.composeKind);
        const type = tagValue(image.Tags, TAG.composeType);
        const kind = COMPOSE_KINDS.find((known) => known === (tagged ?? (type === 'production' ? 'ga' : type)));
        return kind !== undefined && expiringKinds.includes(kind);
    };
    const images = everyImage.filter((image) => tagValue(image.Tags, TAG.managedBy) === MANAGED_BY);
    // Tag values are anyone's to write: a time that is not strictly ISO 8601 decides nothing.
    const timeOf = (image, what, value) => {
        const time = isoTime(value);
        if (value !== undefined && !time) {
            log.warning(`${region}: ${image.ImageId} has ${what} "${value}", which is not an ISO 8601 time; leaving the AMI alone.`, 'fedimg cleanup');
        }
        return time;
    };
    for (const image of images) {
        if (!expiring(image) && !options.includeReleases)
            continue;
        const expiredTag = tagValue(image.Tags, TAG.expiredAt);
        if (expiredTag !== undefined) {
            const expiredAt = timeOf(image, `the tag ${TAG.expiredAt}`, expiredTag);
            if (expiredAt && now - expiredAt.getTime() >= options.deleteAfterDays * 24 * HOUR) {
                await act({ action: 'delete-ami', id: image.ImageId, reason: `private since ${expiredAt.toISOString()}` }, () => deleteAmiWithSnapshots(ec2, image.ImageId));
            }
            continue;
        }
        const deprecatedAt = timeOf(image, 'the deprecation time', image.DeprecationTime);
        if (deprecatedAt && deprecatedAt.getTime() <= now) {
            await act({
                action: 'make-private',
                id: image.ImageId,
                reason: `deprecated since ${deprecatedAt.toISOString()}`,
            }, async () => {
                await revokePublicLaunch(ec2, image.ImageId);
                for (const snapshotId of snapshotIds(image))
                    await revokePublicCreateVolume(ec2, snapshotId);
                await addTags(ec2, [image.ImageId], [{ Key: TAG.expiredAt, Value: new Date(now).toISOString() }]);
            });
        }
    }
}
/** fedimg snapshots that no AMI of the account uses, once old enough that no upload is still on. */
async function removeOrphanSnapshots({ ec2, now, options, act }, everyImage) {
    const used = new Set(everyImage.flatMap((image) => snapshotIds(image)));
    for (const snapshot of await fedimgSnapshots(ec2)) {
        const age = now - (snapshot.StartTime?.getTime() ?? now);
        if (!used.has(snapshot.SnapshotId) &&
            snapshot.State !== 'pending' &&
            age >= options.orphanAfterHours * HOUR) {
            await act({
                action: 'delete-snapshot',
                id: snapshot.SnapshotId,
                reason: `no AMI uses it (${Math.round(age / HOUR)} h old)`,
            }, () => deleteSnapshot(ec2, snapshot.SnapshotId));
        }
    }
}
/** Boot-test instances that outlived their run (a runner that died before its post step). */
async function terminateStrayInstances({ ec2, now, options, act }) {
    for (const instance of await liveBootTestInstances(ec2)) {
        const age = now - (instance.LaunchTime?.getTime() ?? now);
        if (age >= options.instanceMaxHours * HOUR) {
            await act({
                action: 'terminate-instance',
                id: instance.InstanceId,
                reason: `boot-test instance ${Math.round(age / HOUR)} h old`,
            }, () => terminateInstance(ec2, instance.InstanceId));
        }
    }
}
function cleanupTable(actions, dryRun) {
    return {
        title: `fedimg cleanup${dryRun ? ' (dry run: nothing was changed)' : ''}`,
        header: ['Region', 'Action', 'Resource', 'Reason', 'Done'],
        rows: actions.map((action) => [
            action.region,
            action.action,
            action.id,
            action.reason,
            action.done ? 'yes' : 'no',
        ]),
        note: actions.length === 0 ? 'Nothing to clean up.' : undefined,
    };
}
const cleanupStage = defineStage({
    name: 'cleanup',
    about: "the lifecycle sweep: expired nightlies, orphans, leftover instances (fedimg's own only)",
    compose: 'ignored',
    reads: ['baseRegion', 'cleanup', 'publish', 'eventsFile', 'notify'],
    inRun: false,
    run: runCleanup,
    table: (actions, settings) => cleanupTable(actions, settings.cleanup.dryRun),
    outputs: (actions) => ({ cleanup: JSON.stringify(actions) }),
});

;// CONCATENATED MODULE: ./src/aws/copy.ts







/** At most `limit` copies at once into one region (AWS allows 20 concurrent copies per destination). */
class Semaphore {
    limit;
    active = 0;
    waiting = [];
    constructor(limit) {
        this.limit = limit;
    }
    async run(work) {
        if (this.active >= this.limit)
            await new Promise((resolve) => this.waiting.push(resolve));
        this.active++;
        try {
            return await work();
        }
        finally {
            this.active--;
            this.waiting.shift()?.();
        }
    }
}
async function existingCopy(ec2, source) {
    const { Images } = await ec2.send(new client_ec2_dist_cjs/* DescribeImagesCommand */.ji5({
        Owners: ['self'],
        Filters: [
            { Name: 'name', Values: [source.name] },
            { Name: `tag:${TAG.sourceSha256}`, Values: [source.image.sha256] },
        ],
    }));
    return Images?.find((image) => tagValue(image.Tags, TAG.managedBy) === MANAGED_BY);
}
/**
 * One AMI into one region: an existing copy (found by name and tags; CopyImage itself does not
 * enforce unique names) is reused, a failed one replaced; otherwise CopyImage with a ClientToken, the
 * source's tags, and the tags also on the new snapshots. Waits for several available reads in a row.
 */
async function copyToRegion(source, region, ec2, sourceRegion, settings, log, signal) {
    const label = `${source.name} → ${region}`;
    let existing = await existingCopy(ec2, source);
    if (existing?.State === 'failed' || existing?.State === 'error') {
        log.info(`${label}: replacing failed copy ${existing.ImageId}.`);
        await ec2.send(new client_ec2_dist_cjs/* DeregisterImageCommand */.x2c({ ImageId: existing.ImageId, DeleteAssociatedSnapshots: true }));
        existing = undefined;
    }
    let imageId = existing?.ImageId;
    const reused = Boolean(imageId);
    if (!imageId) {
        const token = (0,external_node_crypto_.createHash)('sha256')
            .update(`${source.imageId}:${region}:${source.encrypted}`)
            .digest('hex')
            .slice(0, 64);
        const copyTags = source.tags
            .filter((tag) => Boolean(tag.Key) && !tag.Key.startsWith('aws:'))
            .map((tag) => ({ Key: tag.Key, Value: tag.Value ?? '' }))
            .concat([{ Key: TAG.sourceAmi, Value: `${sourceRegion}/${source.imageId}` }]);
        // ResourceLimitExceeded: 20 copies are already running into this region (other runs too); the
        // slot frees up as they finish, so it is retried, like a transient error, until the timeout.
        const copied = await withRetry(() => ec2.send(new client_ec2_dist_cjs/* CopyImageCommand */.SDF({
            SourceRegion: sourceRegion,
            SourceImageId: source.imageId,
            Name: source.name,
            Description: `${source.image.file} (${source.image.compose_id || 'direct image'}), ${source.flavour}, copied from ${sourceRegion}`,
            ClientToken: token,
            // Tagged as it is created (ManagedBy=fedimg included): the IAM policy lets fedimg
            // create only what carries its tag, and a copy must never exist untagged.
            TagSpecifications: [
                { ResourceType: 'image', Tags: copyTags },
                { ResourceType: 'snapshot', Tags: copyTags },
            ],
            Encrypted: source.encrypted || undefined,
            KmsKeyId: source.encrypted ? settings.kmsKeyId : undefined,
        }), { abortSignal: signal }), settings.retry, {
            retryable: (error) => isLimitExceeded(error) || isTransient(error),
            deadline: Date.now() + settings.timeoutMs,
            signal,
        });
        imageId = copied.ImageId;
        log.info(`${label}: copying ${source.imageId} as ${imageId}.`);
    }
    const state = await waitForImage(ec2, imageId, {
        timeoutMs: settings.timeoutMs,
        intervalMs: settings.pollIntervalMs,
        consecutive: settings.consecutive,
        signal,
    });
    if (state.state !== 'available') {
        // A failed copy is never of use: remove it (with its snapshots) rather than leave it behind.
        const removed = await ec2
            .send(new client_ec2_dist_cjs/* DeregisterImageCommand */.x2c({ ImageId: imageId, DeleteAssociatedSnapshots: true }))
            .then(() => true, (error) => {
            log.warning(`${label}: could not remove the failed copy ${imageId}: ${describeError(error)}`, 'fedimg copy');
            return false;
        });
        throw new CopyError(`The copy ${imageId} of ${source.imageId} into ${region} became ${state.state}${state.reason ? `: ${state.reason}` : ''}.`, {
            hint: removed
                ? 'The failed copy was removed; re-run the copy job.'
                : 'The failed copy could not be removed (see the warning above); re-run the copy job, which replaces it.',
        });
    }
    log.info(`${label}: ${imageId} available${reused ? ' (existing copy)' : ''}.`);
    return { source, region, imageId, reused };
}
function copyFailure(source, region, error) {
    if (error instanceof CopyError)
        return error;
    return new CopyError(`Copying ${source.imageId} (${source.name}) into ${region} failed: ${describeError(error)}.`, {
        hint: hintForAwsError(error) ?? 'Re-run the copy job; existing copies are reused.',
        cause: error,
    });
}

;// CONCATENATED MODULE: ./src/stages/copy.ts







/** The AMIs of every image and flavour in the base region; only boot-tested images go further. */
async function copySources(settings, clients, images) {
    const region = settings.baseRegion;
    const ec2 = clients.ec2(region);
    const sources = [];
    for (const image of images) {
        const amis = await fedimgAmisOf(ec2, image);
        const verdict = imageVerdict(amis);
        if (verdict !== 'passed') {
            throw new CopyError(`${image.file} has no AMI that passed its boot test in ${region}${verdict === 'failed' ? ' (one failed)' : ''}; nothing of it is copied.`, {
                hint: 'Run (or fix and re-run) the boot-test stage first.',
            });
        }
        for (const [index, flavour] of settings.flavours.entries()) {
            const name = amiName(settings.nameTemplate, { image, flavour, isDefaultFlavour: index === 0, region });
            const ami = amis.find((candidate) => candidate.Name === name);
            if (!ami?.ImageId || ami.State !== 'available') {
                throw new CopyError(`AMI ${name} is not available in ${region}.`, {
                    hint: 'Run the import stage for this compose first.',
                });
            }
            sources.push({
                image,
                flavour: flavour.name,
                imageId: ami.ImageId,
                name,
                encrypted: Boolean(flavour.kmsKeyId),
                tags: ami.Tags ?? [],
            });
        }
    }
    return sources;
}
/**
 * Copies every AMI of the compose into every destination region, all regions in parallel, at most 20
 * copies at once per region. A failure in a best-effort region is a warning; anywhere else it fails
 * the stage once every other copy has finished.
 */
async function runCopy(settings, log, deps = {}) {
    const shape = {
        name: 'copy',
        skipped: (plan) => ({
            composeId: plan.composeId,
            skipped: true,
            reason: plan.reason,
            regions: [],
            notEnabled: [],
            copies: [],
            failures: [],
        }),
    };
    return openStage(settings, log, deps, shape, async ({ plan, clients, events, report }) => {
        const base = settings.baseRegion;
        const choice = await resolveRegions(clients.ec2(base), settings.copy.regions, base, log, 'copy');
        const sources = await copySources(settings, clients, plan.images);
        const failures = [];
        const copies = [];
        await log.group(`Copy ${sources.length} AMI(s) from ${base} to ${choice.regions.length} region(s)`, () => Promise.all(choice.regions.map((region) => copyIntoRegion(region, sources, {
            settings,
            log,
            clients,
            events,
            signal: deps.signal,
            copies,
            failures,
        }))));
        const result = await report({
            composeId: plan.composeId,
            skipped: false,
            reason: undefined,
            regions: choice.regions,
            notEnabled: choice.notEnabled,
            copies,
            failures,
        });
        const required = failures.filter((failure) => !failure.bestEffort);
        if (required.length > 0) {
            throw new CopyError(`${required.length} copy(ies) failed in required region(s) ${[...new Set(required.map((failure) => failure.region))].join(', ')}:\n${required.map((failure) => failure.error).join('\n')}`, {
                hint: 'Re-run the failed copy jobs; finished copies are reused. Regions that may fail go in best-effort-regions.',
            });
        }
        return result;
    });
}
/** Every source AMI into one region, at most 20 copies at once; a failure is recorded, not thrown. */
async function copyIntoRegion(region, sources, run) {
    const { settings, log, events } = run;
    const limit = new Semaphore(20);
    const ec2 = run.clients.ec2(region);
    await Promise.all(sources.map((source) => limit.run(async () => {
        const about = { source_image_id: source.imageId, flavour: source.flavour };
        events.emit('image.copy', 'started', source.image, region, about);
        try {
            const outcome = await copyToRegion(source, region, ec2, settings.baseRegion, settings.copy, log, run.signal);
            run.copies.push(outcome);
            events.emit('image.copy', 'completed', source.image, region, { id: outcome.imageId, ...about });
        }
        catch (error) {
            const failure = copyFailure(source, region, error);
            const bestEffort = settings.copy.bestEffortRegions.includes(region);
            run.failures.push({ region, source, error: failure.message, bestEffort });
            events.emit('image.copy', 'failed', source.image, region, {
                ...about,
                error: describeError(error),
            });
            if (bestEffort)
                log.warning(`${failure.message} (best-effort region: the run goes on)`, 'fedimg copy');
            else
                log.error(failure.message, 'fedimg copy');
        }
    })));
}
function copyTable(result, baseRegion) {
    const notes = [];
    if (result.skipped)
        notes.push(`Nothing to do: ${result.reason}.`);
    if (result.notEnabled.length > 0)
        notes.push(`Not enabled for the account, skipped: ${result.notEnabled.join(', ')}.`);
    for (const failure of result.failures)
        notes.push(`${failure.bestEffort ? 'Best-effort region, ignored' : 'FAILED'}: ${failure.error}`);
    return {
        title: `fedimg copy — ${result.composeId || 'direct image'} from ${baseRegion}`,
        header: ['Region', 'Image', 'Flavour', 'AMI', 'Source AMI', 'Status'],
        rows: [...result.copies]
            .sort((a, b) => a.region.localeCompare(b.region) || a.source.name.localeCompare(b.source.name))
            .map((copy) => [
            copy.region,
            copy.source.image.file,
            copy.source.flavour,
            copy.imageId,
            copy.source.imageId,
            copy.reused ? 'existing' : 'copied',
        ]),
        note: notes.length > 0 ? notes.join('\n') : undefined,
    };
}
/** region → image name → flavour → AMI, the `copies` output. */
function copiesOutput(result) {
    const out = {};
    for (const copy of result.copies) {
        ((out[copy.region] ??= {})[copy.source.image.name] ??= {})[copy.source.flavour] = copy.imageId;
    }
    return out;
}
const copyStage = defineStage({
    name: 'copy',
    about: 'copy the boot-tested AMIs to every enabled region in parallel',
    compose: 'required',
    reads: [...COMPOSE_STAGE_READS, 'copy'],
    inRun: true,
    run: runCopy,
    table: (result, settings) => copyTable(result, settings.baseRegion),
    outputsBefore: eventsFileOutput,
    outputs: (result) => ({ copies: JSON.stringify(copiesOutput(result)), skipped: String(result.skipped) }),
});

;// CONCATENATED MODULE: ./src/aws/network.ts

const tagsOf = (tags) => Object.fromEntries((tags ?? []).flatMap((tag) => (tag.Key ? [[tag.Key, tag.Value ?? '']] : [])));
async function launchNetwork(ec2, region, subnetId, groupIds) {
    let vpcId;
    let subnet;
    if (subnetId) {
        const { Subnets = [] } = await ec2.send(new client_ec2_dist_cjs/* DescribeSubnetsCommand */.jSW({ Filters: [{ Name: 'subnet-id', Values: [subnetId] }] }));
        if (!Subnets[0])
            return { subnet: undefined, groups: [], problem: `subnet-id ${subnetId} does not exist in ${region}.` };
        vpcId = Subnets[0].VpcId;
        subnet = { id: subnetId, tags: tagsOf(Subnets[0].Tags) };
    }
    else {
        const { Vpcs = [] } = await ec2.send(new client_ec2_dist_cjs/* DescribeVpcsCommand */.Dti({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
        vpcId = Vpcs[0]?.VpcId;
        if (!vpcId)
            return {
                subnet: undefined,
                groups: [],
                problem: `${region} has no default VPC: set subnet-id and security-group-ids to where boot tests may launch.`,
            };
    }
    const { SecurityGroups = [] } = await ec2.send(new client_ec2_dist_cjs/* DescribeSecurityGroupsCommand */.jsQ({
        Filters: groupIds.length > 0
            ? [{ Name: 'group-id', Values: groupIds }]
            : [
                { Name: 'vpc-id', Values: [vpcId] },
                { Name: 'group-name', Values: ['default'] },
            ],
    }));
    const missing = groupIds.filter((id) => !SecurityGroups.some((group) => group.GroupId === id));
    if (missing.length > 0)
        return {
            subnet,
            groups: [],
            problem: `security-group-ids ${missing.join(', ')} do not exist in ${region}.`,
        };
    return {
        subnet,
        groups: SecurityGroups.map((group) => ({ id: group.GroupId, tags: tagsOf(group.Tags) })),
        problem: undefined,
    };
}

;// CONCATENATED MODULE: ./src/doctor/statements.ts
/**
 * The documented policies' statements by Sid, which doctor names when a permission is missing. A
 * unit test holds this table to docs/iam-policy*.json: every Sid here exists there, and every Allow
 * statement there (doctor's own reads aside) is checked by doctor.
 */
const POLICY_FILE = {
    default: 'docs/iam-policy.json',
    importSnapshot: 'docs/iam-policy-import-snapshot.json',
    encrypted: 'docs/iam-policy-encrypted.json',
};
const statement = (file, sid) => ({
    file: POLICY_FILE[file],
    sid,
});
const STATEMENT = {
    read: statement('default', 'ReadTheAccount'),
    startSnapshot: statement('default', 'StartSnapshotsOnlyTaggedFedimgWithoutParent'),
    writeSnapshot: statement('default', 'WriteOnlyFedimgSnapshots'),
    registerAndCopy: statement('default', 'RegisterAndCopyImagesTaggedFedimg'),
    registerFromFedimgSnapshots: statement('default', 'RegisterImagesFromFedimgSnapshotsOnly'),
    bootImages: statement('default', 'BootTestOnlyFedimgImages'),
    bootInstances: statement('default', 'BootTestInstancesOfTheConfiguredTypesTaggedFedimg'),
    bootNetwork: statement('default', 'BootTestInTheNetworkTaggedForIt'),
    bootInterface: statement('default', 'BootTestInterfaceAndRootVolume'),
    tagOnCreate: statement('default', 'TagOnCreateOnlyAsFedimg'),
    changeFedimg: statement('default', 'ChangeAndRemoveOnlyFedimgResources'),
    tagFedimg: statement('default', 'TagOnlyFedimgResourcesWithFedimgKeys'),
    marketplaceStart: statement('default', 'MarketplaceNewAndRestrictedVersionsOfTheProductsOnly'),
    marketplaceRead: statement('default', 'MarketplaceReadTheProductsAndTheirChangeSets'),
    marketplaceList: statement('default', 'MarketplaceListChangeSetsHasNoResourceLevel'),
    marketplacePassRole: statement('default', 'MarketplacePassOnlyTheAccessRoleToMarketplace'),
    importRead: statement('importSnapshot', 'ReadImportTasks'),
    importStart: statement('importSnapshot', 'ImportOnlyIntoTasksAndSnapshotsTaggedFedimg'),
    importTag: statement('importSnapshot', 'TagImportTasksOnlyOnCreate'),
    importCancel: statement('importSnapshot', 'CancelOnlyFedimgImportTasks'),
    importAdopt: statement('importSnapshot', 'AdoptTheSnapshotAnImportCreated'),
    importStage: statement('importSnapshot', 'StageRawDisksInTheConfiguredBucketOnly'),
    encryptedCopy: statement('encrypted', 'EncryptedFlavoursCopyTheSnapshotIntoAnEncryptedCopyTaggedFedimg'),
    encryptedTag: statement('encrypted', 'EncryptedFlavoursTagTheCopyOnCreate'),
    encryptedKey: statement('encrypted', 'EncryptedFlavoursWithTheConfiguredKeyThroughEc2Only'),
};
/** Doctor's own reads: it uses them directly, and says so when one is missing. */
const DOCTOR_STATEMENTS = (/* unused pure expression or super */ null && (['DoctorReadsTheRoles', 'DoctorReadsTheNetworkAndSnapshotSharing']));
/** The reads doctor makes itself, by the documented statement that grants each. */
const READS = {
    'ec2:DescribeRegions': STATEMENT.read,
    'ec2:DescribeImages': STATEMENT.read,
    'ec2:GetImageBlockPublicAccessState': STATEMENT.read,
    'ec2:GetEbsEncryptionByDefault': STATEMENT.read,
    'ec2:DescribeVpcs': statement('default', 'DoctorReadsTheNetworkAndSnapshotSharing'),
    'ec2:DescribeSubnets': statement('default', 'DoctorReadsTheNetworkAndSnapshotSharing'),
    'ec2:DescribeSecurityGroups': statement('default', 'DoctorReadsTheNetworkAndSnapshotSharing'),
    'ec2:GetSnapshotBlockPublicAccessState': statement('default', 'DoctorReadsTheNetworkAndSnapshotSharing'),
    'iam:GetRole': statement('default', 'DoctorReadsTheRoles'),
    'iam:ListAttachedRolePolicies': statement('default', 'DoctorReadsTheRoles'),
    'iam:SimulatePrincipalPolicy': statement('default', 'DoctorReadsTheRoles'),
};
/** The documented statement that grants one of doctor's own reads. */
const statementForRead = (action) => READS[action];
const describeStatement = (documented) => `the ${documented.sid} statement of ${documented.file}`;

;// CONCATENATED MODULE: ./src/doctor/rows.ts



const pass = (check, region, note = '') => ({
    check,
    region,
    result: 'pass',
    change: note,
});
const fail = (check, region, change) => ({
    check,
    region,
    result: 'fail',
    change,
});
/** The row for a read doctor could not make: the permission it needs when AWS refused it. */
function couldNotCheck(check, region, error) {
    const call = awsCallOf(error)?.call;
    const granting = call ? statementForRead(call) : undefined;
    return {
        check,
        region,
        result: 'unknown',
        change: isUnauthorized(error) && call
            ? `Not checked: doctor needs ${call}${granting ? `, which ${describeStatement(granting)} grants` : ''}.`
            : `Not checked: ${describeError(error)}.`,
    };
}
/** Runs a check's reads; a refusal or failure of the reads themselves becomes an `unknown` row. */
async function checked(check, region, run) {
    try {
        return [await run()].flat();
    }
    catch (error) {
        return [couldNotCheck(check, region, error)];
    }
}

;// CONCATENATED MODULE: ./src/doctor/account.ts






const OIDC = 'token.actions.githubusercontent.com';
/** Values a trust statement's conditions give a key, whatever the operator. */
function conditionValues(statement, key) {
    return Object.values(statement.Condition ?? {}).flatMap((keys) => Object.entries(keys).flatMap(([name, values]) => name.toLowerCase() === key.toLowerCase() ? values : []));
}
const principals = (statement, kind) => statement.Principal === '*' ? ['*'] : (statement.Principal?.[kind] ?? []);
/** Whether the role's trust lets only this repository's workflows assume it through GitHub's OIDC. */
function oidcTrustRow(trust, repository) {
    const check = "the role trusts only this repository's workflows (GitHub OIDC)";
    const fix = 'Use docs/oidc-trust-policy.json (or -caller.json when another repository calls the workflow).';
    const oidc = trust.filter((statement) => statement.Effect === 'Allow' &&
        principals(statement, 'Federated').some((principal) => principal.endsWith(`oidc-provider/${OIDC}`)) &&
        (statement.Action ?? []).includes('sts:AssumeRoleWithWebIdentity'));
    if (oidc.length === 0)
        return fail(check, 'global', `No statement lets GitHub's OIDC provider (${OIDC}) assume the role. ${fix}`);
    if (!repository)
        return {
            check,
            region: 'global',
            result: 'unknown',
            change: 'Not checked: no repository known; give doctor-repository <owner>/<name>.',
        };
    for (const statement of oidc) {
        const audiences = conditionValues(statement, `${OIDC}:aud`);
        const subjects = conditionValues(statement, `${OIDC}:sub`);
        const workflows = conditionValues(statement, `${OIDC}:job_workflow_ref`);
        const problems = [
            ...(audiences.length === 0 || audiences.some((value) => value !== 'sts.amazonaws.com')
                ? [`aud must be sts.amazonaws.com`]
                : []),
            ...(subjects.length === 0 || subjects.some((value) => !value.startsWith(`repo:${repository}:`))
                ? [`sub must name repo:${repository}:… (found ${subjects.join(', ') || 'none'})`]
                : []),
            ...(workflows.length === 0 ||
                workflows.some((value) => !/^[\w.-]+\/[\w.-]+\/\.github\/workflows\/[\w.-]+\.ya?ml@/.test(value))
                ? [`job_workflow_ref must name the workflow files (found ${workflows.join(', ') || 'none'})`]
                : []),
        ];
        if (problems.length > 0)
            return fail(check, 'global', `${problems.join('; ')}. ${fix}`);
    }
    return pass(check, 'global', `${repository}: ${oidc.flatMap((statement) => conditionValues(statement, `${OIDC}:job_workflow_ref`)).join(', ')}`);
}
/** Each region's account settings that stop a run from publishing there. */
async function regionRows(settings, clients, region) {
    if (!settings.publish.public)
        return [];
    const ec2 = clients.ec2(region);
    const perRun = settings.selection.architectures.length * settings.flavours.filter((flavour) => !flavour.kmsKeyId).length;
    const quota = settings.publish.publicAmiQuota;
    return [
        ...(await checked('block public access for AMIs is off', region, async () => (await blocksPublicAmis(ec2))
            ? fail('block public access for AMIs is off', region, `Turn it off: aws ec2 disable-image-block-public-access --region ${region} (takes up to 10 minutes).`)
            : pass('block public access for AMIs is off', region))),
        ...(await checked('block public access for snapshots is off', region, async () => (await blocksPublicSnapshots(ec2))
            ? fail('block public access for snapshots is off', region, `Turn it off: aws ec2 disable-snapshot-block-public-access --region ${region}.`)
            : pass('block public access for snapshots is off', region))),
        ...(await checked('EBS encryption by default is off', region, async () => (await encryptsByDefault(ec2))
            ? fail('EBS encryption by default is off', region, `Encrypted snapshots can never be public: aws ec2 disable-ebs-encryption-by-default --region ${region}.`)
            : pass('EBS encryption by default is off', region))),
        ...(await checked('the public-AMI quota holds a run', region, async () => {
            const now = await publicAmiCount(ec2);
            const check = 'the public-AMI quota holds a run';
            return now + perRun > quota
                ? fail(check, region, `${now} public AMIs now + ${perRun} per run > public-ami-quota ${quota}: request more "Public AMIs" in Service Quotas (Amazon EC2) for ${region}, then raise public-ami-quota.`)
                : pass(check, region, `${now} now + ${perRun} per run ≤ ${quota}`);
        })),
    ];
}
/** Where a boot test would launch in the base region, and whether the account tagged it for fedimg. */
async function networkRows(settings, clients) {
    const region = settings.baseRegion;
    const check = 'the boot test has a network tagged for it';
    let network;
    const rows = await checked(check, region, async () => {
        network = await launchNetwork(clients.ec2(region), region, settings.bootTest.subnetId, settings.bootTest.securityGroupIds);
        if (network.problem)
            return fail(check, region, network.problem);
        const untagged = [
            ...(network.subnet && settings.bootTest.subnetId ? [network.subnet] : []),
            ...network.groups,
        ].filter((part) => part.tags[TAG.bootTestNetwork] !== 'allowed');
        if (untagged.length > 0)
            return fail(check, region, `The role may launch only where the account tagged it: aws ec2 create-tags --region ${region} --resources ${untagged.map((part) => part.id).join(' ')} --tags Key=${TAG.bootTestNetwork},Value=allowed`);
        return pass(check, region, [
            ...(settings.bootTest.subnetId ? [settings.bootTest.subnetId] : ['default VPC']),
            ...network.groups.map((group) => group.id),
        ].join(', '));
    });
    return { rows, network: network?.problem ? undefined : network };
}
/** Marketplace's access role: it exists, AWS Marketplace may assume it, and it has AWS's managed policy. */
async function accessRoleRows(settings, clients) {
    const arn = settings.marketplace.accessRoleArn;
    const role = arn ? parseRoleArn(arn) : undefined;
    if (!role)
        return [];
    const check = `the access role ${role.name} is ready for AWS Marketplace`;
    return checked(check, 'global', async () => {
        const facts = await describeRole(clients.iam(), role.name);
        const trusting = facts.trust.filter((statement) => statement.Effect === 'Allow' &&
            principals(statement, 'Service').includes('assets.marketplace.amazonaws.com') &&
            (statement.Action ?? []).includes('sts:AssumeRole'));
        // AWS does not document that AWS Marketplace sets these when it assumes the role: a condition
        // on a key the request lacks fails, so such a trust can never be used.
        const unsetKeys = trusting.flatMap((statement) => Object.values(statement.Condition ?? {}).flatMap((keys) => Object.keys(keys).filter((key) => /^aws:Source(Account|Arn)$/i.test(key))));
        const trusted = trusting.length > 0 && unsetKeys.length === 0;
        const attached = await attachedPolicyArns(clients.iam(), role.name);
        const managed = `arn:${role.partition}:iam::aws:policy/AWSMarketplaceAmiIngestion`;
        const problems = [
            ...(trusted
                ? []
                : [
                    unsetKeys.length > 0
                        ? `remove the ${[...new Set(unsetKeys)].join(' and ')} condition from its trust (AWS does not document that AWS Marketplace sets it, and the role could never be assumed)`
                        : 'its trust policy must let assets.marketplace.amazonaws.com sts:AssumeRole it',
                ]),
            ...(attached.includes(managed) ? [] : [`attach AWS's managed policy ${managed}`]),
        ];
        return problems.length > 0
            ? fail(check, 'global', `${problems.join('; ')} (docs/marketplace-access-role.json).`)
            : pass(check, 'global', 'trusted by assets.marketplace.amazonaws.com; AWSMarketplaceAmiIngestion attached');
    });
}

;// CONCATENATED MODULE: ./src/doctor/checks.ts
/**
 * What a permission check is, and the helpers that write them: ARNs in the role's partition and
 * account, the tags fedimg asks for or a resource of fedimg's carries, and the list being built.
 */


// IDs that stand for "fedimg's" and "someone else's" resources in the simulated ARNs.
const OURS = '0fedc0ffee0000001';
const THEIRS = '0a1b2c3d4e5f60718';
/** The tags fedimg asks for when it creates something (ManagedBy and its own keys). */
const requestTags = (extra = []) => ({
    [`aws:RequestTag/${TAG.managedBy}`]: MANAGED_BY,
    'aws:TagKeys': [TAG.managedBy, TAG.composeId, TAG.image, TAG.sourceSha256, TAG.arch, TAG.name, ...extra],
});
const fedimgResource = { [`aws:ResourceTag/${TAG.managedBy}`]: MANAGED_BY };
const checks_tagsOf = (tags) => Object.fromEntries(Object.entries(tags).map(([key, value]) => [`aws:ResourceTag/${key}`, value]));
const probe = (action, resource, context = {}) => ({
    action,
    resource,
    context,
});
/** The checks being written, with ARNs in the role's partition and account. */
class CheckList {
    settings;
    checks = [];
    constructor(settings) {
        this.settings = settings;
    }
    on(stage) {
        return this.settings.stages.has(stage);
    }
    ec2(region, type, id, account = '') {
        return `arn:${this.settings.partition}:ec2:${region}:${account}:${type}/${id}`;
    }
    snapshot(id, region = this.settings.baseRegion) {
        return this.ec2(region, 'snapshot', id);
    }
    image(id, region = this.settings.baseRegion) {
        return this.ec2(region, 'image', id);
    }
    /** An EC2 resource whose ARN carries the account (instances, tasks, network parts). */
    owned(type, id, region = this.settings.baseRegion) {
        return this.ec2(region, type, id, this.settings.account);
    }
    catalog(kind, id) {
        return `arn:${this.settings.partition}:aws-marketplace:us-east-1:${this.settings.account}:AWSMarketplace/${kind}/${id}`;
    }
    role(name) {
        return `arn:${this.settings.partition}:iam::${this.settings.account}:role/${name}`;
    }
    allow(stage, what, statement, probes) {
        this.checks.push({ stage, what, expect: 'allowed', statement, probes });
    }
    deny(stage, what, probes) {
        this.checks.push({ stage, what, expect: 'denied', probes });
    }
    /** Calls without resource-level permissions, which ReadTheAccount grants on *. */
    reads(stage, actions) {
        this.allow(stage, 'read the account', STATEMENT.read, actions.map((action) => probe(action, '*')));
    }
}

;// CONCATENATED MODULE: ./src/doctor/permissions-options.ts
/**
 * The permission checks of the options that bring calls of their own: the S3 + ImportSnapshot
 * route, encrypted flavours (a copy of the snapshot, the KMS key through EC2), and AWS Marketplace.
 */



/** The S3 + ImportSnapshot route: the staged object, the import task, and tagging what it made. */
function importSnapshotChecks(list, bucket) {
    const task = (id) => list.owned('import-snapshot-task', id);
    const object = `arn:${list.settings.partition}:s3:::${bucket}/fedimg-staging/doctor/disk.raw`;
    list.allow('import', `stage the raw disk in s3://${bucket}/fedimg-staging/`, STATEMENT.importStage, [
        probe('s3:PutObject', object),
        probe('s3:GetObject', object),
        probe('s3:AbortMultipartUpload', object),
        probe('s3:DeleteObject', object),
    ]);
    list.allow('import', 'import it through a task tagged ManagedBy=fedimg', STATEMENT.importStart, [
        probe('ec2:ImportSnapshot', task('*'), requestTags()),
        probe('ec2:ImportSnapshot', list.snapshot('*'), requestTags()),
    ]);
    list.allow('import', 'tag the import task as it is created', STATEMENT.importTag, [
        probe('ec2:CreateTags', task('*'), { ...requestTags(), 'ec2:CreateAction': 'ImportSnapshot' }),
    ]);
    list.allow('import', 'follow the import task', STATEMENT.importRead, [
        probe('ec2:DescribeImportSnapshotTasks', '*'),
    ]);
    list.allow('import', "cancel fedimg's import task", STATEMENT.importCancel, [
        probe('ec2:CancelImportTask', task(`import-snap-${OURS}`), fedimgResource),
    ]);
    list.allow('import', 'tag the snapshot the import made (AWS tags only the task)', STATEMENT.importAdopt, [
        probe('ec2:CreateTags', list.snapshot(`snap-${OURS}`), requestTags([TAG.uploadToken])),
    ]);
    list.deny('import', 'refused: claiming an import task that is not fedimg’s', [
        probe('ec2:CreateTags', task(`import-snap-${THEIRS}`), requestTags()),
    ]);
}
/** Encrypted flavours: the snapshot copied into an encrypted copy, with the key used through EC2. */
function encryptedChecks(list) {
    list.allow('import', 'copy the snapshot into an encrypted copy tagged ManagedBy=fedimg', STATEMENT.encryptedCopy, [
        probe('ec2:CopySnapshot', list.snapshot('*'), requestTags()),
        probe('ec2:CopySnapshot', list.snapshot(`snap-${OURS}`), requestTags()),
    ]);
    list.allow('import', 'tag the encrypted copy as it is made', STATEMENT.encryptedTag, [
        probe('ec2:CreateTags', list.snapshot('*'), { ...requestTags(), 'ec2:CreateAction': 'CopySnapshot' }),
    ]);
    const key = list.settings.kmsKeyArn;
    if (!key)
        return;
    const via = { 'kms:ViaService': `ec2.${list.settings.baseRegion}.amazonaws.com` };
    list.allow('import', `use the key ${key} through EC2`, STATEMENT.encryptedKey, [
        'kms:CreateGrant',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:GenerateDataKeyWithoutPlaintext',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
    ].map((action) => probe(action, key, via)));
}
/** AWS Marketplace: new (and restricted) versions of the products, the access role passed to it. */
function marketplaceChecks(list) {
    const market = list.settings.marketplace;
    if (!list.on('marketplace') || market.products.length === 0)
        return;
    const changeTypes = ['AddDeliveryOptions', ...(market.restrictPrevious ? ['RestrictDeliveryOptions'] : [])];
    const intent = market.validateOnly ? 'VALIDATE' : 'APPLY';
    const toMarketplace = { 'iam:PassedToService': 'assets.marketplace.amazonaws.com' };
    list.allow('marketplace', `add versions to ${market.products.join(', ')} (${changeTypes.join(', ')})`, STATEMENT.marketplaceStart, market.products.flatMap((product) => changeTypes.map((type) => probe('aws-marketplace:StartChangeSet', list.catalog('AmiProduct', product), {
        'catalog:ChangeType': type,
        'aws-marketplace:Intent': intent,
    }))));
    if (market.accessRoleArn)
        list.allow('marketplace', `pass the access role ${market.accessRoleArn} to AWS Marketplace`, STATEMENT.marketplacePassRole, [probe('iam:PassRole', market.accessRoleArn, toMarketplace)]);
    list.allow('marketplace', 'read the products and their change sets', STATEMENT.marketplaceRead, [
        ...market.products.map((product) => probe('aws-marketplace:DescribeEntity', list.catalog('AmiProduct', product))),
        probe('aws-marketplace:DescribeChangeSet', list.catalog('ChangeSet', 'doctor')),
    ]);
    list.allow('marketplace', 'list the change sets', STATEMENT.marketplaceList, [
        probe('aws-marketplace:ListChangeSets', '*'),
    ]);
    list.deny('marketplace', 'refused: passing another role to AWS Marketplace', [
        probe('iam:PassRole', list.role('admin'), toMarketplace),
    ]);
    list.deny('marketplace', 'refused: other kinds of change (UpdateInformation)', [
        probe('aws-marketplace:StartChangeSet', list.catalog('AmiProduct', market.products[0]), {
            'catalog:ChangeType': 'UpdateInformation',
            'aws-marketplace:Intent': intent,
        }),
    ]);
}

;// CONCATENATED MODULE: ./src/doctor/permissions.ts
/**
 * The permission checks: every AWS call the configured stages make, as IAM's policy simulator should
 * answer it for the role — each call's action on each resource it touches, with the condition keys
 * the real call carries (AWS's Service Authorization Reference says which: the tags a creation asks
 * for, the resource's own tags, ec2:CreateAction, iam:PassedToService, catalog:ChangeType, ...) —
 * and the routes AWS's conditions close (a foreign AMI, an untagged snapshot, a foreign parent),
 * which must be refused. The simulator fetches no tags, so each check states the ones AWS would see.
 */




function permissionChecks(settings) {
    const list = new CheckList(settings);
    if (list.on('plan') || list.on('copy') || list.on('index'))
        list.reads(list.on('copy') ? 'copy' : list.on('plan') ? 'plan' : 'index', ['ec2:DescribeRegions']);
    if (list.on('import')) {
        list.reads('import', ['ec2:DescribeImages', 'ec2:DescribeSnapshots']);
        list.allow('import', 'start a snapshot tagged ManagedBy=fedimg (EBS direct)', STATEMENT.startSnapshot, [
            probe('ebs:StartSnapshot', list.snapshot('*'), {
                ...requestTags([TAG.uploadToken]),
                'ebs:VolumeSize': '5',
            }),
        ]);
        list.allow('import', 'tag the snapshot as it is started', STATEMENT.tagOnCreate, [
            probe('ec2:CreateTags', list.snapshot('*'), {
                ...requestTags([TAG.uploadToken]),
                'ec2:CreateAction': 'StartSnapshot',
            }),
        ]);
        list.allow('import', "write blocks into fedimg's snapshot and complete it", STATEMENT.writeSnapshot, [
            probe('ebs:PutSnapshotBlock', list.snapshot(`snap-${OURS}`), fedimgResource),
            probe('ebs:CompleteSnapshot', list.snapshot(`snap-${OURS}`), fedimgResource),
        ]);
        list.allow('import', 'register AMIs tagged ManagedBy=fedimg', STATEMENT.registerAndCopy, [
            probe('ec2:RegisterImage', list.image('*'), requestTags([TAG.flavour])),
        ]);
        list.allow('import', "register them from fedimg's snapshot", STATEMENT.registerFromFedimgSnapshots, [
            probe('ec2:RegisterImage', list.snapshot(`snap-${OURS}`), fedimgResource),
        ]);
        list.allow('import', 'tag the AMIs as they are registered', STATEMENT.tagOnCreate, [
            probe('ec2:CreateTags', list.image('*'), {
                ...requestTags([TAG.flavour]),
                'ec2:CreateAction': 'RegisterImage',
            }),
        ]);
        list.deny('import', 'refused: a snapshot whose parent is not fedimg’s (its blocks)', [
            probe('ebs:StartSnapshot', list.snapshot('*'), {
                ...requestTags(),
                'ebs:ParentSnapshot': list.snapshot(`snap-${THEIRS}`),
            }),
        ]);
        list.deny('import', 'refused: an AMI from a snapshot that is not fedimg’s', [
            probe('ec2:RegisterImage', list.snapshot(`snap-${THEIRS}`)),
        ]);
        list.deny('import', 'refused: writing into a snapshot that is not fedimg’s', [
            probe('ebs:PutSnapshotBlock', list.snapshot(`snap-${THEIRS}`)),
        ]);
        if (list.settings.s3Bucket)
            importSnapshotChecks(list, list.settings.s3Bucket);
        if (list.settings.encrypted)
            encryptedChecks(list);
    }
    if (list.on('boot-test')) {
        list.reads('boot-test', ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus']);
        list.allow('boot-test', "boot fedimg's AMIs", STATEMENT.bootImages, [
            probe('ec2:RunInstances', list.image(`ami-${OURS}`), fedimgResource),
        ]);
        list.allow('boot-test', `as instances tagged ManagedBy=fedimg of the configured types (${list.settings.instanceTypes.join(', ')}), IMDSv2 required`, STATEMENT.bootInstances, list.settings.instanceTypes.map((type) => probe('ec2:RunInstances', list.owned('instance', '*'), {
            ...requestTags([TAG.bootTest]),
            'ec2:InstanceType': type,
            'ec2:MetadataHttpTokens': 'required',
        })));
        if (list.settings.network)
            list.allow('boot-test', 'in the network tagged for boot tests', STATEMENT.bootNetwork, [
                ...list.settings.network.groups.map((group) => probe('ec2:RunInstances', list.owned('security-group', group.id), checks_tagsOf(group.tags))),
                ...(list.settings.network.subnet
                    ? [
                        probe('ec2:RunInstances', list.owned('subnet', list.settings.network.subnet.id), checks_tagsOf(list.settings.network.subnet.tags)),
                    ]
                    : []),
            ]);
        list.allow('boot-test', 'with its network interface and root volume', STATEMENT.bootInterface, [
            probe('ec2:RunInstances', list.owned('network-interface', '*'), requestTags()),
            probe('ec2:RunInstances', list.owned('volume', '*'), requestTags()),
        ]);
        list.allow('boot-test', 'tag the instance as it starts', STATEMENT.tagOnCreate, [
            probe('ec2:CreateTags', list.owned('instance', '*'), {
                ...requestTags([TAG.bootTest]),
                'ec2:CreateAction': 'RunInstances',
            }),
        ]);
        list.allow('boot-test', "read the instance's console and terminate it", STATEMENT.changeFedimg, [
            probe('ec2:GetConsoleOutput', list.owned('instance', `i-${OURS}`), fedimgResource),
            probe('ec2:TerminateInstances', list.owned('instance', `i-${OURS}`), fedimgResource),
        ]);
        list.allow('boot-test', 'record the verdict on the AMI (fedimg:boot-test)', STATEMENT.tagFedimg, [
            probe('ec2:CreateTags', list.image(`ami-${OURS}`), {
                ...fedimgResource,
                [`aws:RequestTag/${TAG.bootTest}`]: 'passed',
                'aws:TagKeys': [TAG.bootTest],
            }),
        ]);
        list.deny('boot-test', 'refused: booting an AMI that is not fedimg’s', [
            probe('ec2:RunInstances', list.image(`ami-${THEIRS}`)),
        ]);
        list.deny('boot-test', 'refused: an instance type that is not configured (p5.48xlarge)', [
            probe('ec2:RunInstances', list.owned('instance', '*'), {
                ...requestTags(),
                'ec2:InstanceType': 'p5.48xlarge',
                'ec2:MetadataHttpTokens': 'required',
            }),
        ]);
    }
    if (list.on('copy')) {
        const destination = list.settings.destination;
        list.allow('copy', "copy fedimg's AMIs into copies tagged ManagedBy=fedimg", STATEMENT.registerAndCopy, [
            probe('ec2:CopyImage', list.image('*', destination), requestTags([TAG.sourceAmi])),
            // The source AMI is authorized too, with the request's tags (CopyImage carries no aws:ResourceTag).
            probe('ec2:CopyImage', list.image(`ami-${OURS}`), requestTags([TAG.sourceAmi])),
            probe('ec2:CopyImage', list.snapshot('*', destination), requestTags([TAG.sourceAmi])),
        ]);
        list.allow('copy', 'tag the copies as they are made', STATEMENT.tagOnCreate, [
            probe('ec2:CreateTags', list.image('*', destination), {
                ...requestTags(),
                'ec2:CreateAction': 'CopyImage',
            }),
            probe('ec2:CreateTags', list.snapshot('*', destination), {
                ...requestTags(),
                'ec2:CreateAction': 'CopyImage',
            }),
        ]);
    }
    if (list.on('publish') || list.on('verify'))
        list.reads(list.on('publish') ? 'publish' : 'verify', [
            'ec2:DescribeImages',
            'ec2:DescribeImageAttribute',
            'ec2:DescribeSnapshotAttribute',
            'ec2:GetImageBlockPublicAccessState',
            'ec2:GetEbsEncryptionByDefault',
        ]);
    if (list.on('publish')) {
        list.allow('publish', "make fedimg's snapshots and AMIs public and deprecate them", STATEMENT.changeFedimg, [
            probe('ec2:ModifySnapshotAttribute', list.snapshot(`snap-${OURS}`), {
                ...fedimgResource,
                'ec2:Attribute': 'createVolumePermission',
                'ec2:Add/group': ['all'],
            }),
            probe('ec2:ModifyImageAttribute', list.image(`ami-${OURS}`), {
                ...fedimgResource,
                'ec2:Attribute': 'launchPermission',
            }),
            probe('ec2:EnableImageDeprecation', list.image(`ami-${OURS}`), fedimgResource),
        ]);
        list.deny('publish', 'refused: making an AMI that is not fedimg’s public', [
            probe('ec2:ModifyImageAttribute', list.image(`ami-${THEIRS}`), { 'ec2:Attribute': 'launchPermission' }),
        ]);
        list.deny('publish', 'refused: sharing an untagged snapshot', [
            probe('ec2:ModifySnapshotAttribute', list.snapshot(`snap-${THEIRS}`), {
                'ec2:Attribute': 'createVolumePermission',
                'ec2:Add/group': ['all'],
            }),
        ]);
    }
    if (list.on('cleanup')) {
        list.reads('cleanup', ['ec2:DescribeImages', 'ec2:DescribeSnapshots', 'ec2:DescribeInstances']);
        list.allow('cleanup', "expire, delete and terminate what is fedimg's", STATEMENT.changeFedimg, [
            probe('ec2:DeregisterImage', list.image(`ami-${OURS}`), fedimgResource),
            probe('ec2:DeleteSnapshot', list.snapshot(`snap-${OURS}`), fedimgResource),
            probe('ec2:ModifyImageAttribute', list.image(`ami-${OURS}`), {
                ...fedimgResource,
                'ec2:Attribute': 'launchPermission',
            }),
            probe('ec2:TerminateInstances', list.owned('instance', `i-${OURS}`), fedimgResource),
        ]);
        list.allow('cleanup', 'mark an expired AMI (fedimg:expired-at)', STATEMENT.tagFedimg, [
            probe('ec2:CreateTags', list.image(`ami-${OURS}`), {
                ...fedimgResource,
                [`aws:RequestTag/${TAG.expiredAt}`]: '2026-01-01T00:00:00.000Z',
                'aws:TagKeys': [TAG.expiredAt],
            }),
        ]);
        list.deny('cleanup', 'refused: deleting an untagged snapshot', [
            probe('ec2:DeleteSnapshot', list.snapshot(`snap-${THEIRS}`)),
        ]);
        list.deny('cleanup', 'refused: deregistering an AMI that is not fedimg’s', [
            probe('ec2:DeregisterImage', list.image(`ami-${THEIRS}`)),
        ]);
    }
    if (list.on('index'))
        list.reads('index', ['ec2:DescribeImages']);
    marketplaceChecks(list);
    return list.checks;
}

;// CONCATENATED MODULE: ./src/stages/doctor.ts










/**
 * fedimg doctor: read-only, before anything changes. Who fedimg runs as; whether IAM's simulator
 * allows every call the configured stages make (and refuses the routes AWS's conditions close);
 * each region's account settings; where boot tests launch; Marketplace's access role. One table,
 * and a failure when any check failed or could not be made.
 */
async function runDoctor(settings, log, deps = {}) {
    const clients = deps.clients ?? new AwsClients({ concurrency: 4 });
    const base = settings.baseRegion;
    const stages = new Set(settings.doctor.stages);
    try {
        const caller = await callerArn(clients.sts(base));
        const role = settings.doctor.roleArn ? parseRoleArn(settings.doctor.roleArn) : roleOfSession(caller);
        if (!role)
            throw new DoctorError(`fedimg doctor checks a role, and ${caller} is not one (an IAM user, or a root session).`, {
                hint: 'Run it with the role fedimg runs as (the workflow assumes it), or name the role with doctor-role-arn.',
            });
        const rows = [pass('who fedimg runs as', 'global', caller)];
        let roleArn = role.arn;
        rows.push(...(await checked("the role's trust policy", 'global', async () => {
            const facts = await describeRole(clients.iam(), role.name);
            roleArn = facts.arn || roleArn;
            return oidcTrustRow(facts.trust, settings.doctor.repository);
        })));
        const network = stages.has('boot-test') ? await networkRows(settings, clients) : undefined;
        rows.push(...(network?.rows ?? []));
        const destinations = stages.has('publish') || stages.has('copy')
            ? await destinationRegions(settings, clients, log, rows)
            : [];
        if (stages.has('publish'))
            for (const region of [...new Set([base, ...destinations])])
                rows.push(...(await regionRows(settings, clients, region)));
        const probes = {
            partition: role.partition,
            account: role.account,
            baseRegion: base,
            destination: destinations.find((region) => region !== base) ?? base,
            stages,
            s3Bucket: settings.upload.method === 'import-snapshot' ? settings.upload.s3Bucket : undefined,
            kmsKeyArn: keyArn(settings, role),
            encrypted: settings.flavours.some((flavour) => flavour.kmsKeyId),
            instanceTypes: [...new Set(Object.values(settings.bootTest.instanceTypes))],
            network: network?.network && {
                groups: network.network.groups,
                subnet: settings.bootTest.subnetId ? network.network.subnet : undefined,
            },
            marketplace: {
                products: Object.values(settings.marketplace.products),
                accessRoleArn: settings.marketplace.accessRoleArn,
                restrictPrevious: settings.marketplace.restrictPrevious,
                validateOnly: settings.marketplace.validateOnly,
            },
        };
        rows.push(...(await permissionRows(clients, roleArn, base, permissionChecks(probes))));
        if (stages.has('marketplace'))
            rows.push(...(await accessRoleRows(settings, clients)));
        const result = { role: roleArn, stages: [...stages], rows };
        await deps.onResult?.(result);
        const failed = rows.filter((row) => row.result === 'fail').length;
        const unknown = rows.filter((row) => row.result === 'unknown').length;
        if (failed + unknown > 0)
            throw new DoctorError(`${failed} of ${rows.length} check(s) failed${unknown > 0 ? ` and ${unknown} could not be made` : ''} for ${roleArn}: ${rows
                .filter((row) => row.result !== 'pass')
                .map((row) => `${row.check} (${row.region})`)
                .join('; ')}.`, { hint: 'The table says what to change for each; change it, then run doctor again.' });
        log.info(`fedimg doctor: all ${rows.length} checks passed for ${roleArn}.`);
        return result;
    }
    finally {
        if (!deps.clients)
            clients.destroy();
    }
}
/** The destination regions (as copy resolves them), noting a failure to read them. */
async function destinationRegions(settings, clients, log, rows) {
    try {
        return (await resolveRegions(clients.ec2(settings.baseRegion), settings.copy.regions, '', log, 'doctor'))
            .regions;
    }
    catch (error) {
        rows.push(couldNotCheck('the destination regions', settings.baseRegion, error));
        return [];
    }
}
/** The configured KMS key as the ARN IAM policies name (an alias cannot be resolved without KMS). */
function keyArn(settings, role) {
    const key = settings.flavours.find((flavour) => flavour.kmsKeyId)?.kmsKeyId;
    if (!key)
        return undefined;
    if (key.startsWith('arn:'))
        return key;
    if (/^[0-9a-f-]{36}$/.test(key))
        return `arn:${role.partition}:kms:${settings.baseRegion}:${role.account}:key/${key}`;
    return undefined;
}
/** Each permission check through IAM's policy simulator, four at a time. */
async function permissionRows(clients, roleArn, region, checks) {
    const iam = clients.iam();
    // The first answer says whether doctor may simulate at all: without it, one clear error.
    const first = checks[0]?.probes[0];
    if (first) {
        try {
            await simulate(iam, roleArn, first.action, first.resource, first.context);
        }
        catch (error) {
            if (isUnauthorized(error))
                throw new DoctorError(`fedimg doctor may not simulate ${roleArn}'s policies: ${describeError(error)}`, {
                    hint: `Grant iam:SimulatePrincipalPolicy on the role, as ${describeStatement(statementForRead('iam:SimulatePrincipalPolicy'))} does.`,
                    cause: error,
                });
            throw error;
        }
    }
    const rows = [];
    for (let index = 0; index < checks.length; index += 4)
        rows.push(...(await Promise.all(checks.slice(index, index + 4).map((check) => permissionRow(iam, roleArn, region, check)))));
    return rows;
}
async function permissionRow(iam, roleArn, region, check) {
    const label = `${check.stage}: ${check.what}`;
    try {
        const answers = await Promise.all(check.probes.map(async (probe) => ({
            probe,
            ...(await simulate(iam, roleArn, probe.action, probe.resource, probe.context)),
        })));
        const wrong = answers.filter((answer) => (answer.decision === 'allowed') !== (check.expect === 'allowed'));
        if (wrong.length === 0)
            return pass(label, region);
        const calls = wrong.map(({ probe }) => `${probe.action} on ${probe.resource}`).join(', ');
        if (check.expect === 'allowed') {
            const denied = wrong.some((answer) => answer.decision === 'explicitDeny')
                ? 'a Deny in its policies refuses'
                : 'no statement allows';
            return fail(label, region, `The role may not: ${denied} ${calls}. Grant it as ${describeStatement(check.statement)} does.`);
        }
        return fail(label, region, `The role may: ${calls} is allowed, and AWS offers the condition that refuses it. Attach docs/iam-policy.json as documented (its conditions close this route).`);
    }
    catch (error) {
        return couldNotCheck(label, region, error);
    }
}
const RESULT = { pass: 'pass', fail: 'FAIL', unknown: 'not checked' };
/** One row per check: what, where, the result, and what to change. */
function doctorTable(result) {
    const failed = result.rows.filter((row) => row.result !== 'pass').length;
    return {
        title: `fedimg doctor: ${result.role} for ${result.stages.join(', ')}`,
        header: ['Check', 'Region', 'Result', 'What to change'],
        rows: result.rows.map((row) => [row.check, row.region, RESULT[row.result], row.change]),
        note: failed === 0
            ? `All ${result.rows.length} checks passed: the role may make every call these stages make, and nothing else AWS lets a policy refuse.`
            : `${failed} of ${result.rows.length} checks did not pass.`,
    };
}
const doctorStage = defineStage({
    name: 'doctor',
    about: 'read-only: may the role make every call the stages make, and is the account ready?',
    compose: 'ignored',
    reads: [
        'baseRegion',
        'bootTest',
        'copy',
        'doctor',
        'flavours',
        'marketplace',
        'publish',
        'selection',
        'upload',
    ],
    inRun: false,
    run: runDoctor,
    table: (result) => doctorTable(result),
    outputs: (result) => ({
        doctor: JSON.stringify(result.rows),
        'doctor-failed': String(result.rows.filter((row) => row.result !== 'pass').length),
    }),
});

// EXTERNAL MODULE: external "node:events"
var external_node_events_ = __webpack_require__(8474);
// EXTERNAL MODULE: ./node_modules/fzstd/esm/index.mjs
var esm = __webpack_require__(8339);
// EXTERNAL MODULE: ./node_modules/tar/dist/esm/index.min.js
var index_min = __webpack_require__(8697);
;// CONCATENATED MODULE: ./src/image/cache-archive.ts





/** The archive is not what fedimg stores: it is refused whole, and only `target` was written. */
class CacheEntryRefused extends Error {
}
/** zstd is decompressed here (fzstd: Node 20 has no zstd); node-tar's parser reads gzip itself. */
async function* tarBytes(body, compression) {
    if (compression === 'gzip') {
        yield* body;
        return;
    }
    const out = [];
    const decoder = new esm/* Decompress */.YM((chunk) => void out.push(chunk));
    for await (const chunk of body) {
        decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
        yield* out.splice(0);
    }
    decoder.push(new Uint8Array(0), true);
    yield* out.splice(0);
}
/**
 * Reads an @actions/cache archive that must hold exactly one regular file named `entryName` of
 * `size` bytes, and writes that file's bytes to `target` (created new: never through a link or over
 * a file) while hashing them. The names in the archive are only compared, never written to; any
 * other entry (another name, a directory, a link, a device, a second file), a wrong size or a
 * damaged archive refuses the whole entry.
 */
async function extractCachedFile(body, compression, entryName, size, target) {
    const out = (0,external_node_fs_.createWriteStream)(target, { flags: 'wx' });
    const opened = (0,external_node_events_.once)(out, 'open');
    const hash = (0,external_node_crypto_.createHash)('sha256');
    let bytes = 0;
    let files = 0;
    let failure;
    const refuse = (reason) => (failure ??= new CacheEntryRefused(reason));
    const parser = new index_min/* Parser */.iX({
        strict: true,
        onReadEntry: (entry) => {
            files += 1;
            if (files > 1)
                return refuse(`it holds more than one entry (also ${JSON.stringify(entry.path)})`);
            if (entry.type !== 'File')
                return refuse(`its entry is a ${entry.type}, not a file`);
            if (entry.path !== entryName)
                return refuse(`its file is ${JSON.stringify(entry.path)}, not ${JSON.stringify(entryName)}`);
            if (entry.size !== size)
                return refuse(`its file has ${entry.size} bytes, not ${size}`);
            entry.on('data', (chunk) => {
                if (failure)
                    return; // the entry is refused: nothing more is written
                hash.update(chunk);
                bytes += chunk.length;
                out.write(chunk);
            });
        },
    });
    parser.on('error', (error) => refuse(`it is not a readable archive (${error.message})`));
    // A write failing on the disk ends the read; writes still queued when a refusal destroys the
    // stream fail the same way and are expected.
    let writeFailure;
    out.on('error', (error) => void (writeFailure ??= error));
    try {
        await opened;
        for await (const chunk of tarBytes(body, compression)) {
            parser.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
            if (failure)
                throw failure;
            if (writeFailure)
                throw writeFailure;
            if (out.writableNeedDrain)
                await (0,external_node_events_.once)(out, 'drain');
        }
        const ended = (0,external_node_events_.once)(parser, 'end');
        parser.end();
        await ended;
        if (failure)
            throw failure;
        if (files === 0 || bytes !== size)
            throw refuse(`it ends before its file (${bytes} of ${size} bytes)`);
    }
    catch (error) {
        out.destroy();
        if (error === writeFailure)
            throw error;
        throw error instanceof CacheEntryRefused ? error : new CacheEntryRefused(String(error));
    }
    out.end();
    await (0,external_node_events_.once)(out, 'close');
    if (writeFailure)
        throw writeFailure;
    return { sha256: hash.digest('hex'), bytes };
}

;// CONCATENATED MODULE: ./src/image/cache-service.ts



const CACHE_COMPRESSIONS = ['zstd-without-long', 'gzip'];
/**
 * The version an entry is stored under, as @actions/cache computes it (cacheUtils.getCacheVersion
 * on Linux): sha256 of the paths, the compression and its salt "1.0", joined by "|".
 */
function cacheVersion(path, compression) {
    return (0,external_node_crypto_.createHash)('sha256').update([path, compression, '1.0'].join('|')).digest('hex');
}
const downloadUrlAnswer = schemas/* object */.Ikc({
    ok: schemas/* boolean */.zMY().optional(),
    signed_download_url: schemas/* string */.YjP().optional(),
    matched_key: schemas/* string */.YjP().optional(),
});
const SERVICE = 'twirp/github.actions.results.api.v1.CacheService';
/**
 * The runner's cache service (ACTIONS_RESULTS_URL with ACTIONS_RUNTIME_TOKEN, v2 only), or
 * undefined where there is none to read: outside Actions, on the legacy service, or where the
 * job's cache mode (ACTIONS_CACHE_MODE) does not permit reads.
 */
function githubCacheService(env = process.env) {
    const base = env.ACTIONS_RESULTS_URL;
    const token = env.ACTIONS_RUNTIME_TOKEN;
    const mode = (env.ACTIONS_CACHE_MODE ?? '').trim().toLowerCase();
    if (!base || !token || !env.ACTIONS_CACHE_SERVICE_V2)
        return undefined;
    if (mode === 'none' || mode === 'write-only')
        return undefined;
    return {
        async find(key, path, signal) {
            for (const compression of CACHE_COMPRESSIONS) {
                const response = await request(new URL(`${SERVICE}/GetCacheEntryDownloadURL`, base), {
                    method: 'POST',
                    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
                    body: JSON.stringify({ key, version: cacheVersion(path, compression) }),
                    signal,
                });
                const text = (await response.bytes()).toString('utf8');
                if (!response.ok)
                    throw new Error(`the cache service answered HTTP ${response.status}`);
                const answer = downloadUrlAnswer.parse(JSON.parse(text));
                if (!answer.ok || !answer.signed_download_url)
                    continue;
                // Keys match by prefix; only the exact key is fedimg's (a longer one is someone else's).
                if (answer.matched_key !== key)
                    continue;
                const url = new URL(answer.signed_download_url);
                if (url.protocol !== 'https:' && url.hostname !== '127.0.0.1')
                    throw new Error('the cache service gave a download URL that is not https');
                return { key, url, compression };
            }
            return undefined;
        },
        download: (entry, signal) => request(entry.url, { signal }),
    };
}

;// CONCATENATED MODULE: ./src/image/cache.ts





const imageCacheKey = (sha256) => `fedimg-image-${sha256}`;
/** The archive's name for `path`: @actions/cache stores paths relative to the workspace, with /. */
function cacheEntryName(path, workspace = process.env.GITHUB_WORKSPACE ?? process.cwd()) {
    return (0,external_node_path_.relative)(workspace, (0,external_node_path_.resolve)(path)).split(external_node_path_.sep).join('/');
}
/**
 * The GitHub Actions cache, keyed by the image's sha256. An entry is read by fedimg itself
 * (cache-service.ts, cache-archive.ts): only the one file it stores, only into its own directory,
 * and used only when its sha256 is the image's. The path is relative to the workspace because the
 * cache's version hash includes it: every job must name it the same way. Where there is no cache
 * service to read (the CLI, the legacy service, a cache mode without reads), nothing is cached.
 */
function actionsImageCache(dir = '.fedimg-image-cache', given = {}) {
    const pathOf = (image) => (0,external_node_path_.join)(dir, `${image.sha256}.xz`);
    const service = given.service ?? githubCacheService();
    // The cache library is large and only useful inside a GitHub Actions job: loaded only there, so
    // the CLI's memory stays that of the upload.
    const saver = async () => given.saver ?? (await __webpack_require__.e(/* import() */ 691).then(__webpack_require__.bind(__webpack_require__, 1691)));
    return {
        async open(image, log) {
            if (!service) {
                log.debug('No Actions cache service to read here; images are downloaded.');
                return undefined;
            }
            const path = pathOf(image);
            const key = imageCacheKey(image.sha256);
            await (0,promises_.mkdir)(dir, { recursive: true });
            await (0,promises_.rm)(path, { force: true });
            try {
                if (await restore(service, image, key, path, log))
                    return { path, hit: true };
            }
            catch (error) {
                log.warning(`${image.file}: the Actions cache could not be read (${describeError(error)}); downloading it.`, 'fedimg cache');
            }
            await (0,promises_.rm)(path, { force: true });
            return { path, hit: false };
        },
        async save(image, file, log) {
            try {
                if (!file.hit) {
                    await (await saver()).saveCache([file.path], imageCacheKey(image.sha256));
                    log.info(`${image.file}: kept in the Actions cache as ${imageCacheKey(image.sha256)}.`);
                }
            }
            catch (error) {
                log.warning(`${image.file}: could not be kept in the Actions cache (${describeError(error)}).`, 'fedimg cache');
            }
            finally {
                await (0,promises_.rm)(file.path, { force: true });
            }
        },
        async discard(file) {
            await (0,promises_.rm)(file.path, { force: true });
        },
    };
}
/** Reads the entry under `key` into `path`; true when it holds exactly the image, by sha256. */
async function restore(service, image, key, path, log) {
    const entry = await service.find(key, path);
    if (!entry)
        return false;
    const response = await service.download(entry);
    if (!response.ok) {
        response.discard();
        throw new Error(`its archive answered HTTP ${response.status}`);
    }
    try {
        const file = await extractCachedFile(response.body, entry.compression, cacheEntryName(path), image.size, path);
        // A cache entry cannot be replaced, so a bad one must never be trusted.
        if (file.sha256 === image.sha256) {
            log.info(`${image.file}: restored from the Actions cache (${key}); not downloading it.`);
            return true;
        }
        log.warning(`${image.file}: the cached copy does not match its sha256; downloading it instead.`, 'fedimg cache');
    }
    catch (error) {
        if (!(error instanceof CacheEntryRefused))
            throw error;
        response.discard();
        log.warning(`${image.file}: the Actions cache entry ${key} was not written by fedimg (${error.message}); nothing of it was used or unpacked, and the image is downloaded. Delete the entry (gh cache delete ${key}) and find out which workflow wrote it.`, 'fedimg cache');
    }
    return false;
}

;// CONCATENATED MODULE: ./src/aws/register-request.ts

/** The RegisterImage request of one flavour: every attribute the AMI is created with. */
function registerRequest(image, flavour, ami) {
    return {
        Name: ami.name,
        Description: `${image.file} (${image.compose_id || 'direct image'}), ${flavour.name}`,
        Architecture: image.ec2_arch,
        BootMode: ami.bootMode,
        EnaSupport: flavour.ena,
        SriovNetSupport: flavour.sriovNetSupport ? 'simple' : undefined,
        ImdsSupport: flavour.imdsV2 ? 'v2.0' : undefined,
        TpmSupport: flavour.tpm ? 'v2.0' : undefined,
        RootDeviceName: flavour.rootDeviceName,
        VirtualizationType: 'hvm',
        BlockDeviceMappings: [
            {
                DeviceName: flavour.rootDeviceName,
                Ebs: {
                    SnapshotId: ami.snapshotId,
                    VolumeSize: flavour.volumeSize ?? ami.volumeSize,
                    VolumeType: flavour.volumeType,
                    Iops: flavour.iops,
                    DeleteOnTermination: true,
                },
            },
        ],
        TagSpecifications: [
            {
                ResourceType: 'image',
                Tags: imageTags(image, { [TAG.name]: ami.name, [TAG.flavour]: flavour.name }),
            },
        ],
    };
}

;// CONCATENATED MODULE: ./src/aws/read-back.ts


function registrationOf(image) {
    const root = image.BlockDeviceMappings?.find((mapping) => mapping.DeviceName === image.RootDeviceName);
    return {
        architecture: image.Architecture ?? '',
        bootMode: image.BootMode ?? '',
        enaSupport: image.EnaSupport === true,
        sriovNetSupport: image.SriovNetSupport ?? '',
        imdsSupport: image.ImdsSupport ?? '',
        tpmSupport: image.TpmSupport ?? '',
        rootDeviceName: image.RootDeviceName ?? '',
        volumeType: root?.Ebs?.VolumeType ?? '',
        volumeSize: root?.Ebs?.VolumeSize ?? 0,
    };
}
/**
 * Every way the AMI's registration, read back from AWS, differs from what the flavour asked for
 * (the same RegisterImage request import sends). An AWS that drops an attribute shows up here.
 */
function registrationGaps(found, image, flavour) {
    const request = registerRequest(image, flavour, {
        name: found.Name ?? '',
        bootMode: bootModeFor(flavour, image.ec2_arch),
        snapshotId: '',
        volumeSize: 0,
    });
    const expected = {
        architecture: request.Architecture,
        bootMode: request.BootMode,
        enaSupport: request.EnaSupport === true,
        sriovNetSupport: request.SriovNetSupport ?? '',
        imdsSupport: request.ImdsSupport ?? '',
        tpmSupport: request.TpmSupport ?? '',
        rootDeviceName: request.RootDeviceName,
        volumeType: request.BlockDeviceMappings?.[0]?.Ebs?.VolumeType,
        // Without a configured size the volume is the image's size, which only needs to be there.
        ...(flavour.volumeSize ? { volumeSize: flavour.volumeSize } : {}),
    };
    const actual = registrationOf(found);
    const gaps = Object.keys(expected)
        .filter((key) => expected[key] !== actual[key])
        .map((key) => `${key} is ${JSON.stringify(actual[key])}, expected ${JSON.stringify(expected[key])}`);
    if (!flavour.volumeSize && actual.volumeSize < 1)
        gaps.push('the root volume has no size');
    return gaps.map((gap) => `${found.ImageId} (${found.Name}): ${gap}`);
}

;// CONCATENATED MODULE: ./src/aws/register.ts










async function imageByName(ec2, name) {
    const { Images } = await ec2.send(new client_ec2_dist_cjs/* DescribeImagesCommand */.ji5({ Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] }));
    return Images?.[0];
}
/** An AMI fedimg registered from this very image: reuse it. Anything else with the name is a conflict. */
function checkOwnership(existing, image, name, region) {
    if (tagValue(existing.Tags, TAG.managedBy) !== MANAGED_BY ||
        tagValue(existing.Tags, TAG.sourceSha256) !== image.sha256) {
        throw new RegisterError(`The AMI name ${name} is already used in ${region} by ${existing.ImageId}, which fedimg did not register from ${image.file}.`, {
            hint: 'Deregister that AMI if it is stale, or change name-template.',
        });
    }
}
/** Encrypted flavours boot from an encrypted copy of the snapshot, made once per KMS key. */
async function encryptedCopy(ctx, image, snapshotId, kmsKeyId) {
    const { Snapshots } = await ctx.ec2.send(new client_ec2_dist_cjs/* DescribeSnapshotsCommand */.MmI({
        OwnerIds: ['self'],
        Filters: [
            { Name: `tag:${TAG.sourceSnapshot}`, Values: [snapshotId] },
            { Name: `tag:${TAG.kmsKey}`, Values: [kmsKeyId] },
        ],
    }));
    let copyId = Snapshots?.find((snapshot) => snapshot.State !== 'error')?.SnapshotId;
    if (!copyId) {
        const copy = await ctx.ec2.send(new client_ec2_dist_cjs/* CopySnapshotCommand */.DLx({
            SourceRegion: ctx.region,
            SourceSnapshotId: snapshotId,
            Encrypted: true,
            KmsKeyId: kmsKeyId,
            Description: `${image.file} encrypted with ${kmsKeyId} by fedimg`,
            TagSpecifications: [
                {
                    ResourceType: 'snapshot',
                    Tags: imageTags(image, {
                        [TAG.name]: `${image.name} (encrypted)`,
                        [TAG.sourceSnapshot]: snapshotId,
                        [TAG.kmsKey]: kmsKeyId,
                    }),
                },
            ],
        }));
        copyId = copy.SnapshotId;
        ctx.log.info(`${image.arch}: encrypting snapshot ${snapshotId} as ${copyId} with ${kmsKeyId}.`);
    }
    const final = await waitForSnapshot(ctx.ec2, copyId, {
        timeoutMs: 60 * 60_000,
        intervalMs: ctx.pollIntervalMs,
        signal: ctx.signal,
    });
    if (final.state !== 'completed')
        throw new RegisterError(`The encrypted copy ${copyId} of ${snapshotId} in ${ctx.region} ended ${final.state}.`, { hint: 'Check the KMS key policy; re-run the job.' });
    return copyId;
}
/**
 * An AMI of this name from an earlier run is reused only when it was registered as this flavour
 * asks now: otherwise the run would report settings the AMI does not have. AMI names are unique per
 * region, so the way out is to remove the old AMI or give the new settings a name of their own.
 */
function checkRegistration(existing, image, flavour, region) {
    const differences = registrationGaps(existing, image, flavour);
    const encrypted = existing.BlockDeviceMappings?.some((mapping) => mapping.Ebs?.Encrypted) === true;
    if (encrypted !== Boolean(flavour.kmsKeyId))
        differences.push(`${existing.ImageId} (${existing.Name}): it is ${encrypted ? '' : 'not '}encrypted`);
    const tagged = tagValue(existing.Tags, TAG.flavour);
    if (tagged !== undefined && tagged !== flavour.name)
        differences.push(`${existing.ImageId} (${existing.Name}): it is the ${tagged} flavour, not ${flavour.name}`);
    if (differences.length === 0)
        return;
    throw new RegisterError(`${existing.ImageId} (${existing.Name}) in ${region} is registered with other settings than the ${flavour.name} flavour asks for: ${differences.map((difference) => difference.replace(/^\S+ \([^)]*\): /, '')).join('; ')}.`, {
        hint: `An AMI's registration cannot change and its name is taken: deregister it (aws ec2 deregister-image --image-id ${existing.ImageId} --region ${region}; its snapshot is reused) and re-run, or give these settings a flavour of its own name (config-file) so both AMIs exist.`,
    });
}
/**
 * Registers every flavour from the image's one snapshot (the old service re-imported the image per
 * volume type). Existing AMIs from an earlier run are found by name and tags and reused.
 */
async function registerFlavours(image, snapshot, flavours, ctx) {
    const results = [];
    for (const [index, flavour] of flavours.entries()) {
        const name = amiName(ctx.nameTemplate, {
            image,
            flavour,
            isDefaultFlavour: index === 0,
            region: ctx.region,
        });
        const bootMode = bootModeFor(flavour, image.ec2_arch);
        const base = {
            flavour: flavour.name,
            name,
            region: ctx.region,
            volumeType: flavour.volumeType,
            bootMode,
            encrypted: Boolean(flavour.kmsKeyId),
        };
        const existing = await imageByName(ctx.ec2, name);
        if (existing) {
            checkOwnership(existing, image, name, ctx.region);
            checkRegistration(existing, image, flavour, ctx.region);
            ctx.log.info(`${image.arch}/${flavour.name}: ${name} is already registered as ${existing.ImageId}.`);
            results.push({
                ...base,
                imageId: existing.ImageId,
                snapshotId: existing.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId ?? snapshot.id,
                reused: true,
            });
            continue;
        }
        const snapshotId = flavour.kmsKeyId
            ? await encryptedCopy(ctx, image, snapshot.id, flavour.kmsKeyId)
            : snapshot.id;
        let imageId;
        try {
            const registered = await ctx.ec2.send(new client_ec2_dist_cjs/* RegisterImageCommand */.kUQ(registerRequest(image, flavour, { name, bootMode, snapshotId, volumeSize: snapshot.volumeSize })));
            imageId = registered.ImageId;
        }
        catch (error) {
            // A concurrent run for the same compose may have won the race for the name.
            const raced = isDuplicateName(error) ? await imageByName(ctx.ec2, name) : undefined;
            if (!raced) {
                throw new RegisterError(`Registering ${name} (${flavour.name}) from ${snapshotId} in ${ctx.region} failed: ${describeError(error)}.`, {
                    hint: 'The snapshot is kept and reused when the job is re-run.',
                    cause: error,
                });
            }
            checkOwnership(raced, image, name, ctx.region);
            imageId = raced.ImageId;
        }
        const state = await waitForImage(ctx.ec2, imageId, {
            timeoutMs: ctx.imageTimeoutMs,
            intervalMs: ctx.pollIntervalMs,
            signal: ctx.signal,
        });
        if (state.state !== 'available') {
            throw new RegisterError(`AMI ${imageId} (${name}) in ${ctx.region} became ${state.state}${state.reason ? `: ${state.reason}` : ''}.`, {
                hint: 'Deregister it and re-run the job.',
            });
        }
        ctx.log.info(`${image.arch}/${flavour.name}: registered ${name} as ${imageId} (${flavour.volumeType}, ${bootMode}).`);
        results.push({ ...base, imageId, snapshotId, reused: false });
    }
    return results;
}

;// CONCATENATED MODULE: ./src/image/blocks.ts

/** EBS direct APIs take exactly 512 KiB per PutSnapshotBlock. */
const BLOCK_SIZE = 512 * 1024;
const ZERO_BLOCK = Buffer.alloc(BLOCK_SIZE);
/** Most of a cloud image is zeros: their checksum is this constant, never hashed again. */
const ZERO_BLOCK_SHA256 = (0,external_node_crypto_.createHash)('sha256').update(ZERO_BLOCK).digest('base64');
/**
 * Reuses block buffers: with recycling, memory is the blocks in flight, not whatever the garbage
 * collector has not yet freed of every block ever read.
 */
class BlockPool {
    free = [];
    acquire() {
        return this.free.pop() ?? Buffer.allocUnsafe(BLOCK_SIZE);
    }
    release(buffer) {
        // A block whose memory did not come back (its sending thread died) is not reused.
        if (buffer.length === BLOCK_SIZE)
            this.free.push(buffer);
    }
}
function finishBlock(index, data, pool) {
    let released = false;
    // Comparing with zeros runs at memory speed; hashing 512 KiB costs far more.
    const zero = data.equals(ZERO_BLOCK);
    const block = {
        index,
        data,
        ...(zero ? { sha256: ZERO_BLOCK_SHA256 } : {}),
        zero,
        // `data` may have been replaced by the same memory, back from the thread that sent it.
        release: () => {
            if (pool && !released)
                pool.release(block.data);
            released = true;
        },
    };
    return block;
}
/**
 * Fills 512 KiB buffers from chunks of any size: `push` returns the blocks a chunk completed,
 * `finish` the zero-padded last one.
 */
class BlockCutter {
    allocate;
    block;
    filled = 0;
    constructor(allocate = () => Buffer.allocUnsafe(BLOCK_SIZE)) {
        this.allocate = allocate;
        this.block = allocate();
    }
    push(chunk) {
        const full = [];
        let position = 0;
        while (position < chunk.length) {
            const copied = chunk.copy(this.block, this.filled, position, Math.min(chunk.length, position + BLOCK_SIZE - this.filled));
            this.filled += copied;
            position += copied;
            if (this.filled === BLOCK_SIZE) {
                full.push(this.block);
                this.block = this.allocate();
                this.filled = 0;
            }
        }
        return full;
    }
    /** Bytes in the block being filled. */
    filledBytes() {
        return this.filled;
    }
    finish() {
        if (this.filled === 0)
            return undefined;
        this.block.fill(0, this.filled);
        this.filled = 0;
        return this.block;
    }
}
/** Cuts chunks of any size (a decoder's stream output) into block buffers from `allocate`. */
async function* cutIntoBlocks(chunks, allocate) {
    const cutter = new BlockCutter(allocate);
    for await (const chunk of chunks) {
        for (const data of cutter.push(chunk))
            yield { data, bytes: BLOCK_SIZE };
    }
    const filled = cutter.filledBytes();
    const last = cutter.finish();
    if (last)
        yield { data: last, bytes: filled };
}
/**
 * Numbers and checksums filled blocks. It pulls from the source only as fast as the consumer takes
 * blocks, so memory stays at the blocks the source holds plus what the consumer holds.
 */
async function* finishBlocks(filled, stats, pool) {
    for await (const { data, bytes } of filled) {
        stats.rawBytes += bytes;
        yield finishBlock(stats.blocks++, data, pool);
    }
}
/** The allocator of block buffers: the pool's when recycling, fresh ones otherwise. */
function blockAllocator(pool) {
    return pool ? () => pool.acquire() : () => Buffer.allocUnsafe(BLOCK_SIZE);
}

// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
;// CONCATENATED MODULE: ./src/image/private-socket.ts





/**
 * A local stream socket between fedimg and xz (or a feeding thread), made through a listening
 * socket in a private temporary directory (mode 0700: no other user can connect first). `open`
 * makes the other end at `path`; `accepted` is this side's end, paused (nothing is read on it until
 * its reader says so). The directory and the listener are gone once `open` has settled.
 */
async function privateSocket(prefix, open) {
    const dir = (0,external_node_fs_.mkdtempSync)((0,external_node_path_.join)((0,external_node_os_.tmpdir)(), prefix));
    const server = (0,external_node_net_.createServer)({ pauseOnConnect: true });
    try {
        const path = (0,external_node_path_.join)(dir, 'socket');
        server.listen(path);
        await (0,external_node_events_.once)(server, 'listening');
        const accepted = (0,external_node_events_.once)(server, 'connection').then(([socket]) => socket);
        return await open(path, accepted);
    }
    finally {
        server.close();
        (0,external_node_fs_.rmSync)(dir, { recursive: true, force: true });
    }
}

;// CONCATENATED MODULE: ./src/image/block-socket.ts




/**
 * A local stream socket whose reads land straight in 512 KiB block buffers: the decoder writes
 * to one end (it is the child's stdout), fedimg reads the other with `onread`. Read from a pipe
 * through a stream, every read is a fresh 64 KiB buffer, a stream chunk, an async-iterator step
 * and a copy into the block; at 2 GiB that is tens of thousands of each, and measured it cost more
 * CPU than hashing the blocks. Here a read is one syscall into the block being filled.
 */
/** Full blocks waiting for the consumer before reading pauses (and the decoder blocks). */
const QUEUED_BLOCKS = 2;
/** Opens the pair through a private listening socket (private-socket.ts). */
function openBlockSocket(allocate) {
    return privateSocket('fedimg-xz-', async (path, accepted) => {
        const reader = new BlockReader(allocate);
        const readEnd = (0,external_node_net_.connect)({ path, onread: reader.onread });
        reader.attach(readEnd);
        const [writeEnd] = await Promise.all([accepted, (0,external_node_events_.once)(readEnd, 'connect')]);
        return { writeEnd, blocks: reader.blocks() };
    });
}
class BlockReader {
    allocate;
    socket;
    block;
    filled = 0;
    full = [];
    paused = false;
    ended = false;
    failure;
    wake = () => undefined;
    constructor(allocate) {
        this.allocate = allocate;
        this.block = allocate();
    }
    onread = {
        buffer: () => this.block.subarray(this.filled),
        callback: (bytes) => {
            this.filled += bytes;
            if (this.filled < BLOCK_SIZE)
                return true;
            this.full.push(this.block);
            this.block = this.allocate();
            this.filled = 0;
            this.wake();
            if (this.full.length < QUEUED_BLOCKS)
                return true;
            // Returning false stops reading; pause() too, so that resume() starts it again.
            this.paused = true;
            this.socket.pause();
            return false;
        },
    };
    attach(socket) {
        this.socket = socket;
        socket.on('end', () => {
            this.ended = true;
            this.wake();
        });
        socket.on('error', (error) => {
            this.failure = error;
            this.wake();
        });
    }
    async *blocks() {
        try {
            for (;;) {
                const data = this.full.shift();
                if (data) {
                    if (this.paused && this.full.length < QUEUED_BLOCKS) {
                        this.paused = false;
                        this.socket.resume();
                    }
                    yield { data, bytes: BLOCK_SIZE };
                    continue;
                }
                if (this.failure)
                    throw this.failure;
                if (this.ended) {
                    if (this.filled > 0) {
                        this.block.fill(0, this.filled);
                        yield { data: this.block, bytes: this.filled };
                    }
                    return;
                }
                await new Promise((resolve) => (this.wake = resolve));
            }
        }
        finally {
            this.socket.destroy();
        }
    }
}

;// CONCATENATED MODULE: ./src/image/decompress.ts






class DecodeError extends Error {
    failure;
    constructor(failure, message) {
        super(message);
        this.failure = failure;
    }
}
let systemXz;
function hasSystemXz() {
    systemXz ??= (0,external_node_child_process_.spawnSync)('xz', ['--version'], { stdio: 'ignore' }).status === 0;
    return systemXz;
}
/**
 * The system xz is the fastest decoder here (multi-threaded on Fedora's multi-block images); the
 * npm decoder keeps fedimg working where no xz binary is installed.
 */
function pickDecoder(preference) {
    if (preference === 'npm')
        return 'node-liblzma';
    if (hasSystemXz())
        return 'xz';
    if (preference === 'system') {
        throw new InputError('decoder is "system", but no xz binary was found on PATH.', {
            hint: 'Install xz (xz-utils) or set decoder to auto.',
        });
    }
    return 'node-liblzma';
}
/**
 * Starts a decoder whose output lands in block buffers from `allocate`. The system xz can read its
 * input from a socket another thread writes (`input`); otherwise the caller writes `decoder.input`.
 */
async function startDecoder(name, allocate, input) {
    return name === 'xz' ? startSystemXz(allocate, input) : startNpmDecoder(allocate);
}
function classify(message) {
    if (/unexpected end of input|LZMA_BUF_ERROR|buf_error|truncated/i.test(message))
        return 'truncated';
    if (/corrupt|format not recognized|unsupported|LZMA_DATA_ERROR|LZMA_FORMAT_ERROR|data_error|format_error|options_error|check/i.test(message)) {
        return 'corrupt';
    }
    return 'decoder';
}
async function startSystemXz(allocate, input) {
    // Where a local socket cannot be made, xz's stdout is a pipe read as a stream (more CPU per GiB).
    const socket = await openBlockSocket(allocate).catch(() => undefined);
    // -T0: xz ≥ 5.4 decodes multi-block files (as Fedora's are) on every core.
    const child = (0,external_node_child_process_.spawn)('xz', ['-T0', '-dc'], {
        stdio: [input ?? 'pipe', socket?.writeEnd ?? 'pipe', 'pipe'],
    });
    // The child holds its own copies of the sockets now; ours must close so that its exit ends the
    // output stream, and the writer's end of the input is the only one left.
    socket?.writeEnd.destroy();
    input?.destroy();
    const stdin = child.stdin ?? undefined;
    const stderrStream = child.stderr;
    let stderr = '';
    let aborted = false;
    stderrStream.setEncoding('utf8');
    stderrStream.on('data', (text) => {
        if (stderr.length < 4096)
            stderr += text;
    });
    // xz exiting early closes its stdin; the writer learns of it through `finished`.
    stdin?.on('error', () => undefined);
    const finished = new Promise((resolve, reject) => {
        child.on('error', (error) => reject(new DecodeError('decoder', `could not run xz: ${error.message}`)));
        child.on('close', (code, signal) => {
            if (code === 0)
                resolve();
            else if (aborted)
                reject(new DecodeError('decoder', 'xz was stopped'));
            else {
                const message = stderr.trim().replace(/^xz: /gm, '') || `xz exited with ${code ?? signal}`;
                reject(new DecodeError(classify(message), message));
            }
        });
    });
    finished.catch(() => undefined);
    return {
        name: 'xz',
        input: stdin,
        blocks: socket?.blocks ?? cutIntoBlocks(child.stdout, allocate),
        finished,
        abort() {
            aborted = true;
            if (child.exitCode === null)
                child.kill('SIGKILL');
        },
    };
}
function startNpmDecoder(allocate) {
    // Loaded only when needed: it is a native module and the system xz is the common case.
    let lzma;
    try {
        lzma = (0,external_node_module_.createRequire)(import.meta.url)('node-liblzma');
    }
    catch (error) {
        // The bundled action carries no native modules: there it relies on the system xz.
        throw new DecodeError('decoder', `no xz binary on PATH and the npm decoder (node-liblzma) cannot be loaded here: ${error.message}. Install xz (xz-utils), or run fedimg from a checkout after npm ci`);
    }
    // 1 MiB output chunks: ~2.4x the throughput of the default (domain measurements).
    const stream = lzma.createUnxz({ chunkSize: 1 << 20 });
    let aborted = false;
    let rejectTruncated = () => undefined;
    const finished = new Promise((resolve, reject) => {
        rejectTruncated = reject;
        stream.on('error', (error) => {
            const detail = `${error.message} ${error.code ?? ''}`;
            reject(new DecodeError(aborted ? 'decoder' : classify(detail), aborted ? 'decoder was stopped' : error.message));
        });
        stream.on('end', () => resolve());
    });
    finished.catch(() => undefined);
    // liblzma reports a stream cut short as LZMA_BUF_ERROR, which this binding swallows: check that the
    // input ends with an xz stream footer ("YZ" magic, then only 4-byte-aligned zero padding).
    let tail = Buffer.alloc(0);
    const input = new external_node_stream_.Writable({
        highWaterMark: 1 << 20,
        write(chunk, _encoding, done) {
            tail = Buffer.concat([tail, chunk.subarray(-64)]).subarray(-64);
            if (stream.write(chunk))
                done();
            else
                waitForDrain(stream, done);
        },
        final(done) {
            if (endsWithStreamFooter(tail)) {
                stream.end();
            }
            else {
                rejectTruncated(new DecodeError('truncated', 'the input ends without an xz stream footer'));
                stream.destroy();
            }
            done();
        },
    });
    input.on('error', () => undefined);
    return {
        name: 'node-liblzma',
        input,
        blocks: cutIntoBlocks(stream, allocate),
        finished,
        abort() {
            aborted = true;
            stream.destroy();
            input.destroy();
        },
    };
}
function waitForDrain(stream, done) {
    const onDrain = () => {
        stream.off('close', onClose);
        done();
    };
    const onClose = () => {
        stream.off('drain', onDrain);
        done(new Error('decoder closed'));
    };
    stream.once('drain', onDrain);
    stream.once('close', onClose);
}
function endsWithStreamFooter(tail) {
    let end = tail.length;
    while (end >= 4 && tail.readUInt32BE(end - 4) === 0)
        end -= 4;
    return end >= 2 && tail[end - 2] === 0x59 && tail[end - 1] === 0x5a;
}

// EXTERNAL MODULE: external "node:stream/promises"
var external_node_stream_promises_ = __webpack_require__(6466);
;// CONCATENATED MODULE: ./src/image/download.ts




const download_defaultSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
class RetryableDownloadError extends Error {
}
/**
 * Streams the compressed image, hashing as it goes. A dropped or stalled connection resumes with a
 * Range request from the last byte received; a server that ignores Range sends the file again and
 * the bytes already passed on are skipped, so the consumer sees one continuous stream either way.
 * Size and sha256 are confirmed at the end; on any mismatch the generator throws and the consumer
 * must discard everything it received.
 */
async function* downloadVerified(options, stats) {
    const { url, size } = options;
    const maxResumes = options.maxResumes ?? 5;
    const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    const sleep = options.sleep ?? download_defaultSleep;
    const hash = (0,external_node_crypto_.createHash)('sha256');
    let offset = 0;
    let failures = 0;
    let validator;
    for (;;) {
        options.signal?.throwIfAborted();
        const controller = new AbortController();
        const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
        // One timer per connection, pushed back on every chunk (refresh() allocates nothing).
        let idle;
        const armIdle = () => {
            if (idle)
                idle.refresh();
            else
                idle = setTimeout(() => controller.abort(new RetryableDownloadError(`no data for ${idleTimeoutMs} ms`)), idleTimeoutMs);
        };
        try {
            armIdle();
            const headers = {};
            if (offset > 0) {
                headers.range = `bytes=${offset}-`;
                if (validator)
                    headers['if-range'] = validator;
            }
            const { response } = await fetchAllowed(url, options.policy, { headers, signal });
            let skip = 0;
            if (response.status === 206) {
                const start = Number(/^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1]);
                if (start !== offset)
                    throw new RetryableDownloadError(`server resumed at byte ${start}, not ${offset}`);
            }
            else if (response.status === 200) {
                skip = offset; // no range support (or the file changed): read from the start, pass on only new bytes
                const length = Number(response.headers.get('content-length') ?? NaN);
                if (size !== undefined && Number.isFinite(length) && length !== size) {
                    response.discard();
                    throw sizeMismatch(url, size, length);
                }
            }
            else if (response.status === 416 && size !== undefined && offset === size) {
                response.discard();
                break;
            }
            else if (response.status >= 500 || response.status === 429 || response.status === 408) {
                response.discard();
                throw new RetryableDownloadError(`HTTP ${response.status}`);
            }
            else {
                response.discard();
                throw new ImageSourceError('http', url.href, `Downloading ${url.href} failed with HTTP ${response.status}.`, {
                    hint: 'Check that the compose still exists at that location; nothing was published.',
                });
            }
            validator ??= response.headers.get('etag') ?? response.headers.get('last-modified') ?? undefined;
            for await (const piece of response.body) {
                armIdle();
                let chunk = piece;
                if (skip > 0) {
                    const dropped = Math.min(skip, chunk.length);
                    skip -= dropped;
                    chunk = chunk.subarray(dropped);
                    if (chunk.length === 0)
                        continue;
                }
                offset += chunk.length;
                if (size !== undefined && offset > size)
                    throw sizeMismatch(url, size, offset, 'at least ');
                hash.update(chunk);
                stats.bytes = offset;
                failures = 0;
                yield chunk;
            }
            if (skip > 0)
                throw new RetryableDownloadError('the restarted download ended early');
            break;
        }
        catch (error) {
            if (error instanceof ImageSourceError)
                throw error;
            // A refusal of fedimg's own (a redirect off the allow-list) is final, not a dropped connection.
            if (error instanceof FedimgError) {
                throw new ImageSourceError('http', url.href, `Downloading ${url.href} stopped: ${error.message}`, {
                    cause: error,
                });
            }
            options.signal?.throwIfAborted();
            failures++;
            if (stats.resumes >= maxResumes) {
                throw new ImageSourceError('truncated', url.href, `The download of ${url.href} broke off at byte ${offset}${size !== undefined ? ` of ${size}` : ''} and could not be resumed after ${maxResumes} attempts (${describeError(controller.signal.reason ?? error)}).`, {
                    hint: 'Re-run the job; if it keeps failing, the compose host or the network is in trouble.',
                    cause: error,
                });
            }
            stats.resumes++;
            const reason = describeError(controller.signal.aborted ? controller.signal.reason : error);
            options.onResume?.(offset, reason);
            const base = (options.retryDelayMs ?? 500) * 2 ** Math.min(failures - 1, 6);
            await sleep(base / 2 + Math.random() * base);
        }
        finally {
            clearTimeout(idle);
        }
    }
    confirmDownload(url, options.sha256, size, offset, hash.digest('hex'));
    stats.verified = true;
}
/** The end of every read of the compressed file: its size and sha256 must be what the compose says. */
function confirmDownload(url, sha256, size, bytes, digest) {
    if (size !== undefined && bytes !== size)
        throw sizeMismatch(url, size, bytes);
    if (digest !== sha256) {
        throw new ImageSourceError('checksum-mismatch', url.href, `The sha256 of ${url.href} is ${digest}, but the compose published ${sha256}.`, {
            hint: 'The file was modified or corrupted in transit; nothing may be registered from it. Re-run, and ask release engineering if it persists.',
        });
    }
}
/**
 * The same stream from a local copy of the compressed file (the workflow's image cache), verified
 * against the compose's size and sha256 exactly like a download.
 */
async function* readVerifiedFile(path, options, stats) {
    const hash = (0,external_node_crypto_.createHash)('sha256');
    let bytes = 0;
    for await (const chunk of (0,external_node_fs_.createReadStream)(path, {
        highWaterMark: 1 << 20,
        signal: options.signal,
    })) {
        bytes += chunk.length;
        if (options.size !== undefined && bytes > options.size)
            throw sizeMismatch(options.url, options.size, bytes, 'at least ');
        hash.update(chunk);
        stats.bytes = bytes;
        yield chunk;
    }
    confirmDownload(options.url, options.sha256, options.size, bytes, hash.digest('hex'));
    stats.verified = true;
}
function sizeMismatch(url, expected, actual, prefix = '') {
    return new ImageSourceError('size-mismatch', url.href, `${url.href} is ${prefix}${actual} bytes, but the compose published ${expected}.`, { hint: 'The file does not match the compose metadata; nothing may be registered from it.' });
}

;// CONCATENATED MODULE: ./src/image/compressed.ts




/** Passes the chunks on and writes them to `path` as well, waiting for the disk when it lags. */
async function* keepingCopy(chunks, path) {
    const file = (0,external_node_fs_.createWriteStream)(path);
    try {
        for await (const chunk of chunks) {
            if (!file.write(chunk))
                await (0,external_node_events_.once)(file, 'drain');
            yield chunk;
        }
        file.end();
        await (0,external_node_stream_promises_.finished)(file);
    }
    finally {
        file.destroy();
    }
}
/**
 * The compressed image as verified chunks: from the cached copy or downloaded, and written to the
 * cache as it is downloaded when asked. Used by the feeding thread and, with the npm decoder, by the
 * main thread.
 */
function compressedChunks(source, stats, signal, onResume) {
    const url = new URL(source.url);
    const { sha256, size } = source;
    if (source.localFile)
        return readVerifiedFile(source.localFile, { url, sha256, size, signal }, stats);
    const chunks = downloadVerified({
        url,
        policy: source.policy,
        sha256,
        size,
        maxResumes: source.maxResumes,
        idleTimeoutMs: source.idleTimeoutMs,
        retryDelayMs: source.retryDelayMs,
        signal,
        onResume,
    }, stats);
    return source.keepCopy ? keepingCopy(chunks, source.keepCopy) : chunks;
}

;// CONCATENATED MODULE: ./src/image/feeder.ts



/** The error the feeding thread reported, as the one it was there. */
function errorOf(failure) {
    if (failure.kind && failure.url !== undefined)
        return new ImageSourceError(failure.kind, failure.url, failure.message, failure.hint ? { hint: failure.hint } : {});
    return Object.assign(new Error(failure.message), { name: failure.name });
}
/**
 * Starts the feeding thread (feeder-thread.ts) and returns the socket it writes the verified
 * compressed image into, made through a private listening socket (private-socket.ts).
 */
function startFeeder(setup, stats, onResume) {
    return privateSocket('fedimg-feed-', async (socketPath, accepted) => {
        const worker = startThread(import.meta.url, 'feeder-thread', {
            workerData: { ...setup, socketPath },
            resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 128 },
        });
        const done = new Promise((resolve, reject) => {
            worker.on('message', (report) => {
                if (report.kind === 'resume') {
                    onResume?.(report.offset, report.reason);
                    return;
                }
                Object.assign(stats, report.stats);
                if (report.kind === 'done')
                    resolve();
                else
                    reject(errorOf(report.failure));
            });
            worker.on('error', reject);
            worker.on('exit', () => reject(new Error('the feeding thread ended without a word')));
        });
        done.catch(() => undefined);
        // The thread may fail before it connects (a refused host, say): that ends the wait too.
        const input = await Promise.race([accepted, done.then(() => accepted)]);
        return {
            input,
            done,
            stop: () => {
                worker.postMessage({ kind: 'abort' });
                setTimeout(() => void worker.terminate(), 5_000).unref();
            },
        };
    });
}

;// CONCATENATED MODULE: ./src/image/source.ts





/**
 * download → verify → decompress → 512 KiB blocks, as one stream with back-pressure end to end and
 * no temporary file. Iterating `blocks()` either ends normally, meaning every block was delivered
 * and the compressed file's size and sha256 matched, or throws an ImageSourceError, meaning every
 * block already delivered must be discarded.
 */
class ImageSource {
    stats;
    options;
    constructor(options) {
        this.options = options;
        this.stats = {
            decoder: pickDecoder(options.decoder ?? 'auto'),
            bytes: 0,
            resumes: 0,
            verified: false,
            rawBytes: 0,
            blocks: 0,
        };
    }
    async *blocks() {
        const { options, stats } = this;
        const url = new URL(options.url);
        const controller = new AbortController();
        const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
        const pool = options.recycleBlocks ? new BlockPool() : undefined;
        const { decoder, pump, stop } = await this.start(signal, blockAllocator(pool));
        pump.catch(() => decoder.abort());
        options.signal?.addEventListener('abort', stop, { once: true });
        let completed = false;
        try {
            for await (const block of finishBlocks(decoder.blocks, stats, pool)) {
                if (options.maxRawBytes !== undefined && stats.rawBytes > options.maxRawBytes) {
                    block.release();
                    throw new ImageSourceError('size-mismatch', url.href, `${url.href} decompresses to more than ${options.maxRawBytes} bytes, the size it was to fit.`, {
                        hint: 'The image is larger than its xz index or the volume size says; nothing may be registered from it.',
                    });
                }
                yield block;
            }
            await decoder.finished;
            await pump;
            completed = true;
        }
        catch (error) {
            // Decided here, not by the decoder or the download: stop both at once (below).
            if (error instanceof ImageSourceError)
                throw error;
            const downloadError = await pump.then(() => undefined, (failure) => failure);
            if (downloadError instanceof ImageSourceError)
                throw downloadError;
            options.signal?.throwIfAborted();
            const decodeError = await decoder.finished.then(() => undefined, (failure) => failure);
            throw this.decodeFailure(decodeError ?? error, url);
        }
        finally {
            options.signal?.removeEventListener('abort', stop);
            if (!completed) {
                decoder.abort();
                controller.abort();
                stop();
                await pump.catch(() => undefined);
            }
        }
    }
    /**
     * The decoder and what feeds it. With the system xz a thread of its own downloads, verifies and
     * writes into xz's input (feeder.ts), so the main thread only cuts blocks; the npm decoder runs
     * in this thread, fed from here.
     */
    async start(signal, allocate) {
        const { options, stats } = this;
        const source = {
            url: options.url,
            sha256: options.sha256,
            size: options.size,
            policy: options.policy,
            maxResumes: options.maxResumes,
            idleTimeoutMs: options.idleTimeoutMs,
            retryDelayMs: options.retryDelayMs,
            localFile: options.localFile,
            keepCopy: options.keepCopy,
        };
        if (stats.decoder === 'xz') {
            const feeder = await startFeeder(source, stats, options.onResume);
            const decoder = await startDecoder('xz', allocate, feeder.input).catch((error) => {
                feeder.stop();
                throw error;
            });
            return { decoder, pump: feeder.done, stop: feeder.stop };
        }
        const decoder = await startDecoder(stats.decoder, allocate);
        const download = compressedChunks(source, stats, signal, options.onResume);
        const input = decoder.input;
        // Keeps reading after the decoder died so that a corrupt download is reported as the checksum
        // mismatch it is, rather than as the xz error it causes.
        const pump = (async () => {
            let feeding = true;
            for await (const chunk of download) {
                if (feeding)
                    feeding = await write(input, chunk);
            }
            if (feeding)
                input.end();
        })();
        return { decoder, pump, stop: () => undefined };
    }
    decodeFailure(error, url) {
        if (error instanceof ImageSourceError)
            return error;
        const failure = error instanceof DecodeError ? error.failure : 'decoder';
        const detail = error instanceof Error ? error.message : String(error);
        const where = `${url.href} (after ${this.stats.rawBytes} decompressed bytes, decoder ${this.stats.decoder})`;
        switch (failure) {
            case 'truncated':
                return new ImageSourceError('truncated', url.href, `The xz stream of ${where} ends too early: ${detail}.`, {
                    hint: 'The published file is incomplete; nothing may be registered from it. Ask release engineering to check the compose.',
                    cause: error,
                });
            case 'corrupt':
                return new ImageSourceError('corrupt', url.href, `The xz data of ${where} is corrupt: ${detail}.`, {
                    hint: 'Its checksum matched the compose, so the compose itself published a broken file; nothing may be registered from it.',
                    cause: error,
                });
            default:
                return new ImageSourceError('decoder', url.href, `Decompressing ${where} failed: ${detail}.`, {
                    hint: 'Retry; if it persists, try the other decoder (decoder: npm or system).',
                    cause: error,
                });
        }
    }
}
/**
 * Write with back-pressure; resolves false once the decoder no longer accepts input. The decoder
 * is usually the slower side, so this waits for 'drain' on most chunks: three plain listeners,
 * not an AbortController and three promises per chunk.
 */
async function write(input, chunk) {
    if (input.destroyed || input.writableEnded)
        return false;
    if (input.write(chunk))
        return true;
    return new Promise((resolve) => {
        const settle = (accepted) => () => {
            input.off('drain', onDrain);
            input.off('close', onGone);
            input.off('error', onGone);
            resolve(accepted && !input.destroyed);
        };
        const onDrain = settle(true);
        const onGone = settle(false);
        input.once('drain', onDrain);
        input.once('close', onGone);
        input.once('error', onGone);
    });
}

;// CONCATENATED MODULE: ./src/upload/context.ts





/** What both upload methods share: where they upload, the image source, and how they fail. */
const GIB = 2 ** 30;
/** The same image with the same settings always maps to the same token, hence the same snapshot. */
function uploadToken(image, settings, generation = 0) {
    const key = JSON.stringify([
        image.sha256,
        settings.method,
        settings.omitZeroBlocks,
        settings.volumeSizeGiB ?? 'auto',
        generation,
    ]);
    return `fedimg-${(0,external_node_crypto_.createHash)('sha256').update(key).digest('hex').slice(0, 48)}`;
}
/**
 * Deletes a snapshot this run started and cannot finish. A failure to delete is a warning: the post
 * step tries again, and the snapshot's StartSnapshot timeout cancels it anyway.
 */
async function removeUnfinished(ctx, snapshotId) {
    try {
        await deleteSnapshot(ctx.clients.ec2(ctx.region), snapshotId);
        return true;
    }
    catch (error) {
        ctx.log.warning(`Could not delete the unfinished snapshot ${snapshotId} in ${ctx.region}: ${describeError(error)}. The post step will try again; otherwise its StartSnapshot timeout cancels it.`, 'fedimg upload');
        return false;
    }
}
function imageSource(image, ctx, recycleBlocks, local, maxRawBytes) {
    return new ImageSource({
        recycleBlocks,
        maxRawBytes,
        localFile: local?.hit ? local.path : undefined,
        keepCopy: local && !local.hit ? local.path : undefined,
        url: image.url,
        sha256: image.sha256,
        size: image.size,
        policy: ctx.policy,
        decoder: ctx.decoder,
        signal: ctx.signal,
        onResume: (offset, reason) => ctx.log.warning(`${image.file}: download interrupted at byte ${offset} (${reason}); resuming.`, 'fedimg download'),
    });
}
function uploadFailure(error, image, ctx, what) {
    if (error instanceof ImageSourceError || error instanceof InputError || error instanceof UploadError)
        return error;
    if (ctx.signal?.aborted)
        return new UploadError(`The upload of ${image.file} to ${ctx.region} was cancelled. ${what} was removed.`);
    // A refusal is not cured by a re-run: the hint names the permission instead.
    const permission = isUnauthorized(error) ? hintForAwsError(error) : undefined;
    return new UploadError(`Uploading ${image.file} to ${ctx.region} failed: ${describeError(error)}.`, {
        hint: permission
            ? `${what} was removed. ${permission}`
            : `${what} was removed; re-run the job (it resumes from nothing but the compose).`,
        cause: error,
    });
}

;// CONCATENATED MODULE: ./src/image/xz-index.ts




/**
 * The decompressed size of a remote .xz file, read from the index at its end with Range requests,
 * so the snapshot's volume size is known before a byte is decompressed. Hand-written because no npm
 * package reads an xz index from a remote file: it is a few varints behind a 12-byte footer
 * (xz file format §2.1.2, §4).
 */
const FOOTER_SIZE = 12;
const HEADER_SIZE = 12;
const TAIL_FETCH = 256 * 1024;
function readVarint(bytes, offset) {
    let value = 0;
    for (let shift = 0; shift < 63; shift += 7) {
        const byte = bytes[offset.at++];
        if (byte === undefined)
            throw new Error('index ends inside a number');
        value += (byte & 0x7f) * 2 ** shift;
        if ((byte & 0x80) === 0)
            return value;
    }
    throw new Error('index number too long');
}
/** Sum of a stream's index: uncompressed bytes, and the bytes its blocks take in the file. */
function parseXzIndex(index) {
    if (index[0] !== 0x00)
        throw new Error('no index indicator');
    const offset = { at: 1 };
    const records = readVarint(index, offset);
    let uncompressed = 0;
    let blocksSize = 0;
    for (let i = 0; i < records; i++) {
        const unpadded = readVarint(index, offset);
        uncompressed += readVarint(index, offset);
        blocksSize += Math.ceil(unpadded / 4) * 4;
    }
    return { uncompressed, blocksSize };
}
/** Walks the streams of an xz file backwards from its end, summing their uncompressed sizes. */
async function xzUncompressedSize(fileSize, read) {
    let total = 0;
    let end = fileSize;
    while (end > 0) {
        const start = Math.max(0, end - TAIL_FETCH);
        let tail = await read(start, end);
        let cut = tail.length;
        while (cut >= 4 && tail.readUInt32LE(cut - 4) === 0)
            cut -= 4; // stream padding
        end = start + cut;
        tail = tail.subarray(0, cut);
        if (tail.length < FOOTER_SIZE || tail.toString('latin1', tail.length - 2) !== 'YZ')
            throw new Error('no xz stream footer');
        const backwardSize = (tail.readUInt32LE(tail.length - 8) + 1) * 4;
        const indexEnd = end - FOOTER_SIZE;
        const indexStart = indexEnd - backwardSize;
        const index = indexStart >= start
            ? tail.subarray(indexStart - start, indexEnd - start)
            : await read(indexStart, indexEnd);
        const { uncompressed, blocksSize } = parseXzIndex(index);
        total += uncompressed;
        end = indexStart - blocksSize - HEADER_SIZE;
        if (end < 0)
            throw new Error('index describes more data than the file holds');
    }
    return total;
}
/** Reads the uncompressed size of the image at `url` without downloading it. */
async function remoteRawSize(url, size, policy) {
    const read = async (start, end) => {
        const { response } = await fetchAllowed(url, policy, {
            headers: { range: `bytes=${start}-${end - 1}` },
            signal: AbortSignal.timeout(60_000),
        });
        if (response.status !== 206) {
            response.discard();
            throw new Error(`the server answered HTTP ${response.status} to a Range request`);
        }
        return response.bytes();
    };
    // A Range read is small: a dropped connection is simply tried again; fedimg's own refusals
    // (a redirect off the allow-list) are not.
    const retried = (start, end) => withRetry(() => read(start, end), { ...DEFAULT_RETRY, attempts: 4 }, { retryable: (error) => !(error instanceof FedimgError) });
    try {
        return await xzUncompressedSize(size, retried);
    }
    catch (error) {
        throw new ImageSourceError('http', url.href, `Cannot read the xz index of ${url.href} to learn the image's raw size: ${error.message}.`, {
            hint: 'Set the volume-size input (GiB) so fedimg does not need it.',
            cause: error,
        });
    }
}
/** The same for a local copy of the file (the image cache). */
async function localRawSize(path, size) {
    const file = await (0,promises_.open)(path, 'r');
    try {
        return await xzUncompressedSize(size, async (start, end) => {
            const buffer = Buffer.alloc(end - start);
            await file.read(buffer, 0, buffer.length, start);
            return buffer;
        });
    }
    catch (error) {
        throw new ImageSourceError('corrupt', path, `Cannot read the xz index of ${path}: ${error.message}.`, {
            cause: error,
        });
    }
    finally {
        await file.close();
    }
}

;// CONCATENATED MODULE: ./src/report/progress.ts
const MB = 1e6;
function formatBytes(bytes) {
    if (bytes >= 2 ** 30)
        return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
    return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
function formatSeconds(seconds) {
    if (!Number.isFinite(seconds))
        return '?';
    return seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
}
/**
 * Progress of a long transfer in the log: a line at least every `step` (5%) of the total, with
 * throughput, blocks done and ETA, so a stalled upload is visible long before any timeout.
 */
class Progress {
    log;
    label;
    totalBlocks;
    blockSize;
    step;
    started = Date.now();
    nextReport;
    constructor(log, label, totalBlocks, blockSize, step = 0.05) {
        this.log = log;
        this.label = label;
        this.totalBlocks = totalBlocks;
        this.blockSize = blockSize;
        this.step = step;
        this.nextReport = step;
    }
    update(doneBlocks) {
        if (this.totalBlocks <= 0)
            return;
        const fraction = doneBlocks / this.totalBlocks;
        if (fraction < this.nextReport && doneBlocks < this.totalBlocks)
            return;
        while (this.nextReport <= fraction)
            this.nextReport += this.step;
        const seconds = (Date.now() - this.started) / 1000;
        const rate = (doneBlocks * this.blockSize) / Math.max(seconds, 0.001);
        const eta = ((this.totalBlocks - doneBlocks) * this.blockSize) / Math.max(rate, 1);
        this.log.info(`${this.label}: ${Math.floor(fraction * 100)}% (${doneBlocks}/${this.totalBlocks} blocks) ${(rate / MB).toFixed(0)} MB/s, ETA ${formatSeconds(eta)}`);
    }
    elapsedSeconds() {
        return (Date.now() - this.started) / 1000;
    }
}

;// CONCATENATED MODULE: ./src/upload/block-sender.ts




/**
 * Sends 512 KiB blocks to an open snapshot with PutSnapshotBlock: read blocks, send blocks, count
 * and checksum. It knows nothing of where the blocks come from (coldsnap's upload.rs is the model).
 */
/** Longest pause between tries while a new snapshot is still unknown to PutSnapshotBlock. */
const NOT_FOUND_PAUSE_MS = 1000;
/** Listeners on the cancellation signal beyond the two each worker's request adds. */
const SIGNAL_LISTENER_HEADROOM = 16;
/**
 * Reads blocks and sends them with PutSnapshotBlock, `concurrency` at a time; it pulls the next
 * block only when a worker is free, so memory is bounded by the number of workers. Its only other
 * job is counting and checksumming (as coldsnap's uploader does).
 */
async function uploadBlocks(blocks, options) {
    // Every in-flight request listens on the cancellation signal.
    if (options.signal)
        (0,external_node_events_.setMaxListeners)(options.concurrency * 2 + SIGNAL_LISTENER_HEADROOM, options.signal);
    const digests = new Map();
    const inFlight = new Set();
    // Wakes the reading loop when a worker frees up. (Promise.race over the in-flight set would add
    // a reaction to every pending request for every block read: 64 per block, kept until they settle.)
    let slotFreed;
    const settled = (task) => {
        inFlight.delete(task);
        slotFreed?.();
        slotFreed = undefined;
    };
    let failure;
    let done = 0;
    let skipped = 0;
    let retries = 0;
    const withinNotFoundWindow = (error) => isSnapshotNotFound(error) && Date.now() < options.startedAt + options.notFoundWindowMs;
    // Waiting out the window does not use up the retries meant for throttling and errors: AWS
    // documents that it can last about two minutes, longer than the back-off of eight attempts.
    const notFoundPause = Math.min(options.retry.maxDelayMs, NOT_FOUND_PAUSE_MS);
    const put = (block) => withRetry(() => options.writer.put(options.snapshotId, block, options.signal), options.retry, {
        retryable: isTransient,
        signal: options.signal,
        onRetry: (error) => {
            retries++;
            options.onRetry?.(error, block.index);
        },
    });
    const send = async (block) => {
        let sha256;
        for (;;) {
            try {
                sha256 = await put(block);
                break;
            }
            catch (error) {
                if (!withinNotFoundWindow(error))
                    throw error;
                retries++;
                options.onRetry?.(error, block.index);
                await options.retry.sleep(notFoundPause);
                options.signal?.throwIfAborted();
            }
        }
        digests.set(block.index, Buffer.from(sha256, 'base64'));
        options.onBlockDone?.(++done + skipped);
    };
    try {
        for await (const block of blocks) {
            if (failure)
                break;
            if (options.omitZeroBlocks && block.zero) {
                block.release();
                skipped++;
                options.onBlockDone?.(done + skipped);
                continue;
            }
            const task = send(block).then(() => {
                block.release();
                settled(task);
            }, (error) => {
                block.release();
                failure ??= error;
                settled(task);
            });
            inFlight.add(task);
            if (inFlight.size >= options.concurrency)
                await new Promise((resolve) => (slotFreed = resolve));
        }
    }
    finally {
        await Promise.all(inFlight);
    }
    if (failure)
        throw failure;
    const linear = (0,external_node_crypto_.createHash)('sha256');
    for (const index of [...digests.keys()].sort((a, b) => a - b))
        linear.update(digests.get(index));
    return { sent: digests.size, skipped, aggregateChecksum: linear.digest('base64'), retries };
}

;// CONCATENATED MODULE: ./src/upload/ebs-direct.ts











/** The default route: the image streamed into a new snapshot through the EBS direct APIs. */
/**
 * The snapshot's size: the volume-size input, or the raw size read from the xz index (from the
 * cached copy or by Range requests), checked against max-volume-size-gib before anything exists.
 */
async function volumeFor(image, ctx, local) {
    const { settings } = ctx;
    const rawSize = await (local?.hit
        ? localRawSize(local.path, image.size)
        : remoteRawSize(new URL(image.url), image.size, ctx.policy)).catch((error) => {
        if (settings.volumeSizeGiB === undefined)
            throw error;
        return undefined;
    });
    // A few hundred compressed bytes can claim terabytes in their index: refuse before creating anything.
    if (rawSize !== undefined && rawSize > settings.maxVolumeSizeGiB * GIB) {
        throw new ImageSourceError('size-mismatch', image.url, `${image.file} declares ${formatBytes(rawSize)} of raw disk in its xz index, more than max-volume-size-gib (${settings.maxVolumeSizeGiB} GiB); nothing was uploaded.`, {
            hint: 'Fedora cloud images are about 5 GiB. Raise max-volume-size-gib only if this image really is that large.',
        });
    }
    const volumeSize = settings.volumeSizeGiB ?? Math.ceil(rawSize / GIB);
    if (rawSize !== undefined && volumeSize * GIB < rawSize) {
        throw new InputError(`volume-size ${volumeSize} GiB is smaller than ${image.file} (${formatBytes(rawSize)} raw).`, { hint: `Use at least ${Math.ceil(rawSize / GIB)} GiB or leave volume-size empty.` });
    }
    return { volumeSize, rawSize };
}
/**
 * StartSnapshot with the image's upload token: a new snapshot, the unfinished one of an earlier run
 * (resumed: every block is sent again), or a completed one (nothing to do). A token whose snapshot
 * timed out can never complete, so the next generation of the token is used.
 */
async function startSnapshot(image, ctx, baseToken, volumeSize) {
    const { settings, region } = ctx;
    const ebs = ctx.clients.ebs(region);
    const tags = imageTags(image, { [TAG.name]: image.name, [TAG.uploadToken]: baseToken });
    for (let generation = 0;; generation++) {
        const token = generation === 0 ? baseToken : uploadToken(image, settings, generation);
        const startedAt = Date.now();
        const started = await withRetry(() => ebs.send(new client_ebs_dist_cjs/* StartSnapshotCommand */.C4({
            VolumeSize: volumeSize,
            ClientToken: token,
            Timeout: settings.snapshotTimeoutMinutes,
            Tags: tags,
            Description: `${image.file} (${image.compose_id || 'direct image'}) uploaded by fedimg`,
        }), { abortSignal: ctx.signal }), settings.retry, { retryable: isTransient, signal: ctx.signal });
        const snapshotId = started.SnapshotId;
        if (started.Status === 'completed')
            return { snapshotId, startedAt, completed: true };
        if (started.Status !== 'error') {
            if (started.StartTime && started.StartTime.getTime() < startedAt - 1000) {
                ctx.log.info(`${image.arch}: resuming unfinished snapshot ${snapshotId} from an earlier run (every block is sent again).`);
            }
            return { snapshotId, startedAt, completed: false };
        }
        await removeUnfinished(ctx, snapshotId);
        if (generation >= 3)
            throw new UploadError(`StartSnapshot keeps returning failed snapshots for ${image.file} in ${region}.`);
    }
}
/** Streams the image into a new snapshot with the EBS direct APIs; nothing half-done survives a failure. */
async function uploadDirect(image, ctx, baseToken, local) {
    const { settings, log, region } = ctx;
    const { volumeSize, rawSize } = await volumeFor(image, ctx, local);
    const { snapshotId, startedAt, completed } = await startSnapshot(image, ctx, baseToken, volumeSize);
    if (completed)
        return { snapshotId, volumeSize, reused: true };
    const ebs = ctx.clients.ebs(region);
    const pendingSnapshot = { kind: 'snapshot', region, id: snapshotId };
    ctx.pending.add(pendingSnapshot);
    const source = imageSource(image, ctx, true, local, volumeSize * GIB);
    const totalBlocks = rawSize !== undefined ? Math.ceil(rawSize / BLOCK_SIZE) : 0;
    const progress = new Progress(log, `${image.arch} → ${snapshotId}`, totalBlocks, BLOCK_SIZE);
    const waitUntilDone = () => waitForSnapshot(ctx.clients.ec2(region), snapshotId, {
        timeoutMs: 60 * 60_000,
        intervalMs: settings.pollIntervalMs,
        signal: ctx.signal,
    });
    try {
        const result = await uploadBlocks(source.blocks(), {
            writer: ctx.clients.ebsBlocks(region),
            snapshotId,
            concurrency: settings.concurrency,
            omitZeroBlocks: settings.omitZeroBlocks,
            retry: settings.retry,
            startedAt,
            notFoundWindowMs: settings.notFoundWindowMs,
            signal: ctx.signal,
            onBlockDone: (done) => progress.update(done),
            onRetry: (error, index) => log.debug(`block ${index}: ${describeError(error)}; retrying`),
        });
        // The source ended without error: size and sha256 of the compressed file are confirmed.
        await withRetry(() => ebs.send(new client_ebs_dist_cjs/* CompleteSnapshotCommand */.$8({
            SnapshotId: snapshotId,
            ChangedBlocksCount: result.sent,
            Checksum: result.aggregateChecksum,
            ChecksumAlgorithm: 'SHA256',
            ChecksumAggregationMethod: 'LINEAR',
        })), settings.retry, { retryable: isTransient });
        const final = await waitUntilDone();
        if (final.state !== 'completed') {
            throw new UploadError(`Snapshot ${snapshotId} of ${image.file} in ${region} ended in state ${final.state}${final.message ? `: ${final.message}` : ''}.`, { hint: 'It was deleted; re-run the job.' });
        }
        ctx.pending.remove(pendingSnapshot);
        const seconds = progress.elapsedSeconds();
        log.info(`${image.arch}: read ${formatBytes(source.stats.bytes)} compressed, ${formatBytes(source.stats.rawBytes)} raw; sent ${result.sent} blocks (${result.skipped} zero blocks skipped, ${result.retries} retries) in ${formatSeconds(seconds)}, ${(source.stats.rawBytes / 1e6 / Math.max(seconds, 0.001)).toFixed(0)} MB/s (decoder ${source.stats.decoder}).`);
        return { snapshotId, volumeSize, reused: false };
    }
    catch (error) {
        // Two runs for the same image share one snapshot (same ClientToken). If the other one completed
        // it first, this run's blocks are refused; its content is the same image, so use it.
        if (isSnapshotClosed(error) && (await waitUntilDone().catch(() => undefined))?.state === 'completed') {
            ctx.pending.remove(pendingSnapshot);
            log.info(`${image.arch}: snapshot ${snapshotId} was completed by another run for the same image; using it.`);
            return { snapshotId, volumeSize, reused: true };
        }
        if (await removeUnfinished(ctx, snapshotId))
            ctx.pending.remove(pendingSnapshot);
        throw uploadFailure(error, image, ctx, `Snapshot ${snapshotId}`);
    }
}

// EXTERNAL MODULE: ./node_modules/@aws-sdk/lib-storage/dist-cjs/index.js
var lib_storage_dist_cjs = __webpack_require__(2358);
;// CONCATENATED MODULE: ./src/upload/import-snapshot.ts












/** The alternative route: the raw disk staged in S3, then ImportSnapshot. */
/** Streams the raw disk (decompressed, verified) into s3://bucket/key, with progress. */
async function stageInS3(image, ctx, local, where) {
    const { log } = ctx;
    const started = Date.now();
    // No recycling: the S3 upload keeps parts of the stream until it sends them.
    const source = imageSource(image, ctx, false, local, ctx.settings.maxVolumeSizeGiB * GIB);
    const body = external_node_stream_.Readable.from((async function* () {
        for await (const block of source.blocks())
            yield block.data;
    })());
    const upload = new lib_storage_dist_cjs/* Upload */._({
        client: ctx.clients.s3(ctx.region),
        // Who made it, for the post step, which removes only its own run's objects.
        params: { Bucket: where.bucket, Key: where.key, Body: body, Metadata: ownerMetadata() },
        partSize: 16 * 2 ** 20,
        queueSize: 4,
    });
    const abort = () => void upload.abort();
    ctx.signal?.addEventListener('abort', abort, { once: true });
    let reported = 0;
    upload.on('httpUploadProgress', (event) => {
        const loaded = event.loaded ?? 0;
        if (loaded - reported >= 256 * 2 ** 20) {
            reported = loaded;
            log.info(`${image.arch} → s3://${where.bucket}/${where.key}: ${formatBytes(loaded)} (${(loaded / 1e6 / ((Date.now() - started) / 1000)).toFixed(0)} MB/s)`);
        }
    });
    try {
        await upload.done();
    }
    catch (error) {
        await abortMultipartUpload(ctx, where, upload.uploadId);
        throw error;
    }
    finally {
        ctx.signal?.removeEventListener('abort', abort);
    }
    log.info(`${image.arch}: staged ${formatBytes(source.stats.rawBytes)} raw in s3://${where.bucket}/${where.key} in ${formatSeconds((Date.now() - started) / 1000)}; importing.`);
}
/**
 * Aborts the staging object's multipart upload, whose parts S3 keeps (and bills) until then. On a
 * cancel, lib-storage's done() rejects at once and aborts the upload only afterwards, in the
 * background: a cancelled job's process may be gone before that request is sent. Already aborted
 * (NoSuchUpload, when lib-storage was first) is fine.
 */
async function abortMultipartUpload(ctx, where, uploadId) {
    if (!uploadId)
        return;
    await ctx.clients
        .s3(ctx.region)
        .send(new client_s3_dist_cjs.AbortMultipartUploadCommand({ Bucket: where.bucket, Key: where.key, UploadId: uploadId }))
        .catch((error) => {
        if (awsErrorCode(error) === 'NoSuchUpload')
            return;
        ctx.log.warning(`Could not abort the multipart upload ${uploadId} of s3://${where.bucket}/${where.key}: ${describeError(error)}; S3 keeps its parts until it is aborted (a bucket lifecycle rule for incomplete multipart uploads removes them).`, 'fedimg upload');
    });
}
/**
 * ImportSnapshot of the staged object, waited for with progress. A token whose earlier task failed
 * returns that dead task again, so the next generation of the token is used.
 */
async function runImportTask(image, ctx, where, token, tags) {
    const { settings, log, region } = ctx;
    const ec2 = ctx.clients.ec2(region);
    let imported;
    for (let generation = 0;; generation++) {
        imported = await ec2.send(new client_ec2_dist_cjs/* ImportSnapshotCommand */.Tvo({
            DiskContainer: {
                Format: 'RAW',
                UserBucket: { S3Bucket: where.bucket, S3Key: where.key },
                Description: image.file,
            },
            ClientToken: generation === 0 ? token : `${token}-${generation}`,
            Description: `${image.file} (${image.compose_id || 'direct image'}) imported by fedimg`,
            TagSpecifications: [{ ResourceType: 'import-snapshot-task', Tags: tags }],
        }));
        const status = imported.SnapshotTaskDetail?.Status;
        if ((status !== 'deleted' && status !== 'deleting') || generation >= 3)
            break;
    }
    const task = { kind: 'import-task', region, id: imported.ImportTaskId };
    ctx.pending.add(task);
    let ended = false;
    try {
        let lastProgress = '';
        const detail = await poll(`import task ${task.id}`, async () => {
            const { ImportSnapshotTasks } = await ec2.send(new client_ec2_dist_cjs/* DescribeImportSnapshotTasksCommand */.QkL({ ImportTaskIds: [task.id] }));
            const current = ImportSnapshotTasks?.[0]?.SnapshotTaskDetail;
            if (!current || current.Status === 'active') {
                const note = `${current?.Progress ?? 0}% ${current?.StatusMessage ?? ''}`.trim();
                if (note !== lastProgress)
                    log.info(`${image.arch}: import task ${task.id}: ${(lastProgress = note)}`);
                return undefined;
            }
            return current;
        }, { timeoutMs: settings.importTimeoutMs, intervalMs: settings.pollIntervalMs, signal: ctx.signal });
        // Whatever its outcome, the task has ended: there is nothing left to cancel.
        ended = true;
        ctx.pending.remove(task);
        if (detail.Status !== 'completed' || !detail.SnapshotId) {
            throw new UploadError(`Import task ${task.id} for ${image.file} in ${region} ended ${detail.Status}: ${detail.StatusMessage ?? 'no message'}.`, {
                hint: 'Check the vmimport service role and that the bucket is in the same region; re-run the job.',
            });
        }
        return detail.SnapshotId;
    }
    catch (error) {
        if (!ended) {
            await ec2.send(new client_ec2_dist_cjs/* CancelImportTaskCommand */.GUY({ ImportTaskId: task.id })).then(() => ctx.pending.remove(task), (cancelError) => log.warning(`Could not cancel import task ${task.id}: ${describeError(cancelError)}`, 'fedimg upload'));
        }
        throw error;
    }
}
/** Stages the raw disk in S3 and imports it; the staging object is deleted whatever happens. */
async function importFromS3(image, ctx, token, local) {
    const { log, region } = ctx;
    const bucket = ctx.settings.s3Bucket;
    if (!bucket)
        throw new InputError('upload-method import-snapshot needs s3-bucket.', {
            hint: 'Name a bucket in the base region that the vmimport role can read.',
        });
    const where = { bucket, key: stagingKey(image) };
    const object = { kind: 's3-object', region, ...where };
    const ec2 = ctx.clients.ec2(region);
    ctx.pending.add(object);
    try {
        await stageInS3(image, ctx, local, where);
        const tags = imageTags(image, { [TAG.name]: image.name, [TAG.uploadToken]: token });
        const snapshotId = await runImportTask(image, ctx, where, token, tags);
        // AWS tags the import task only: the snapshot it made gets fedimg's tags now.
        await ec2.send(new client_ec2_dist_cjs/* CreateTagsCommand */.RmG({ Resources: [snapshotId], Tags: tags }));
        return { snapshotId, volumeSize: await snapshotSize(ec2, snapshotId), reused: false };
    }
    catch (error) {
        throw uploadFailure(error, image, ctx, `The staging object s3://${where.bucket}/${where.key}`);
    }
    finally {
        await ctx.clients
            .s3(region)
            .send(new client_s3_dist_cjs.DeleteObjectCommand({ Bucket: where.bucket, Key: where.key }))
            .then(() => ctx.pending.remove(object), (error) => log.warning(`Could not delete s3://${where.bucket}/${where.key}: ${describeError(error)}; the post step will try again.`, 'fedimg upload'));
    }
}

;// CONCATENATED MODULE: ./src/upload/index.ts





/**
 * A completed snapshot holding the image: an existing one from an earlier run with the same
 * settings, or a new upload by the configured method. Nothing half-done survives a failure.
 */
async function ensureSnapshot(image, ctx) {
    const token = uploadToken(image, ctx.settings);
    const existing = await snapshotsByUploadToken(ctx.clients.ec2(ctx.region), image.sha256, token);
    const completed = existing.find((snapshot) => snapshot.State === 'completed');
    if (completed) {
        ctx.log.info(`${image.arch}: reusing snapshot ${completed.SnapshotId} in ${ctx.region}, uploaded earlier from the same image.`);
        return { snapshotId: completed.SnapshotId, volumeSize: completed.VolumeSize, reused: true };
    }
    for (const failed of existing.filter((snapshot) => snapshot.State === 'error')) {
        ctx.log.info(`${image.arch}: deleting snapshot ${failed.SnapshotId} left in error by an earlier run.`);
        await removeUnfinished(ctx, failed.SnapshotId);
    }
    const local = await ctx.cache?.open(image, ctx.log);
    try {
        const outcome = ctx.settings.method === 'ebs-direct'
            ? await uploadDirect(image, ctx, token, local)
            : await importFromS3(image, ctx, token, local);
        if (local)
            await ctx.cache.save(image, local, ctx.log);
        return outcome;
    }
    catch (error) {
        if (local)
            await ctx.cache.discard(local);
        throw error;
    }
}

;// CONCATENATED MODULE: ./src/stages/import.ts







/**
 * Streams each image into one snapshot in the base region and registers every flavour from it.
 * Re-running finds the snapshot and the AMIs of an earlier run and creates nothing new.
 */
async function runImport(settings, log, deps = {}) {
    const shape = {
        name: 'import',
        concurrency: settings.upload.concurrency,
        blockTimeoutMs: settings.upload.blockTimeoutMs,
        showNotes: true,
        skipped: (plan) => ({
            composeId: plan.composeId,
            skipped: true,
            reason: plan.reason,
            imported: [],
            amis: {},
        }),
    };
    return openStage(settings, log, deps, shape, async ({ plan, clients, pending, events }) => {
        plannedNames(plan, settings); // invalid names stop the run before any upload
        const imageCache = deps.imageCache ?? (settings.upload.imageCache ? actionsImageCache() : undefined);
        const region = settings.baseRegion;
        const imported = [];
        for (const image of plan.images) {
            events.emit('image.upload', 'started', image, region, { vol_type: settings.flavours[0]?.volumeType });
            try {
                // Each phase in its own log group: the upload, then the registration of every flavour.
                const snapshot = await log.group(`Upload ${image.file} to ${region} (${settings.upload.method})`, () => ensureSnapshot(image, {
                    clients,
                    region,
                    log,
                    pending,
                    settings: settings.upload,
                    policy: settings.policy,
                    decoder: settings.decoder,
                    signal: deps.signal,
                    cache: imageCache,
                }));
                const amis = await log.group(`Register ${settings.flavours.length} flavour(s) of ${image.file}`, () => registerFlavours(image, { id: snapshot.snapshotId, volumeSize: snapshot.volumeSize }, settings.flavours, {
                    ec2: clients.ec2(region),
                    region,
                    log,
                    nameTemplate: settings.nameTemplate,
                    pollIntervalMs: settings.upload.pollIntervalMs,
                    imageTimeoutMs: 30 * 60_000,
                    signal: deps.signal,
                }));
                for (const ami of amis) {
                    events.emit('image.upload', 'completed', image, region, {
                        id: ami.imageId,
                        vol_type: ami.volumeType,
                        flavour: ami.flavour,
                    });
                }
                imported.push({ image, snapshotId: snapshot.snapshotId, snapshotReused: snapshot.reused, amis });
            }
            catch (error) {
                events.emit('image.upload', 'failed', image, region, { error: describeError(error) });
                throw error;
            }
        }
        return {
            composeId: plan.composeId,
            skipped: false,
            reason: undefined,
            imported,
            amis: amisOutput(imported),
        };
    });
}
/** image name → flavour → {ami, snapshot, region, name}: the `amis` output. */
function amisOutput(imported) {
    const amis = {};
    for (const entry of imported) {
        amis[entry.image.name] = Object.fromEntries(entry.amis.map((ami) => [
            ami.flavour,
            { ami: ami.imageId, snapshot: ami.snapshotId, region: ami.region, name: ami.name },
        ]));
    }
    return amis;
}
function importTable(result, region) {
    return {
        title: `fedimg import — ${result.composeId || 'direct image'} into ${region}`,
        header: ['Image', 'Flavour', 'AMI', 'Name', 'Snapshot', 'Region', 'Status'],
        rows: result.imported.flatMap((entry) => entry.amis.map((ami) => [
            entry.image.file,
            ami.flavour,
            ami.imageId,
            ami.name,
            ami.snapshotId,
            ami.region,
            ami.reused ? 'existing' : 'registered',
        ])),
        note: result.skipped ? `Nothing to do: ${result.reason}.` : undefined,
    };
}
const importStage = defineStage({
    name: 'import',
    about: 'stream each image into an EBS snapshot and register its AMI flavours',
    compose: 'required',
    reads: [...COMPOSE_STAGE_READS, 'upload', 'decoder'],
    inRun: true,
    run: runImport,
    table: (result, settings) => importTable(result, settings.baseRegion),
    outputsBefore: eventsFileOutput,
    outputs: (result) => ({
        amis: JSON.stringify(result.amis),
        'compose-id': result.composeId,
        skipped: String(result.skipped),
    }),
});

;// CONCATENATED MODULE: ./src/aws/marketplace.ts


/** The Marketplace Catalog calls the marketplace stage makes; the catalog is always AWSMarketplace. */
const CATALOG = 'AWSMarketplace';
const RUNNING = new Set(['PREPARING', 'APPLYING']);
// DescribeEntity's Details is a JSON document Marketplace writes: parsed, never trusted blindly.
const productDocument = schemas/* object */.Ikc({
    Versions: schemas/* array */.YOg(schemas/* object */.Ikc({
        VersionTitle: schemas/* string */.YjP(),
        CreationDate: schemas/* string */.YjP().optional(),
        Sources: schemas/* array */.YOg(schemas/* object */.Ikc({ Image: schemas/* string */.YjP().optional() }).passthrough()).optional(),
        DeliveryOptions: schemas/* array */.YOg(schemas/* object */.Ikc({ Id: schemas/* string */.YjP(), Visibility: schemas/* string */.YjP().optional() }).passthrough())
            .optional(),
    })
        .passthrough())
        .optional(),
})
    .passthrough();
async function productVersions(client, productId) {
    const entity = await client.send(new client_marketplace_catalog_dist_cjs/* DescribeEntityCommand */.s92({ Catalog: CATALOG, EntityId: productId }));
    const parsed = productDocument.safeParse(entity.DetailsDocument ?? JSON.parse(entity.Details ?? '{}'));
    if (!parsed.success)
        return [];
    return (parsed.data.Versions ?? []).map((version) => ({
        title: version.VersionTitle,
        created: version.CreationDate,
        amis: (version.Sources ?? []).flatMap((source) => (source.Image ? [source.Image] : [])),
        deliveryOptions: (version.DeliveryOptions ?? []).map((option) => ({
            id: option.Id,
            visibility: option.Visibility ?? 'Public',
        })),
    }));
}
const summaryOf = (item) => ({
    id: item.ChangeSetId ?? '',
    name: item.ChangeSetName ?? '',
    status: item.Status,
    start: item.StartTime,
    end: item.EndTime,
});
/** Every change set of a product that `filters` select (ListChangeSets, all pages). */
async function changeSetsOf(client, productId, filters = []) {
    const found = [];
    const pages = (0,client_marketplace_catalog_dist_cjs/* paginateListChangeSets */.N8l)({ client }, { Catalog: CATALOG, FilterList: [{ Name: 'EntityId', ValueList: [productId] }, ...filters] });
    for await (const page of pages)
        found.push(...(page.ChangeSetSummaryList ?? []).map(summaryOf));
    return found;
}
/** Change sets of this product with this name (fedimg names its change sets by compose and arch). */
const changeSetsNamed = (client, productId, name) => changeSetsOf(client, productId, [{ Name: 'ChangeSetName', ValueList: [name] }]);
/** StartChangeSet with AddDeliveryOptions: one version, one AMI delivery option. */
async function startAddVersion(client, version) {
    const started = await client.send(new client_marketplace_catalog_dist_cjs/* StartChangeSetCommand */.WlP({
        Catalog: CATALOG,
        ChangeSetName: version.name,
        ClientRequestToken: version.token,
        Intent: version.validateOnly ? 'VALIDATE' : 'APPLY',
        ChangeSet: [
            {
                ChangeType: 'AddDeliveryOptions',
                Entity: { Type: 'AmiProduct@1.0', Identifier: version.productId },
                DetailsDocument: {
                    Version: { VersionTitle: version.title, ReleaseNotes: version.releaseNotes },
                    DeliveryOptions: [
                        {
                            Details: {
                                AmiDeliveryOptionDetails: {
                                    AmiSource: {
                                        AmiId: version.amiId,
                                        AccessRoleArn: version.accessRoleArn,
                                        UserName: version.user,
                                        OperatingSystemName: version.osName,
                                        OperatingSystemVersion: version.osVersion,
                                        ScanningPort: version.scanningPort,
                                    },
                                    UsageInstructions: version.usageInstructions,
                                    RecommendedInstanceType: version.instanceType,
                                    SecurityGroups: [
                                        {
                                            IpProtocol: 'tcp',
                                            FromPort: version.scanningPort,
                                            ToPort: version.scanningPort,
                                            IpRanges: ['0.0.0.0/0'],
                                        },
                                    ],
                                },
                            },
                        },
                    ],
                },
            },
        ],
    }));
    return started.ChangeSetId;
}
/** RestrictDeliveryOptionsChangeDetail takes 1 to 50 IDs; a change set 1 to 20 changes. */
const RESTRICT_PER_CHANGE = 50;
const CHANGES_PER_SET = 20;
/** StartChangeSet with RestrictDeliveryOptions: up to 1000 IDs, 50 to a change. */
async function startRestrict(client, productId, deliveryOptionIds, name, token) {
    if (deliveryOptionIds.length > RESTRICT_PER_CHANGE * CHANGES_PER_SET)
        throw new Error(`one change set restricts at most ${RESTRICT_PER_CHANGE * CHANGES_PER_SET} delivery options`);
    const changes = [];
    for (let start = 0; start < deliveryOptionIds.length; start += RESTRICT_PER_CHANGE)
        changes.push({
            ChangeType: 'RestrictDeliveryOptions',
            Entity: { Type: 'AmiProduct@1.0', Identifier: productId },
            DetailsDocument: { DeliveryOptionIds: deliveryOptionIds.slice(start, start + RESTRICT_PER_CHANGE) },
        });
    const started = await client.send(new client_marketplace_catalog_dist_cjs/* StartChangeSetCommand */.WlP({
        Catalog: CATALOG,
        ChangeSetName: name,
        ClientRequestToken: token,
        ChangeSet: changes,
    }));
    return started.ChangeSetId;
}
function safeJson(text) {
    try {
        return text ? JSON.parse(text) : undefined;
    }
    catch {
        return undefined;
    }
}
async function changeSet(client, id) {
    const described = await client.send(new client_marketplace_catalog_dist_cjs/* DescribeChangeSetCommand */.TTT({ Catalog: CATALOG, ChangeSetId: id }));
    const titles = (described.ChangeSet ?? []).flatMap((change) => {
        const document = (change.DetailsDocument ?? safeJson(change.Details));
        const title = document?.Version?.VersionTitle;
        return change.ChangeType === 'AddDeliveryOptions' && typeof title === 'string' ? [title] : [];
    });
    return {
        id,
        name: described.ChangeSetName ?? '',
        status: described.Status,
        end: described.EndTime,
        titles,
        errors: (described.ChangeSet ?? []).flatMap((change) => (change.ErrorDetailList ?? []).map((detail) => ({
            code: detail.ErrorCode ?? 'ERROR',
            message: detail.ErrorMessage ?? '',
        }))),
        failure: described.FailureDescription ?? described.FailureCode,
    };
}
const isProductLocked = (error) => error?.name === 'ResourceInUseException';

;// CONCATENATED MODULE: ./src/marketplace/findings.ts



/**
 * A FAILED change set's ErrorMessage can be a URL to a JSON list of scan findings instead of a
 * sentence. AWS's documents do not say so; release-engineering/cloudpub, which publishes Red Hat's
 * AMIs, has fetched such URLs since 2024-09. fedimg fetches one only from AWS (https on an
 * amazonaws.com host) or from the Catalog endpoint the run is configured with (AWS_ENDPOINT_URL…,
 * a stand-in for AWS), with a size cap and a timeout, and shows what it lists.
 */
const MAX_FINDINGS_BYTES = 1024 * 1024;
const findingsDocument = schemas/* array */.YOg(schemas/* object */.Ikc({ ErrorCode: schemas/* string */.YjP().max(200).optional(), ErrorMessage: schemas/* string */.YjP().max(4000) }).passthrough())
    .max(200);
function configuredEndpoint(env) {
    const value = env.AWS_ENDPOINT_URL_MARKETPLACE_CATALOG ?? env.AWS_ENDPOINT_URL;
    try {
        return value ? new URL(value) : undefined;
    }
    catch {
        return undefined;
    }
}
/** The URL when it is one fedimg may fetch findings from, else undefined. */
function findingsUrl(message, env = process.env) {
    if (!/^https?:\/\/\S+$/.test(message.trim()))
        return undefined;
    const url = new URL(message.trim());
    if (url.protocol === 'https:' && /(^|\.)amazonaws\.com$/i.test(url.hostname))
        return url;
    const endpoint = configuredEndpoint(env);
    return endpoint && endpoint.origin === url.origin ? url : undefined;
}
/** Each detail, with a findings URL replaced by the findings it lists (or kept, saying why). */
async function expandFindings(details) {
    const expanded = [];
    for (const detail of details) {
        const url = findingsUrl(detail.message);
        if (!url) {
            expanded.push(detail);
            continue;
        }
        try {
            const text = await fetchText(url, { allowedHosts: [url.host.toLowerCase()], allowHttp: url.protocol === 'http:' }, { what: 'scan findings', maxBytes: MAX_FINDINGS_BYTES, timeoutMs: 10_000, host: 'the findings host' });
            const findings = findingsDocument.parse(JSON.parse(text ?? '[]'));
            expanded.push(...findings.map((finding) => ({
                code: finding.ErrorCode ?? detail.code,
                message: finding.ErrorMessage,
            })));
        }
        catch (error) {
            expanded.push({ ...detail, message: `${detail.message} (could not be read: ${describeError(error)})` });
        }
    }
    return expanded;
}

;// CONCATENATED MODULE: ./src/marketplace/change-sets.ts





/**
 * A change set started under `name`: the one still running (waited for, never started twice), or a
 * new one. A token tells AWS a repeated start is the same request (two runs at once get one set);
 * it counts the sets of this name that already FAILED or were CANCELLED, so a re-run after fixing
 * the cause starts a new set instead of being handed the failed one back.
 */
async function startOrFind(client, product, name, identity, start, waiting, log) {
    const sets = await changeSetsNamed(client, product, name);
    const running = sets.find((set) => RUNNING.has(set.status));
    if (running)
        return { id: running.id, running: true };
    const ended = sets.filter((set) => set.status === 'FAILED' || set.status === 'CANCELLED').length;
    const token = (0,external_node_crypto_.createHash)('sha256').update(`${identity}|attempt ${ended}`).digest('hex').slice(0, 32);
    const id = await untilUnlocked(() => start(token), product, waiting, log);
    return { id, running: false };
}
/** StartChangeSet, waiting out another change set that holds the product (ResourceInUseException). */
async function untilUnlocked(start, product, waiting, log) {
    const deadline = Date.now() + waiting.waitMs;
    for (;;) {
        try {
            return await start();
        }
        catch (error) {
            if (!isProductLocked(error))
                throw error;
            if (Date.now() >= deadline)
                throw new MarketplaceError(`Product ${product} stayed locked by another change set for the whole wait (${describeError(error)}).`, {
                    hint: 'Let that change set finish (or cancel it in the AWS Marketplace Management Portal), then re-run.',
                });
            log.info(`Product ${product} is locked by another change set; waiting (${describeError(error)}).`);
            waiting.signal?.throwIfAborted();
            await defaultSleep(Math.min(waiting.pollIntervalMs, Math.max(0, deadline - Date.now())));
        }
    }
}
/**
 * Looks at a change set until it ends or the wait is over: 'succeeded', or 'running' (it goes on
 * without fedimg; a later run observes it). FAILED and CANCELLED become an error listing AWS's
 * details, scan findings behind a URL included.
 */
async function awaitChangeSet(client, id, where, waiting) {
    const deadline = Date.now() + waiting.waitMs;
    let interval = Math.min(250, waiting.pollIntervalMs);
    for (;;) {
        waiting.signal?.throwIfAborted();
        const view = await changeSet(client, id);
        if (view.status === 'SUCCEEDED')
            return 'succeeded';
        if (!RUNNING.has(view.status))
            throw await changeSetFailure(view, where);
        if (Date.now() >= deadline)
            return 'running';
        await defaultSleep(Math.min(interval, Math.max(0, deadline - Date.now())));
        interval = Math.min(waiting.pollIntervalMs, interval * 2);
    }
}
/** A FAILED or CANCELLED change set as an error naming what AWS lists. */
async function changeSetFailure(view, where) {
    const details = await expandFindings(view.errors);
    const listed = details.map((detail) => `${detail.code}: ${detail.message}`);
    return new MarketplaceError(`Change set ${view.id} of ${where} ended ${view.status}${view.failure ? ` (${view.failure})` : ''}${listed.length ? `:\n  ${listed.join('\n  ')}` : '.'}`, {
        hint: view.status === 'CANCELLED'
            ? 'Someone cancelled it; re-run the marketplace job to submit it again.'
            : 'Nothing was added. Fix what AWS lists (the access role, the AMI, a field), then re-run the marketplace job: it submits a new change set.',
    });
}

;// CONCATENATED MODULE: ./src/marketplace/restrict.ts


const waitingOf = (options, signal) => ({
    waitMs: options.waitMs,
    pollIntervalMs: options.pollIntervalMs,
    signal,
});
/**
 * Restricts the delivery options of the versions older than `title` that are still open to new
 * buyers, once `title` is in the product: idempotent, so whichever run sees the version SUCCEEDED
 * does it (AWS: at least one version must stay available; the new one does).
 */
async function restrictEarlier(client, product, title, name, waiting, log) {
    const versions = await productVersions(client, product);
    const added = versions.find((version) => version.title === title);
    if (!added)
        return '';
    const earlier = versions.filter((version) => version !== added && !(version.created && added.created && version.created > added.created));
    const open = earlier
        .flatMap((version) => version.deliveryOptions)
        .filter((option) => option.visibility !== 'Restricted')
        .map((option) => option.id)
        .sort();
    if (open.length === 0)
        return '';
    const ids = open.slice(0, 1000); // one change set's worth; a later run takes the rest
    const { id } = await startOrFind(client, product, name, `${product}|${name}|${ids.join(',')}`, (token) => startRestrict(client, product, ids, name, token), waiting, log);
    const outcome = await awaitChangeSet(client, id, `product ${product}`, waiting);
    const what = `${ids.length} earlier delivery option(s)`;
    log.info(`Product ${product}: ${outcome === 'succeeded' ? 'restricted' : 'restricting'} ${what} (${id}).`);
    return outcome === 'succeeded' ? `restricted ${what}` : `restricting ${what} in change set ${id}`;
}

;// CONCATENATED MODULE: ./src/marketplace/observe.ts





/** How far back an observing run looks: change sets started in the last 14 days. */
const OBSERVED_DAYS = 14;
/** Ended change sets are reported once a day: those that ended in the last 26 hours. */
const RECENT_MS = 26 * 3600_000;
/**
 * With no compose: the state of fedimg's change sets of every configured product (the daily
 * lifecycle workflow runs this). Running ones are listed; the ones that ended since the day before
 * are reported, a SUCCEEDED one's earlier versions restricted when asked, and a FAILED or CANCELLED
 * one fails the run with AWS's details.
 */
async function observe(settings, log, deps) {
    const options = settings.marketplace;
    const clients = deps.clients ?? new AwsClients({ concurrency: 1 });
    const client = clients.catalog();
    const waiting = waitingOf(options, deps.signal);
    const rows = [];
    const failures = [];
    const since = new Date(Date.now() - OBSERVED_DAYS * 86_400_000).toISOString();
    try {
        for (const [arch, product] of Object.entries(options.products)) {
            const sets = (await changeSetsOf(client, product, [{ Name: 'AfterStartTime', ValueList: [since] }]))
                .filter((set) => /^fedimg \S+ \S+ apply$/.test(set.name))
                .sort((a, b) => (b.start ?? '').localeCompare(a.start ?? ''));
            const latest = new Map();
            for (const set of sets)
                if (!latest.has(set.name))
                    latest.set(set.name, set);
            for (const set of latest.values()) {
                const row = { arch, product, amiId: '', version: '', changeSet: set.id, note: set.name };
                if (RUNNING.has(set.status)) {
                    rows.push({ ...row, state: 'submitted' });
                    continue;
                }
                if (!set.end || Date.parse(set.end) < Date.now() - RECENT_MS)
                    continue;
                const view = await changeSet(client, set.id);
                const title = view.titles[0] ?? '';
                if (view.status === 'SUCCEEDED') {
                    const restrictName = set.name.replace(/ apply$/, ' restrict');
                    const note = options.restrictPrevious && !options.validateOnly
                        ? await restrictEarlier(client, product, title, restrictName, waiting, log)
                        : '';
                    rows.push({ ...row, version: title, state: 'added', note });
                }
                else {
                    failures.push(await changeSetFailure(view, `product ${product} (${arch})`));
                    rows.push({ ...row, version: title, state: 'failed' });
                }
            }
        }
    }
    finally {
        if (!deps.clients)
            clients.destroy();
    }
    const result = { composeId: '', skipped: false, rows };
    await deps.onResult?.(result);
    if (failures.length > 0)
        throw new MarketplaceError(failures.map((failure) => failure.message).join('\n'), {
            hint: failures[0].hint,
        });
    return result;
}

;// CONCATENATED MODULE: ./src/marketplace/version.ts




/**
 * AWS's limits on a new AMI version (the AmiProduct_1_0 change-type shapes AWS publishes in
 * awslabs/aws-marketplace-catalog-api-shapes-for-python: AddVersion, AmiSource,
 * AddAmiDeliveryOptionDetails), checked before StartChangeSet so a version AWS cannot take is
 * never submitted. Each names AWS's field.
 */
const BLANK_START = /^\s/;
const LIMITS = [
    { field: 'Version.VersionTitle', value: (v) => v.title, max: 64 },
    { field: 'Version.ReleaseNotes', value: (v) => v.releaseNotes, max: 30000 },
    { field: 'AmiDeliveryOptionDetails.UsageInstructions', value: (v) => v.usageInstructions, max: 4000 },
    { field: 'AmiSource.OperatingSystemName', value: (v) => v.osName, max: 100 },
    { field: 'AmiSource.OperatingSystemVersion', value: (v) => v.osVersion, max: 100 },
];
function checkNewVersion(version, where) {
    const problems = [];
    for (const { field, value, max } of LIMITS) {
        const text = value(version);
        if (text.length === 0 || BLANK_START.test(text))
            problems.push(`${field} must start with a non-blank character`);
        else if (text.length > max)
            problems.push(`${field} has ${text.length} characters; AWS takes at most ${max}`);
    }
    if (!USER_NAME.test(version.user))
        problems.push(`AmiSource.UserName "${version.user}" does not match ${USER_NAME.source}`);
    if (!ACCESS_ROLE_ARN.test(version.accessRoleArn))
        problems.push(`AmiSource.AccessRoleArn must be an IAM role ARN of the aws partition`);
    if (!INSTANCE_TYPE.test(version.instanceType))
        problems.push(`RecommendedInstanceType "${version.instanceType}" does not match ${INSTANCE_TYPE.source}`);
    if (problems.length > 0)
        throw new MarketplaceError(`The new version of ${where} is not one AWS takes: ${problems.join('; ')}.`, {
            hint: 'Shorten or correct the marketplace-* input behind each field; nothing was submitted.',
        });
}
/** "Beta" for a Beta compose, empty for a GA one: the {milestone} of the version title. */
function milestone(image) {
    return composeKind(image) === 'beta' ? parseComposeLabel(image.label).name : '';
}
/** A template filled for one image: {release}, {compose_id}, {arch}, {label}, {milestone}. */
function fill(template, image) {
    return template
        .replaceAll('{release}', image.release)
        .replaceAll('{compose_id}', image.compose_id)
        .replaceAll('{arch}', image.arch)
        .replaceAll('{label}', image.label)
        .replaceAll('{milestone}', milestone(image));
}
/** The version title: a GA's empty {milestone} leaves no double or trailing space. */
const versionTitle = (template, image) => fill(template, image).replace(/ {2,}/g, ' ').trim();
/** The version fedimg asks AWS to add for `image`, its AMI and its change set's name and token. */
function newVersion(options, image, amiId, name, token) {
    return {
        productId: options.products[image.arch],
        name,
        token,
        validateOnly: options.validateOnly,
        title: versionTitle(options.versionTitle, image),
        releaseNotes: fill(options.releaseNotes, image),
        amiId,
        accessRoleArn: options.accessRoleArn,
        user: options.user,
        osName: options.osName,
        osVersion: fill(options.osVersion, image),
        scanningPort: options.scanningPort,
        usageInstructions: options.usageInstructions,
        instanceType: options.instanceTypes[image.arch],
    };
}

;// CONCATENATED MODULE: ./src/report/manifest.ts




function buildManifest(rows) {
    const records = new Map();
    for (const row of rows) {
        if (!row.imageId)
            continue;
        // One record per image: its file and arch (two arches' files never share a record, even when
        // their bytes are the same, as tiny test images can be).
        const key = `${row.image.arch}/${row.image.file}/${row.image.sha256}`;
        let record = records.get(key);
        if (!record) {
            record = {
                architecture: row.image.arch,
                compose_id: row.image.compose_id,
                image_name: '',
                regions: {},
                release: releaseNumber(row.image) ?? null,
                release_name: releaseName(row.image.release),
                subvariant: row.image.subvariant,
                source: { file: row.image.file, url: row.image.url, sha256: row.image.sha256 },
                flavours: {},
            };
            records.set(key, record);
        }
        if (row.isDefaultFlavour) {
            record.image_name = row.name;
            record.regions[row.region] = row.imageId;
        }
        const flavour = (record.flavours[row.flavour] ??= {
            name: row.name,
            volume_type: row.volumeType,
            boot_mode: row.bootMode,
            regions: {},
        });
        flavour.regions[row.region] = {
            ami: row.imageId,
            snapshots: row.snapshotIds,
            public: row.public === 'yes',
            deprecation_time: row.deprecationTime ?? null,
            architecture: row.architecture,
            boot_mode: row.bootMode,
            ena_support: row.enaSupport,
            imds_support: row.imdsSupport,
            tpm_support: row.tpmSupport,
            volume_type: row.volumeType,
            volume_size: row.volumeSize,
        };
    }
    const images = [...records.values()].map((record) => ({
        ...record,
        regions: Object.fromEntries(Object.entries(record.regions).sort()),
    }));
    return { compose_id: images[0]?.compose_id ?? '', generated_at: new Date().toISOString(), images };
}
/** Writes the manifest as a release publishes it: no account data in any string (see redact.ts). */
function writeManifest(path, manifest) {
    (0,external_node_fs_.writeFileSync)(path, `${JSON.stringify(redactValue(manifest), null, 2)}\n`);
}
/**
 * Records each architecture's Marketplace version in the manifest the verify stage wrote, when there
 * is one for this compose (the release attaches it); a missing or other compose's manifest is left.
 */
function recordMarketplace(path, composeId, versions) {
    let manifest;
    try {
        manifest = JSON.parse((0,external_node_fs_.readFileSync)(path, 'utf8'));
    }
    catch {
        return false;
    }
    if (manifest.compose_id !== composeId || !Array.isArray(manifest.images))
        return false;
    for (const record of manifest.images) {
        const entry = versions.find((version) => version.arch === record.architecture);
        if (entry)
            record.marketplace = {
                product: entry.product,
                version: entry.version,
                change_set: entry.changeSet,
                state: entry.state,
                ami: entry.amiId,
            };
    }
    writeManifest(path, manifest);
    return true;
}

;// CONCATENATED MODULE: ./src/stages/marketplace.ts












/** Where AWS Marketplace ingests AMIs from. */
const MARKETPLACE_REGION = 'us-east-1';
/** Why a compose gets no Marketplace version, or undefined when it does. */
function notForMarketplace(image, options) {
    const kind = composeKind(image);
    if (kind === 'ga' || (kind === 'beta' && options.includeBeta))
        return undefined;
    return kind === 'beta'
        ? 'a Beta compose (set marketplace-include-beta to publish Betas)'
        : `a ${kind} compose, not a release`;
}
/** An AccessDenied for iam:PassRole: the publish role may not hand the access role to Marketplace. */
function passRoleRefusal(error, options) {
    if (!isUnauthorized(error) || !/iam:PassRole/.test(describeError(error)))
        return undefined;
    return new MarketplaceError(`AWS refused to let the role fedimg runs as pass the access role ${options.accessRoleArn} to AWS Marketplace (iam:PassRole): ${describeError(error)}.`, {
        hint: 'Grant iam:PassRole on that role for assets.marketplace.amazonaws.com, as the MarketplacePassOnlyTheAccessRoleToMarketplace statement of docs/iam-policy.json does.',
        cause: error,
    });
}
async function addVersion(settings, image, client, amiId, log, signal) {
    const options = settings.marketplace;
    const product = options.products[image.arch];
    const where = `product ${product} (${image.arch})`;
    const intent = options.validateOnly ? 'validate' : 'apply';
    const name = `fedimg ${image.compose_id} ${image.arch} ${intent}`;
    const version = newVersion(options, image, amiId, name, '');
    checkNewVersion(version, where);
    const row = { arch: image.arch, product, amiId, version: version.title, changeSet: '' };
    const waiting = waitingOf(options, signal);
    const restrictName = `fedimg ${image.compose_id} ${image.arch} restrict`;
    const restrict = () => options.restrictPrevious && !options.validateOnly
        ? restrictEarlier(client, product, version.title, restrictName, waiting, log)
        : Promise.resolve('');
    if ((await productVersions(client, product)).some((existing) => existing.title === version.title)) {
        log.info(`${where} already has the version "${version.title}"; nothing to add.`);
        return { ...row, state: 'already-there', note: await restrict() };
    }
    const { id, running } = await startOrFind(client, product, name, `${product}|${name}|${version.title}|${amiId}`, (token) => startAddVersion(client, { ...version, token }), waiting, log);
    log.info(`${where}: change set ${id} ${running ? '(already running) ' : ''}adds "${version.title}" with ${amiId}.`);
    if ((await awaitChangeSet(client, id, where, waiting)) === 'running') {
        log.notice(`${where}: change set ${id} is still running after ${Math.round(options.waitMs / 60_000)} min (AWS Marketplace scans the AMI, which can take hours). It is recorded as submitted; a re-run of this job, or the daily lifecycle workflow, reports how it ends${options.restrictPrevious ? ' and then restricts the earlier versions' : ''}.`, 'fedimg marketplace');
        return { ...row, changeSet: id, state: 'submitted', note: 'AWS Marketplace is still scanning' };
    }
    if (options.validateOnly)
        return { ...row, changeSet: id, state: 'validated', note: '' };
    return { ...row, changeSet: id, state: 'added', note: await restrict() };
}
/**
 * The marketplace stage: for a release compose, a new version of each architecture's AMI product
 * with the published, boot-tested AMI in us-east-1, waited for a bounded time; without a compose,
 * what became of fedimg's earlier change sets. Re-runs add nothing twice (the version title, the
 * change set's name and its ClientRequestToken) and retry what failed; a nightly is skipped.
 */
async function runMarketplace(settings, log, deps = {}) {
    const shape = {
        name: 'marketplace',
        skipped: (plan) => ({
            composeId: plan.composeId,
            skipped: true,
            rows: [],
        }),
    };
    if (Object.keys(settings.marketplace.products).length === 0) {
        log.notice('marketplace-products is empty: no Marketplace product gets a version.', 'fedimg marketplace');
        const result = { composeId: '', skipped: true, rows: [] };
        await deps.onResult?.(result);
        return result;
    }
    if (settings.images.kind === 'none')
        return observe(settings, log, deps);
    return openStage(settings, log, deps, shape, async ({ plan, clients, events, report }) => {
        const options = settings.marketplace;
        const rows = [];
        const skip = (image, note) => rows.push({
            arch: image.arch,
            product: options.products[image.arch] ?? '',
            amiId: '',
            version: '',
            changeSet: '',
            state: 'skipped',
            note,
        });
        const ec2 = clients.ec2(MARKETPLACE_REGION);
        for (const image of plan.images) {
            const product = options.products[image.arch];
            if (!product) {
                skip(image, 'no product for this architecture (marketplace-products)');
                continue;
            }
            const why = notForMarketplace(image, options);
            if (why) {
                log.notice(`${image.name} is from ${why}: no Marketplace version.`, 'fedimg marketplace');
                skip(image, why);
                continue;
            }
            const amiId = await publishedAmi(settings, image, ec2);
            try {
                const row = await addVersion(settings, image, clients.catalog(), amiId, log, undefined);
                rows.push(row);
                if (row.state === 'added' || row.state === 'validated')
                    events.emit('image.marketplace', 'completed', image, MARKETPLACE_REGION, {
                        id: amiId,
                        product: row.product,
                        version: row.version,
                        change_set: row.changeSet,
                    });
            }
            catch (error) {
                const failure = passRoleRefusal(error, options) ?? error;
                events.emit('image.marketplace', 'failed', image, MARKETPLACE_REGION, {
                    id: amiId,
                    product,
                    error: describeError(failure),
                });
                if (failure instanceof FedimgError)
                    await report({ composeId: plan.composeId, skipped: false, rows });
                throw failure;
            }
        }
        const recorded = rows.filter((row) => row.state !== 'skipped');
        if (settings.manifestFile &&
            recorded.length > 0 &&
            recordMarketplace(settings.manifestFile, plan.composeId, recorded))
            log.info(`Marketplace versions recorded in ${settings.manifestFile}.`);
        return report({ composeId: plan.composeId, skipped: false, rows });
    });
}
/** The image's default-flavour AMI in us-east-1, which must be public and boot-tested. */
async function publishedAmi(settings, image, ec2) {
    const [expected] = await expectedAmis(ec2, MARKETPLACE_REGION, settings.baseRegion, [image], [settings.flavours[0]], settings.nameTemplate);
    const ami = expected?.found;
    const problem = !ami
        ? `has no AMI in ${MARKETPLACE_REGION}`
        : ami.Public !== true
            ? `AMI ${ami.ImageId} in ${MARKETPLACE_REGION} is not public`
            : imageVerdict([ami]) !== 'passed'
                ? `AMI ${ami.ImageId} has not passed its boot test`
                : undefined;
    if (problem)
        throw new MarketplaceError(`${image.name} ${problem}; fedimg adds to AWS Marketplace only the AMIs it published from ${MARKETPLACE_REGION}.`, {
            hint: settings.baseRegion === MARKETPLACE_REGION
                ? 'Run the publish stage first (and verify), then the marketplace stage.'
                : `The base region is ${settings.baseRegion}: include ${MARKETPLACE_REGION} in regions so copy and publish put the AMI there, then re-run.`,
        });
    return ami.ImageId;
}
function marketplaceTable(result) {
    const submitted = result.rows.some((row) => row.state === 'submitted');
    return {
        title: 'fedimg marketplace',
        header: ['Arch', 'Product', 'AMI', 'Version', 'Change set', 'State'],
        rows: result.rows.map((row) => [
            row.arch,
            row.product || '-',
            row.amiId || '-',
            row.version || '-',
            row.changeSet || '-',
            row.note ? `${row.state}: ${row.note}` : row.state,
        ]),
        note: result.skipped
            ? 'Nothing to do: no product configured, or the compose is not finished.'
            : submitted
                ? 'AWS Marketplace scans a new version before it is added, which can take hours: a submitted version is reported, and the earlier ones restricted when asked, by a re-run of this job or by the daily lifecycle workflow.'
                : undefined,
    };
}
const marketplaceStage = defineStage({
    name: 'marketplace',
    about: 'a new version of the AMI products for a GA compose; without one, report earlier versions',
    compose: 'optional',
    reads: [...COMPOSE_STAGE_READS, 'manifestFile', 'marketplace'],
    inRun: false,
    run: runMarketplace,
    table: (result) => marketplaceTable(result),
    outputsBefore: eventsFileOutput,
    outputs: (result) => ({
        marketplace: JSON.stringify(result.rows.map(({ arch, product, amiId, version, changeSet, state }) => ({
            arch,
            product,
            ami: amiId,
            version,
            change_set: changeSet,
            state,
        }))),
    }),
});

;// CONCATENATED MODULE: ./src/stages/plan.ts






/** Reads the compose metadata and decides which images this run publishes. Uploads nothing. */
async function runPlan(settings, log) {
    const { images } = settings;
    const where = images.kind === 'planned'
        ? `the plan's ${images.images.length} image(s)`
        : images.kind === 'none'
            ? '(no compose)'
            : images.request.kind === 'compose'
                ? images.request.location
                : images.request.url;
    const plan = await log.group(`Plan: ${where}`, async () => {
        const plan = await resolveImages(settings);
        for (const note of plan.notes)
            log.notice(note, 'fedimg plan');
        for (const image of plan.images) {
            log.info(`${image.arch}: ${image.file} (${image.size} bytes, sha256 ${image.sha256})`);
        }
        return plan;
    });
    // Names are checked now, before any upload: a template that yields an invalid name stops here.
    const names = plannedNames(plan, settings);
    // Regions are resolved now too, so the workflow can fan copies out from the plan and unknown
    // names fail before anything is uploaded. `all` needs AWS only to be expanded: without credentials
    // the plan still works and the copy stage expands it.
    let regions;
    if (!plan.skipped) {
        const clients = new AwsClients({ concurrency: 1 });
        try {
            regions = (await resolveRegions(clients.ec2(settings.baseRegion), settings.copy.regions, settings.baseRegion, log, 'plan')).regions;
        }
        catch (error) {
            const noCredentials = isMissingCredentials(error);
            if (!(noCredentials && settings.copy.regions.includes('all')))
                throw error;
            log.notice('No AWS credentials: regions "all" is left for the copy stage to expand.', 'fedimg plan');
        }
        finally {
            clients.destroy();
        }
    }
    const include = plan.images.map((image) => ({ ...image, ami_name: defaultAmiName(image, settings) }));
    if (plan.skipped) {
        log.notice(`Nothing was done: ${plan.reason}.`, 'fedimg plan');
    }
    else if (plan.images.length === 0) {
        log.notice(`Compose ${plan.composeId || '(direct image)'} has nothing to publish: no image matches the selection.`, 'fedimg plan');
    }
    else {
        log.info(`Compose ${plan.composeId || '(direct image)'}: ${plan.images.length} image(s) to publish as ${names.join(', ')}.`);
    }
    return { plan: { ...plan, images: include }, matrix: { include }, names, regions };
}
/** What happens to the image's AMIs over time, under the expiry policy. */
function expiryOf(image, policy) {
    const kind = composeKind(image);
    if (policy.expiringKinds.includes(kind))
        return `${kind}: deprecated after ${policy.deprecationDays} days, then removed by cleanup`;
    return policy.releaseDeprecationDays
        ? `${kind}: kept, deprecated after ${policy.releaseDeprecationDays} days`
        : `${kind}: kept`;
}
/** The plan as a table; rendered into the job summary by the action and as text by the CLI. */
function planTable(plan, policy) {
    return {
        title: `fedimg plan — ${plan.composeId || 'direct image'} (${plan.status})`,
        header: ['Image', 'AMI name', 'Expiry', 'Arch', 'EC2 arch', 'Subvariant', 'Size (bytes)', 'sha256'],
        rows: plan.images.map((image) => [
            image.file,
            image.ami_name ?? '',
            expiryOf(image, policy),
            image.arch,
            image.ec2_arch,
            image.subvariant,
            String(image.size),
            image.sha256,
        ]),
        note: plan.skipped
            ? `Nothing to do: ${plan.reason}.`
            : plan.images.length === 0
                ? 'Nothing to publish: no image of this compose matches the selection (subvariants, architectures).'
                : undefined,
    };
}
const planStage = defineStage({
    name: 'plan',
    about: "read the compose's metadata and pick the images (uploads nothing)",
    compose: 'required',
    reads: [...COMPOSE_STAGE_READS, 'copy', 'publish', 'upload'],
    inRun: true,
    run: (settings, log) => runPlan(settings, log),
    table: (result, settings) => planTable(result.plan, settings.publish),
    outputs: ({ plan, matrix, regions }) => ({
        images: JSON.stringify(matrix),
        ...(regions ? { regions: JSON.stringify({ region: regions }) } : {}),
        'image-count': String(plan.images.length),
        'compose-id': plan.composeId,
        status: plan.status,
        skipped: String(plan.skipped),
    }),
});

;// CONCATENATED MODULE: ./src/stages/publish.ts








const NEXT_STEP = {
    missing: 'Run the import and copy jobs for the regions named (finished work is reused), then re-run publish.',
    untested: 'Run the boot test (or fix the image and re-run it); an AMI that has not passed is never made public.',
    account: 'Fix the account settings named above, then re-run the publish job.',
};
/** The next steps for these problems, the most basic first (nothing to publish before settings matter). */
function publishHint(problems) {
    const kinds = new Set(problems.map((problem) => problem.kind));
    return ['missing', 'untested', 'account']
        .filter((kind) => kinds.has(kind))
        .map((kind) => NEXT_STEP[kind])
        .join(' ');
}
/** Every check that can stop publishing in a region, each problem with the fix for the account. */
async function preflight(settings, clients, region, amis) {
    const ec2 = clients.ec2(region);
    const problems = [];
    const problem = (kind, text) => problems.push({ kind, text });
    for (const ami of amis) {
        const siblings = amis.filter((other) => other.image === ami.image);
        const verdict = imageVerdict(siblings.map((other) => other.found));
        if (!ami.found?.ImageId)
            problem('missing', `${ami.name} does not exist in ${region}.`);
        else if (ami.found.State !== 'available')
            problem('missing', `${ami.found.ImageId} (${ami.name}) in ${region} is ${ami.found.State}.`);
        // Only the booted flavour carries the verdict: while it is missing here, that is the problem to
        // name (it blocks the region), not a boot test its siblings never needed.
        else if (verdict !== 'passed' && siblings.every((other) => other.found?.ImageId)) {
            problem('untested', `${ami.found.ImageId} (${ami.name}) in ${region}: ${ami.image.file} has ${verdict === 'failed' ? 'failed' : 'not passed'} the boot test.`);
        }
    }
    if (!settings.publish.public || problems.length > 0)
        return problems;
    const toPublish = amis.filter((ami) => !ami.flavour.kmsKeyId && !ami.found?.Public);
    if (toPublish.length > 0 && (await blocksPublicAmis(ec2))) {
        problem('account', `Block public access for AMIs is on in ${region}: turn it off (aws ec2 disable-image-block-public-access --region ${region}, or EC2 console → AMIs → Data protection and security); the change takes up to 10 minutes.`);
    }
    const after = (await publicAmiCount(ec2)) + toPublish.length;
    if (after > settings.publish.publicAmiQuota) {
        problem('account', `${region} would hold ${after} public AMIs, over the account's quota of ${settings.publish.publicAmiQuota}: request a higher "Public AMIs" quota in Service Quotas (EC2) for ${region}, or set public-ami-quota if it was already raised.`);
    }
    const encrypted = await encryptedSnapshots(ec2, toPublish.flatMap((ami) => snapshotIds(ami.found)));
    if (encrypted.length > 0) {
        const byDefault = await encryptsByDefault(ec2);
        problem('account', `Snapshots ${encrypted.join(', ')} in ${region} are encrypted${byDefault ? ' (EBS encryption by default is on)' : ''} and can never be public: turn off encryption by default in ${region} (aws ec2 disable-ebs-encryption-by-default --region ${region}), then delete these AMIs and re-run import/copy.`);
    }
    return problems;
}
/** When an AMI of this image is deprecated: soon for expiring compose kinds, else only if asked. */
function deprecationTime(settings, image) {
    const days = settings.publish.expiringKinds.includes(composeKind(image))
        ? settings.publish.deprecationDays
        : settings.publish.releaseDeprecationDays;
    if (days === undefined)
        return undefined;
    const at = new Date(Date.now() + days * 24 * 3600 * 1000);
    at.setUTCSeconds(0, 0);
    return at;
}
/**
 * Makes every AMI of the compose public in every region (snapshot first, so users can also copy the
 * AMI), or shares it with listed accounts, and deprecates nightlies. Nothing changes anywhere until
 * every required region passed its pre-flight checks.
 */
async function runPublish(settings, log, deps = {}) {
    const shape = {
        name: 'publish',
        skipped: (plan) => ({
            composeId: plan.composeId,
            skipped: true,
            reason: plan.reason,
            published: [],
            skippedRegions: [],
        }),
    };
    return openStage(settings, log, deps, shape, async ({ plan, clients, events }) => {
        const base = settings.baseRegion;
        const { regions } = await resolveRegions(clients.ec2(base), settings.copy.regions, base, log, 'publish');
        const plans = await log.group(`Pre-flight checks in ${regions.length + 1} region(s)`, () => Promise.all([base, ...regions].map(async (region) => {
            const amis = await expectedAmis(clients.ec2(region), region, base, plan.images, settings.flavours, settings.nameTemplate);
            return { region, amis, problems: await preflight(settings, clients, region, amis) };
        })));
        const blocking = plans.filter((entry) => entry.problems.length > 0 && !settings.copy.bestEffortRegions.includes(entry.region));
        if (blocking.length > 0) {
            throw new PublishError(`Nothing was made public: pre-flight failed in ${blocking.map((entry) => entry.region).join(', ')}:\n${blocking
                .flatMap((entry) => entry.problems.map((problem) => problem.text))
                .join('\n')}`, { hint: publishHint(blocking.flatMap((entry) => entry.problems)) });
        }
        const skippedRegions = plans.filter((entry) => entry.problems.length > 0).map((entry) => entry.region);
        for (const region of skippedRegions) {
            log.warning(`Skipping best-effort region ${region}: ${plans
                .find((entry) => entry.region === region)
                .problems.map((problem) => problem.text)
                .join(' ')}`, 'fedimg publish');
        }
        const ready = plans.filter((entry) => entry.problems.length === 0);
        const published = await log.group('Publish', async () => (await Promise.all(ready.map((entry) => publishRegion(settings, clients.ec2(entry.region), entry, events)))).flat());
        announce(settings, published, events, log);
        log.info(`Published ${published.length} AMI(s) in ${plans.length - skippedRegions.length} region(s).`);
        return { composeId: plan.composeId, skipped: false, reason: undefined, published, skippedRegions };
    });
}
/** Shares (or makes public) and deprecates every AMI of one region that passed its pre-flight. */
async function publishRegion(settings, ec2, { region, amis }, events) {
    const published = [];
    for (const ami of amis) {
        const found = ami.found;
        const makePublic = settings.publish.public && !ami.flavour.kmsKeyId;
        try {
            const grant = makePublic
                ? { public: true }
                : { public: false, accounts: settings.publish.shareAccounts };
            if (makePublic || settings.publish.shareAccounts.length > 0) {
                // The snapshot first: a public AMI with a private snapshot can be launched but not copied.
                for (const snapshotId of snapshotIds(found))
                    await grantCreateVolume(ec2, snapshotId, grant);
                await grantLaunch(ec2, found.ImageId, grant);
            }
            // A deprecation already set stays (a nightly re-published daily must still expire), and is
            // what is reported: the time AWS has, not the one this run would have asked for.
            const deprecateAt = found.DeprecationTime
                ? new Date(found.DeprecationTime)
                : deprecationTime(settings, ami.image);
            if (deprecateAt && !found.DeprecationTime)
                await deprecateAmi(ec2, found.ImageId, deprecateAt);
            published.push({
                region,
                ami,
                imageId: found.ImageId,
                public: makePublic,
                deprecateAt: deprecateAt?.toISOString(),
            });
            events.emit('image.publish', 'completed', ami.image, region, {
                id: found.ImageId,
                vol_type: ami.flavour.volumeType,
                flavour: ami.flavour.name,
            });
        }
        catch (error) {
            events.emit('image.publish', 'failed', ami.image, region, {
                id: found.ImageId,
                error: describeError(error),
            });
            throw new PublishError(`Publishing ${found.ImageId} (${ami.name}) in ${region} failed: ${describeError(error)}.`, { hint: 'Re-run the publish job; what is already public stays so.', cause: error });
        }
    }
    return published;
}
/**
 * Once every image is public in every region that passed its pre-flight, tells Fedora's consumers in
 * their own schema: one fedora_image_uploader.published.v1.aws message per image, for the default
 * flavour (the AMI name Fedora publishes). AMIs only shared with accounts are not announced.
 */
function announce(settings, published, events, log) {
    const byImage = new Map();
    for (const entry of published)
        if (entry.public && entry.ami.flavour === settings.flavours[0])
            byImage.set(entry.ami.image.sha256, [...(byImage.get(entry.ami.image.sha256) ?? []), entry]);
    for (const entries of byImage.values()) {
        const { image, name } = entries[0].ami;
        const regions = Object.fromEntries(entries.map((entry) => [entry.region, entry.imageId]));
        const message = publishedMessage(image, name, regions, settings.publish.messageTopic);
        if ('skipped' in message) {
            log.notice(`No ${PUBLISHED_SCHEMA} message for ${name}: ${message.skipped}.`, 'fedimg publish');
            continue;
        }
        events.emitMessage(message.topic, PUBLISHED_SCHEMA, message.body);
        log.info(`Announced ${name} in ${entries.length} region(s) on ${message.topic}.`);
    }
}
function publishTable(result) {
    const notes = [
        result.skipped ? `Nothing to do: ${result.reason}.` : '',
        result.skippedRegions.length ? `Best-effort regions skipped: ${result.skippedRegions.join(', ')}.` : '',
    ].filter(Boolean);
    return {
        title: `fedimg publish — ${result.composeId || 'direct image'}`,
        header: ['Region', 'AMI', 'Name', 'Public', 'Deprecated at'],
        rows: [...result.published]
            .sort((a, b) => a.region.localeCompare(b.region) || a.ami.name.localeCompare(b.ami.name))
            .map((entry) => [
            entry.region,
            entry.imageId,
            entry.ami.name,
            entry.public ? 'yes' : 'no',
            entry.deprecateAt ?? '',
        ]),
        note: notes.length ? notes.join('\n') : undefined,
    };
}
const publishStage = defineStage({
    name: 'publish',
    about: 'make the AMIs public (or share them) and set their deprecation',
    compose: 'required',
    reads: [...COMPOSE_STAGE_READS, 'copy', 'publish'],
    inRun: true,
    run: runPublish,
    table: (result) => publishTable(result),
    outputsBefore: eventsFileOutput,
    outputs: (result) => ({
        published: JSON.stringify(result.published.map((published) => ({
            region: published.region,
            ami: published.imageId,
            name: published.ami.name,
            public: published.public,
            deprecate_at: published.deprecateAt,
        }))),
        skipped: String(result.skipped),
    }),
});

;// CONCATENATED MODULE: ./src/stages/release.ts






/** The release body: per image, one row per region with the AMI of every flavour. */
function releaseBody(manifest) {
    const lines = [`AMIs published by fedimg for compose \`${manifest.compose_id}\`.`, ''];
    for (const image of manifest.images) {
        const flavours = Object.keys(image.flavours);
        const regions = [
            ...new Set(flavours.flatMap((flavour) => Object.keys(image.flavours[flavour].regions))),
        ].sort();
        lines.push(`### ${image.image_name} (${image.architecture})`, '');
        lines.push(`| Region | ${flavours.join(' | ')} |`, `| --- | ${flavours.map(() => '---').join(' | ')} |`);
        for (const region of regions) {
            const amis = flavours.map((flavour) => image.flavours[flavour].regions[region]?.ami ?? '—');
            lines.push(`| ${region} | ${amis.join(' | ')} |`);
        }
        lines.push('', `Source: \`${image.source.file}\` (sha256 \`${image.source.sha256}\`)`, '');
    }
    lines.push(`The manifest (JSON) and the event log (NDJSON) are attached.`);
    return redact(lines.join('\n'));
}
function readManifest(path) {
    let manifest;
    try {
        manifest = JSON.parse((0,external_node_fs_.readFileSync)(path, 'utf8'));
    }
    catch (error) {
        throw new ReleaseError(`Cannot read the manifest ${path}: ${describeError(error)}.`, {
            hint: 'Run the verify stage first (it writes manifest-file), or pass the path it wrote.',
        });
    }
    if (!manifest.compose_id || !Array.isArray(manifest.images) || manifest.images.length === 0) {
        throw new ReleaseError(`The manifest ${path} names no compose or holds no image.`, {
            hint: 'A release is tagged by compose ID: publish a compose (not a lone image URL) and verify it first.',
        });
    }
    return manifest;
}
const release_isNotFound = (error) => error.status === 404;
/**
 * Creates the GitHub release tagged by the compose ID, or updates it on a re-run, with the AMI table
 * as its body and the manifest and events as assets (an asset of the same name is replaced).
 */
async function runRelease(settings, log, deps = {}) {
    if (!settings.token)
        throw new ReleaseError('The release stage needs a GitHub token.', {
            hint: 'The action passes github.token by default; the job needs `permissions: contents: write`.',
        });
    const [owner, repo] = (settings.repository ?? '').split('/');
    if (!owner || !repo)
        throw new ReleaseError(`GITHUB_REPOSITORY "${settings.repository ?? ''}" is not owner/name.`, {
            hint: 'The runner sets it; from a terminal, export GITHUB_REPOSITORY=<owner>/<name>.',
        });
    if (!settings.manifestFile)
        throw new ReleaseError('The release stage needs the manifest verify wrote.', {
            hint: 'Pass manifest-file (--manifest-file) with the path given to verify.',
        });
    const manifest = readManifest(settings.manifestFile);
    const tag = manifest.compose_id;
    const prerelease = parseComposeId(tag).type !== 'production';
    // Loaded here: the GitHub client is only needed by this stage.
    const octokit = deps.octokit ?? (await __webpack_require__.e(/* import() */ 413).then(__webpack_require__.bind(__webpack_require__, 2413))).getOctokit(settings.token);
    const body = releaseBody(manifest);
    const where = `${owner}/${repo} release ${tag}`;
    try {
        let release;
        let created = false;
        try {
            release = (await octokit.rest.repos.getReleaseByTag({ owner, repo, tag })).data;
            release = (await octokit.rest.repos.updateRelease({ owner, repo, release_id: release.id, body, prerelease })).data;
            log.info(`Updated ${where}.`);
        }
        catch (error) {
            if (!release_isNotFound(error))
                throw error;
            release = (await octokit.rest.repos.createRelease({ owner, repo, tag_name: tag, name: tag, body, prerelease })).data;
            created = true;
            log.info(`Created ${where}.`);
        }
        const existing = (await octokit.rest.repos.listReleaseAssets({ owner, repo, release_id: release.id, per_page: 100 })).data;
        const assets = [];
        for (const [path, contentType] of [
            [settings.manifestFile, 'application/json'],
            ...(settings.eventsFile ? [[settings.eventsFile, 'application/x-ndjson']] : []),
            ...(settings.indexFile && (0,external_node_fs_.existsSync)(settings.indexFile)
                ? [[settings.indexFile, 'application/json']]
                : []),
        ]) {
            if (!(0,external_node_fs_.existsSync)(path)) {
                log.warning(`${path} does not exist; the release has no ${(0,external_node_path_.basename)(path)} asset.`, 'fedimg release');
                continue;
            }
            const name = (0,external_node_path_.basename)(path);
            const old = existing.find((asset) => asset.name === name);
            if (old)
                await octokit.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: old.id });
            const data = (0,external_node_fs_.readFileSync)(path);
            // upload_url is a URI template on the uploads host; octokit expands {?name,label}.
            await octokit.request({
                method: 'POST',
                url: release.upload_url,
                name,
                data,
                headers: { 'content-type': contentType, 'content-length': data.length },
            });
            assets.push(name);
        }
        return { manifest, tag, url: release.html_url, created, assets };
    }
    catch (error) {
        if (error instanceof ReleaseError)
            throw error;
        throw new ReleaseError(`Could not create or update ${where}: ${describeError(error)}.`, {
            hint: 'Check that the job has `permissions: contents: write` and that the token belongs to this repository; re-running the job updates the same release.',
            cause: error,
        });
    }
}
/** The release and every AMI it lists, one row per image, flavour and region. */
function releaseTable(result) {
    const rows = result.manifest.images.flatMap((image) => Object.entries(image.flavours).flatMap(([flavour, detail]) => Object.entries(detail.regions).map(([region, entry]) => [detail.name, flavour, region, entry.ami])));
    return {
        title: `fedimg release — ${result.tag} (${result.created ? 'created' : 'updated'})`,
        header: ['Name', 'Flavour', 'Region', 'AMI'],
        rows,
        note: `${result.url}; assets: ${result.assets.join(', ') || 'none'}`,
    };
}
const releaseStage = defineStage({
    name: 'release',
    about: 'a GitHub release tagged by the compose ID, with the manifest and events',
    compose: 'ignored',
    reads: ['eventsFile', 'manifestFile', 'indexDir', 'release'],
    inRun: false,
    run: (settings, log) => runRelease(settings.release, log),
    table: (result) => releaseTable(result),
    outputs: (result) => ({ 'release-url': result.url }),
});

;// CONCATENATED MODULE: ./src/stages/verify.ts









/** What to do about each kind of gap: each leads out, none back into a re-run that reuses the same AMI. */
const verify_NEXT_STEP = {
    missing: 'Re-run import (base region) or copy (other regions) for the AMIs named: a re-run creates only what is missing.',
    registration: 'An AMI registered with other settings cannot be changed, and a re-run reuses it only when its registration matches: deregister it (aws ec2 deregister-image --image-id <ami> --region <region>) and re-run import or copy, or give these settings a flavour of its own name.',
    tags: "An AMI without fedimg's tags was not registered by fedimg from this image: deregister or rename it, then re-run import or copy.",
    sharing: 'Re-run publish: it makes public (or shares) what is not yet, as public and share-accounts say.',
};
/**
 * Does every image × flavour × region AMI exist, is it available, tagged, and public (with its
 * snapshot) as configured? Fedora's original test plan asked exactly "do the images exist in EC2?".
 */
async function runVerify(settings, log, deps = {}) {
    const shape = {
        name: 'verify',
        skipped: (plan) => ({
            composeId: plan.composeId,
            skipped: true,
            rows: [],
            gaps: [],
        }),
    };
    return openStage(settings, log, deps, shape, async ({ plan, clients, report }) => {
        const base = settings.baseRegion;
        const { regions } = await resolveRegions(clients.ec2(base), settings.copy.regions, base, log, 'verify');
        const perRegion = await Promise.all([base, ...regions].map(async (region) => {
            const ec2 = clients.ec2(region);
            const amis = await expectedAmis(ec2, region, base, plan.images, settings.flavours, settings.nameTemplate);
            return Promise.all(amis.map(async (ami) => verifyRow(settings, ec2, ami)));
        }));
        const rows = perRegion.flat();
        const gaps = rows.flatMap((row) => row.gaps);
        const kinds = new Set(rows.flatMap((row) => row.gapKinds));
        if (settings.manifestFile) {
            writeManifest(settings.manifestFile, buildManifest(rows));
            log.info(`Manifest written to ${settings.manifestFile}.`);
        }
        for (const row of rows)
            log.info(`${row.region}  ${row.name}  ${row.imageId || '-'}  ${row.state}  public=${row.public}${row.gaps.length ? '  GAP' : ''}`);
        const result = await report({ composeId: plan.composeId, skipped: false, rows, gaps });
        if (gaps.length > 0) {
            throw new VerifyError(`Verification found ${gaps.length} gap(s):\n${gaps.join('\n')}`, {
                hint: Object.keys(verify_NEXT_STEP)
                    .filter((kind) => kinds.has(kind))
                    .map((kind) => verify_NEXT_STEP[kind])
                    .join(' '),
            });
        }
        log.info(`Verified ${rows.length} AMI(s) in ${perRegion.length} region(s): all present, available, tagged and ${settings.publish.public ? 'public' : 'private'} as configured.`);
        return result;
    });
}
const EMPTY_REGISTRATION = {
    architecture: '',
    bootMode: '',
    enaSupport: false,
    sriovNetSupport: '',
    imdsSupport: '',
    tpmSupport: '',
    rootDeviceName: '',
    volumeType: '',
    volumeSize: 0,
};
/** One AMI as the manifest records it, with every way it differs from what was configured. */
async function verifyRow(settings, ec2, ami) {
    const { found, region } = ami;
    return {
        region,
        image: ami.image,
        name: ami.name,
        flavour: ami.flavour.name,
        isDefaultFlavour: ami.flavour === settings.flavours[0],
        ...(found ? registrationOf(found) : EMPTY_REGISTRATION),
        imageId: found?.ImageId ?? '',
        snapshotIds: found ? snapshotIds(found) : [],
        state: found?.State ?? 'missing',
        public: found?.Public ? 'yes' : 'no',
        deprecationTime: found?.DeprecationTime,
        ...(await gapsOf(settings, ec2, ami)),
    };
}
async function gapsOf(settings, ec2, { found, name, region, image, flavour }) {
    if (!found?.ImageId)
        return { gaps: [`${name} is missing in ${region}`], gapKinds: ['missing'] };
    const gaps = [];
    const gapKinds = [];
    const gap = (kind, text) => {
        gaps.push(text);
        gapKinds.push(kind);
    };
    const shouldBePublic = settings.publish.public && !flavour.kmsKeyId;
    const visibility = (isPublic) => (isPublic ? 'public' : 'private');
    if (found.State !== 'available')
        gap('missing', `${found.ImageId} (${name}) in ${region} is ${found.State}`);
    if (tagValue(found.Tags, TAG.managedBy) !== MANAGED_BY ||
        tagValue(found.Tags, TAG.sourceSha256) !== image.sha256) {
        gap('tags', `${found.ImageId} in ${region} lacks fedimg's tags`);
    }
    for (const difference of registrationGaps(found, image, flavour))
        gap('registration', `${difference} in ${region}`);
    if (Boolean(found.Public) !== shouldBePublic)
        gap('sharing', `${found.ImageId} in ${region} is ${visibility(Boolean(found.Public))}, expected ${visibility(shouldBePublic)}`);
    // Shared rather than public: every listed account may launch the AMI and use its snapshots.
    const sharedWith = shouldBePublic ? [] : settings.publish.shareAccounts;
    const missing = (audience) => sharedWith.filter((account) => !audience.accounts.includes(account));
    if (sharedWith.length > 0) {
        const absent = missing(await launchPermissions(ec2, found.ImageId));
        if (absent.length > 0)
            gap('sharing', `${found.ImageId} in ${region} is not shared with ${absent.join(', ')}`);
    }
    for (const snapshotId of snapshotIds(found)) {
        const audience = await snapshotPermissions(ec2, snapshotId);
        if (audience.public !== shouldBePublic)
            gap('sharing', `snapshot ${snapshotId} of ${found.ImageId} in ${region} is ${visibility(audience.public)}, expected ${visibility(shouldBePublic)}`);
        const absent = missing(audience);
        if (absent.length > 0)
            gap('sharing', `snapshot ${snapshotId} of ${found.ImageId} in ${region} is not shared with ${absent.join(', ')}`);
    }
    return { gaps, gapKinds };
}
function verifyTable(result) {
    return {
        title: `fedimg verify — ${result.composeId || 'direct image'}`,
        header: ['Region', 'Name', 'Flavour', 'AMI', 'State', 'Public', 'Gaps'],
        rows: result.rows.map((row) => [
            row.region,
            row.name,
            row.flavour,
            row.imageId || '-',
            row.state,
            row.public,
            row.gaps.join('; '),
        ]),
        note: result.gaps.length ? `${result.gaps.length} gap(s).` : undefined,
    };
}
const verifyStage = defineStage({
    name: 'verify',
    about: 'check every AMI in every region against the plan; write the manifest',
    compose: 'required',
    reads: [...COMPOSE_STAGE_READS, 'copy', 'publish', 'manifestFile'],
    inRun: true,
    run: runVerify,
    table: (result) => verifyTable(result),
    outputsBefore: (settings) => fileOutput('manifest-file', settings.manifestFile),
    outputs: () => ({}),
});

;// CONCATENATED MODULE: ./src/stages/index.ts












/**
 * Every stage, in the order `fedimg run` and the CLI's help list them. A stage's facts are its
 * descriptor, in its own module; this list only collects them (settings' STAGES, the stage input's
 * allowed values, names the same stages in the same order: a unit test holds the two together).
 */
const STAGE_LIST = [
    planStage,
    importStage,
    bootTestStage,
    copyStage,
    publishStage,
    verifyStage,
    releaseStage,
    cleanupStage,
    indexStage,
    marketplaceStage,
    doctorStage,
];
const STAGE_REGISTRY = Object.fromEntries(STAGE_LIST.map((stage) => [stage.name, stage]));
/** The stages `fedimg run` goes through, in order: a compose from its metadata to verified AMIs. */
const RUN_ORDER = STAGE_LIST.filter((stage) => stage.inRun).map((stage) => stage.name);
/** The descriptor of a stage named by untrusted text, if it is one. */
function stageNamed(name) {
    return STAGE_LIST.find((stage) => stage.name === name);
}
/** What the given stages read of the settings (every stage reads which stage it is). */
function settingsReadBy(stages) {
    return new Set(['stage', ...stages.flatMap((name) => STAGE_REGISTRY[name].reads)]);
}
/**
 * Names the inputs given that none of the stages about to run reads (a compose given to cleanup,
 * regions given to import): they would otherwise do nothing without a word.
 */
function warnOfUnreadInputs(settings, stages, log) {
    const unread = unreadInputs(settings.inputUse, settingsReadBy(stages));
    if (unread.length === 0)
        return;
    const what = stages.length === 1 ? `The ${stages[0]} stage does` : `The stages ${stages.join(', ')} do`;
    log.warning(`${what} not read ${unread.length === 1 ? 'input' : 'inputs'} ${unread.join(', ')}: ${unread.length === 1 ? 'it has' : 'they have'} no effect here.`, `fedimg ${stages.length === 1 ? stages[0] : 'run'}`);
}

;// CONCATENATED MODULE: ./src/action/main.ts









/** Cancellation (the runner sends SIGINT, then SIGTERM) aborts the stage so it can clean up itself. */
function cancellation() {
    const controller = new AbortController();
    for (const signal of ['SIGINT', 'SIGTERM']) {
        process.once(signal, () => controller.abort(new Error(`cancelled (${signal})`)));
    }
    return controller.signal;
}
/** The action's main step: parse inputs once, run the chosen stage, publish outputs and summary. */
async function runMain(signal) {
    const settings = parseSettings((name) => core/* getInput */.V4(name));
    for (const secret of secretsOf(settings))
        actionsLog.secret(secret);
    warnOfUnreadInputs(settings, [settings.stage], actionsLog);
    // What the stage creates and has not finished yet, for the post step if this process dies.
    const pending = new PendingResources((items) => core/* saveState */.LZ('pending', JSON.stringify(items)));
    const stage = STAGE_REGISTRY[settings.stage];
    const setOutputs = (outputs) => {
        for (const [name, value] of Object.entries(outputs))
            core/* setOutput */.uH(name, value);
    };
    setOutputs(stage.outputsBefore?.(settings) ?? {});
    // The summary is written before a failure is thrown: it shows what failed (console lines, regions).
    await stage.run(settings, actionsLog, {
        pending,
        signal,
        onResult: async (result) => {
            setOutputs(stage.outputs(result, settings));
            await writeSummaryTable(stage.table(result, settings));
        },
    });
}
function report(error) {
    if (error instanceof FedimgError) {
        actionsLog.error(error.message, `fedimg ${error.area}`);
        // With the runner's debug logging: the wrapped error's stack (an SDK error's) when there is one.
        const origin = error.cause instanceof Error ? error.cause : error;
        if (origin.stack)
            actionsLog.debug(origin.stack);
    }
    else {
        actionsLog.error(`fedimg hit an unexpected failure: ${describeError(error)}. Re-run the job with debug logging for details, and report it if it happens again.`, 'fedimg');
        if (error instanceof Error && error.stack)
            actionsLog.debug(error.stack);
    }
    process.exitCode = core/* ExitCode */.yU.Failure;
}
/**
 * One bundle serves both `runs.main` and `runs.post`: the main step leaves a marker in the step
 * state, which the runner hands back to the post step as STATE_isPost.
 */
async function entry() {
    if (core/* getState */.Gu('isPost') === 'true') {
        await runPost(actionsLog);
        return;
    }
    core/* saveState */.LZ('isPost', 'true');
    try {
        await runGuarded(runMain, cancellation());
    }
    catch (error) {
        report(error);
    }
}


/***/ })

};
