// A small client for the OCI distribution API: blobs (HEAD, monolithic and
// chunked upload, GET), manifests (PUT, GET), anonymous / basic / bearer
// authentication from the WWW-Authenticate challenge, bounded retries.
import { sha256 } from "../package/image.js";
import { isLoopback } from "./reference.js";

export interface Credentials {
  username: string;
  password: string;
}

export interface RegistryClientOptions {
  /** host[:port] */
  registry: string;
  /** Plain HTTP instead of HTTPS (default: only for loopback hosts). */
  plainHttp?: boolean;
  credentials?: Credentials | null;
  /** Attempts for each request or blob upload on transient failures (default 3). */
  attempts?: number;
  /** First pause between attempts, doubled each time (default 500 ms). */
  retryDelayMs?: number;
  /** Per request (default DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Blobs larger than this are uploaded in PATCH chunks of this size (default 8 MiB). */
  chunkSize?: number;
  onProgress?: (message: string) => void;
  fetch?: typeof fetch;
}

/** A registry failure, with a message that says what went wrong and what to do. */
export class RegistryError extends Error {
  constructor(message: string, readonly status: number | null = null, readonly transient = false) {
    super(message);
    this.name = "RegistryError";
  }
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (one challenge). */
export function parseChallenge(header: string): Challenge | null {
  const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  if (!match) return null;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(match[2])) !== null) params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3];
  return { scheme: match[1].toLowerCase(), params };
}

interface RequestOptions {
  headers?: Record<string, string>;
  body?: Buffer;
  /** Statuses that count as success; anything else is an error. */
  expect: number[];
  /** Whether to retry transient failures here (false inside a blob upload, which retries as a whole). */
  retry?: boolean;
  /** What the request is for, used in error messages. */
  what: string;
  /** Repository, for the token scope. */
  repository?: string;
}

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Default time one request may take (changed with push --timeout). */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Most bytes of an error body read for its message; the rest is discarded. */
export const MAX_ERROR_BODY_BYTES = 16 * 1024;
/** Most bytes of a token response, a tag list or a manifest read back (registries cap manifests at 4 MiB). */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

/** Reads at most `max` bytes of a body, then drops the connection's rest. */
export async function readLimited(response: Response, max: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  const reader = response.body?.getReader();
  if (!reader) return { bytes: Buffer.alloc(0), truncated: false };
  const chunks: Buffer[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: Buffer.concat(chunks), truncated: false };
    chunks.push(Buffer.from(value));
    length += value.length;
    if (length > max) {
      await reader.cancel().catch(() => {});
      return { bytes: Buffer.concat(chunks).subarray(0, max), truncated: true };
    }
  }
}

/** Drops an answer's body unread; a body that already broke off has nothing left to drop. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

/**
 * A whole document body, or a RegistryError naming the limit, or (transient, so that it is
 * retried) saying that the answer broke off: a connection closed or timed out mid-body.
 */
async function readDocument(response: Response, what: string, max = MAX_DOCUMENT_BYTES): Promise<Buffer> {
  let read: { bytes: Buffer; truncated: boolean };
  try {
    read = await readLimited(response, max);
  } catch (error) {
    throw new RegistryError(`${what}: the answer broke off: ${networkCause(error)}`, response.status, true);
  }
  if (read.truncated) throw new RegistryError(`${what}: the answer is larger than ${max} bytes, more than it can be`, response.status);
  return read.bytes;
}

function parseJsonBody<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch {
    throw new RegistryError(`${what}: the answer is not valid JSON`);
  }
}

/**
 * Whether a token realm may receive the registry credentials: over HTTPS, on a loopback
 * host, or on the registry's own origin. Returns the reason when it may not.
 */
export function realmRefusal(realm: URL, registryBase: string): string | null {
  if (realm.protocol === "https:" || realm.origin === new URL(registryBase).origin || isLoopback(realm.host)) return null;
  return `the token service ${realm.origin} is plain HTTP on another host than the registry, and credentials go only to a realm over HTTPS, on loopback or on the registry's own origin`;
}

function networkCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "the connection was closed unexpectedly";
  if (code === "ENOTFOUND") return "host not found";
  if ((error as Error).name === "TimeoutError") return "timed out";
  return cause?.message ?? (error as Error).message;
}

async function errorDetail(response: Response): Promise<string> {
  let text = "";
  try {
    text = (await readLimited(response, MAX_ERROR_BODY_BYTES)).bytes.toString("utf8");
  } catch {
    return "";
  }
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string; detail?: unknown }[] };
    if (body.errors && body.errors.length > 0) return body.errors.map((e) => [e.code, e.message].filter(Boolean).join(": ")).join("; ");
  } catch {
    // not JSON
  }
  return text.trim().split("\n")[0].slice(0, 200);
}

export class RegistryClient {
  readonly base: string;
  private authorization: string | null = null;
  private readonly fetchImpl: typeof fetch;
  readonly attempts: number;
  readonly chunkSize: number;

  constructor(readonly options: RegistryClientOptions) {
    const plain = options.plainHttp ?? isLoopback(options.registry);
    this.base = `${plain ? "http" : "https"}://${options.registry}`;
    this.fetchImpl = options.fetch ?? fetch;
    this.attempts = Math.max(1, Math.min(options.attempts ?? 3, 10));
    this.chunkSize = options.chunkSize ?? 8 * 1024 * 1024;
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private networkFailure(error: unknown): string {
    const cause = networkCause(error);
    return cause === "timed out" ? `no answer within ${this.timeoutMs / 1000} s (--timeout)` : cause;
  }

  private say(message: string): void {
    this.options.onProgress?.(message);
  }

  private async pause(attempt: number): Promise<void> {
    const delay = (this.options.retryDelayMs ?? 500) * 2 ** (attempt - 1);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }

  /** One HTTP exchange, authenticated on demand, retried on transient failures when allowed. */
  async request(method: string, pathOrUrl: string, options: RequestOptions): Promise<Response> {
    return this.exchange(method, pathOrUrl, options, async (response) => response);
  }

  /**
   * One request with its attempts: `accept` takes an expected answer (reading its body, say);
   * a transient RegistryError from it (the answer broke off) is retried like a 503.
   */
  private async exchange<T>(method: string, pathOrUrl: string, options: RequestOptions, accept: (response: Response) => Promise<T>): Promise<T> {
    const url = new URL(pathOrUrl, this.base).href;
    const attempts = options.retry === false ? 1 : this.attempts;
    let authenticated = false;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        const headers: Record<string, string> = { ...options.headers };
        if (this.authorization) headers.Authorization = this.authorization;
        response = await this.fetchImpl(url, {
          method,
          headers,
          body: options.body as unknown as BodyInit | undefined,
          redirect: "follow",
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        const cause = this.networkFailure(error);
        const message = `${options.what}: cannot reach ${this.options.registry}: ${cause}`;
        if (attempt < attempts) {
          this.say(`${message}; retrying (${attempt}/${attempts - 1})`);
          await this.pause(attempt);
          continue;
        }
        throw new RegistryError(attempts > 1 ? `${message} (after ${attempts} attempts)` : message, null, true);
      }
      if (response.status === 401 && !authenticated) {
        const challenge = parseChallenge(response.headers.get("www-authenticate") ?? "");
        await discard(response);
        await this.authenticate(challenge, options);
        authenticated = true;
        attempt--; // authentication is not a failed attempt
        continue;
      }
      if (options.expect.includes(response.status)) {
        try {
          return await accept(response);
        } catch (error) {
          if (!(error instanceof RegistryError && error.transient && attempt < attempts)) throw error;
          this.say(`${error.message}; retrying (${attempt}/${attempts - 1})`);
          await this.pause(attempt);
          continue;
        }
      }
      const detail = await errorDetail(response);
      const suffix = detail ? ` (${detail})` : "";
      if (TRANSIENT_STATUS.has(response.status)) {
        const message = `${options.what}: ${this.options.registry} answered ${response.status} ${response.statusText}${suffix}`;
        if (attempt < attempts) {
          this.say(`${message}; retrying (${attempt}/${attempts - 1})`);
          await this.pause(attempt);
          continue;
        }
        throw new RegistryError(attempts > 1 ? `${message} (after ${attempts} attempts)` : message, response.status, true);
      }
      throw new RegistryError(this.explain(response.status, options, suffix), response.status);
    }
  }

  private explain(status: number, options: RequestOptions, suffix: string): string {
    const where = `${this.options.registry}${options.repository ? `/${options.repository}` : ""}`;
    switch (status) {
      case 401:
        return `${options.what}: 401 Unauthorized: ${where} refused the credentials${suffix}`;
      case 403:
        return `${options.what}: 403 Forbidden: not allowed to push to ${where}${suffix}`;
      case 404:
        return `${options.what}: 404 Not Found at ${where}${suffix} (is it an OCI registry, and does the repository exist?)`;
      default:
        return `${options.what}: ${where} answered ${status}${suffix}`;
    }
  }

  private async authenticate(challenge: Challenge | null, options: RequestOptions): Promise<void> {
    const credentials = this.options.credentials ?? null;
    if (!challenge) throw new RegistryError(`${options.what}: 401 Unauthorized from ${this.options.registry} without a WWW-Authenticate challenge`, 401);
    if (challenge.scheme === "basic") {
      if (!credentials) throw new RegistryError(`${options.what}: ${this.options.registry} requires a user name and password (basic authentication)`, 401);
      this.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
      return;
    }
    if (challenge.scheme === "bearer") {
      const realm = challenge.params.realm;
      if (!realm) throw new RegistryError(`${options.what}: bearer challenge from ${this.options.registry} has no realm`, 401);
      const tokenUrl = new URL(realm, this.base);
      if (challenge.params.service) tokenUrl.searchParams.set("service", challenge.params.service);
      const scope = options.repository ? `repository:${options.repository}:pull,push` : challenge.params.scope;
      if (scope) tokenUrl.searchParams.set("scope", scope);
      const headers: Record<string, string> = {};
      if (credentials) {
        const refusal = realmRefusal(tokenUrl, this.base);
        if (refusal) throw new RegistryError(`${options.what}: not sending the credentials: ${refusal}`, 401);
        headers.Authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
      }
      let response: Response;
      try {
        response = await this.fetchImpl(tokenUrl.href, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (error) {
        throw new RegistryError(`${options.what}: cannot reach the token service ${tokenUrl.origin}: ${this.networkFailure(error)}`, null, true);
      }
      if (!response.ok) {
        const detail = await errorDetail(response);
        throw new RegistryError(`${options.what}: the token service ${tokenUrl.origin} answered ${response.status}${detail ? ` (${detail})` : ""}${credentials ? "" : "; it may need a user name and password"}`, response.status);
      }
      const body = parseJsonBody<{ token?: string; access_token?: string }>(await readDocument(response, `${options.what}: the token service ${tokenUrl.origin}`), `${options.what}: the token service ${tokenUrl.origin}`);
      const token = body.token ?? body.access_token;
      if (!token) throw new RegistryError(`${options.what}: the token service ${tokenUrl.origin} returned no token`, response.status);
      this.authorization = `Bearer ${token}`;
      return;
    }
    throw new RegistryError(`${options.what}: unsupported authentication scheme "${challenge.scheme}" from ${this.options.registry}`, 401);
  }

  /** A GET whose body is read whole within the request's attempts: an answer that breaks off is asked for again. */
  private getDocument(path: string, options: RequestOptions, max = MAX_DOCUMENT_BYTES): Promise<{ response: Response; bytes: Buffer }> {
    return this.exchange("GET", path, options, async (response) => ({ response, bytes: await readDocument(response, options.what, max) }));
  }

  /** GET /v2/: checks the registry answers the distribution API (authenticating if asked to). */
  async ping(repository?: string): Promise<void> {
    const response = await this.request("GET", "/v2/", { expect: [200], what: "checking the registry", repository });
    await discard(response);
  }

  async blobExists(repository: string, digest: string): Promise<boolean> {
    const response = await this.request("HEAD", `/v2/${repository}/blobs/${digest}`, { expect: [200, 404], what: `checking blob ${digest}`, repository });
    await discard(response);
    return response.status === 200;
  }

  /** Uploads a blob (monolithic up to chunkSize, chunked above), retrying the whole upload on transient failures. */
  async uploadBlob(repository: string, digest: string, bytes: Buffer, label = "blob"): Promise<void> {
    if (sha256(bytes) !== digest) throw new RegistryError(`${label} ${digest} does not match its content`);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.uploadOnce(repository, digest, bytes, label);
        return;
      } catch (error) {
        if (error instanceof RegistryError && error.transient && attempt < this.attempts) {
          this.say(`${error.message}; restarting the upload (${attempt}/${this.attempts - 1})`);
          await this.pause(attempt);
          continue;
        }
        throw error;
      }
    }
  }

  private async uploadOnce(repository: string, digest: string, bytes: Buffer, label: string): Promise<void> {
    const what = `uploading ${label} ${digest}`;
    const started = await this.request("POST", `/v2/${repository}/blobs/uploads/`, { expect: [202], what, repository, retry: false });
    await discard(started);
    let location = this.location(started, what);
    if (bytes.length > this.chunkSize) {
      for (let offset = 0; offset < bytes.length; offset += this.chunkSize) {
        const chunk = bytes.subarray(offset, Math.min(offset + this.chunkSize, bytes.length));
        const patched = await this.request("PATCH", location, {
          expect: [202],
          what: `${what} (bytes ${offset}-${offset + chunk.length - 1})`,
          repository,
          retry: false,
          headers: { "Content-Type": "application/octet-stream", "Content-Range": `${offset}-${offset + chunk.length - 1}` },
          body: chunk,
        });
        await discard(patched);
        location = this.location(patched, what);
        this.say(`  ${label}: ${offset + chunk.length} of ${bytes.length} bytes`);
      }
    }
    const monolithic = bytes.length <= this.chunkSize;
    const finished = await this.request("PUT", withDigest(location, digest), {
      expect: [201],
      what,
      repository,
      retry: false,
      headers: { "Content-Type": "application/octet-stream" },
      body: monolithic ? bytes : Buffer.alloc(0),
    });
    await discard(finished);
    const echoed = finished.headers.get("docker-content-digest");
    if (echoed && echoed !== digest) throw new RegistryError(`${what}: the registry stored it as ${echoed}`);
  }

  private location(response: Response, what: string): string {
    const location = response.headers.get("location");
    if (!location) throw new RegistryError(`${what}: the registry gave no upload Location`, response.status);
    return new URL(location, this.base).href;
  }

  /** PUT a manifest by tag or digest; returns the digest the registry reports. */
  async putManifest(repository: string, reference: string, mediaType: string, bytes: Buffer): Promise<string> {
    const digest = sha256(bytes);
    const response = await this.request("PUT", `/v2/${repository}/manifests/${reference}`, {
      expect: [201],
      what: `putting manifest ${repository}:${reference}`,
      repository,
      headers: { "Content-Type": mediaType },
      body: bytes,
    });
    await discard(response);
    const echoed = response.headers.get("docker-content-digest");
    if (echoed && echoed !== digest) throw new RegistryError(`putting manifest ${repository}:${reference}: the registry reports digest ${echoed}, expected ${digest}`);
    return digest;
  }

  async getManifest(repository: string, reference: string): Promise<{ mediaType: string; bytes: Buffer; digest: string | null }> {
    const { response, bytes } = await this.getDocument(`/v2/${repository}/manifests/${reference}`, {
      expect: [200],
      what: `reading manifest ${repository}:${reference}`,
      repository,
      headers: { Accept: "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json" },
    });
    return { mediaType: (response.headers.get("content-type") ?? "").split(";")[0], bytes, digest: response.headers.get("docker-content-digest") };
  }

  /** A blob, read up to `maxBytes` (its known size when verifying). */
  async getBlob(repository: string, digest: string, maxBytes: number): Promise<Buffer> {
    return (await this.getDocument(`/v2/${repository}/blobs/${digest}`, { expect: [200], what: `reading blob ${digest}`, repository }, maxBytes)).bytes;
  }

  async listTags(repository: string): Promise<string[]> {
    const response = await this.request("GET", `/v2/${repository}/tags/list`, { expect: [200, 404], what: `listing tags of ${repository}`, repository });
    if (response.status === 404) {
      await discard(response);
      return [];
    }
    const body = parseJsonBody<{ tags?: string[] | null }>(await readDocument(response, `listing tags of ${repository}`), `listing tags of ${repository}`);
    return body.tags ?? [];
  }
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set("digest", digest);
  return url.href;
}
