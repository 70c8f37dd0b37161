// An in-memory OCI distribution endpoint on loopback with fault injection, for
// the failure paths a real registry will not produce on demand.
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { listenOnLoopback } from "./tools.js";

export interface StubRequest {
  method: string;
  path: string;
  authorization: string | undefined;
}

/**
 * What to do with a request: answer normally, answer with a status, cut the connection, or
 * answer normally but cut the connection halfway through the body ("truncate").
 */
export type Fault = null | { status: number; body?: string; headers?: Record<string, string> } | "drop" | "truncate";

export interface StubOptions {
  /** Called for every request, with how many requests came before it. */
  fault?: (request: StubRequest, index: number) => Fault;
}

export interface StubRegistry {
  host: string;
  requests: StubRequest[];
  blobs: Map<string, Buffer>;
  manifests: Map<string, { mediaType: string; bytes: Buffer }>;
  stop: () => Promise<void>;
}

function digestOf(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export async function startStubRegistry(options: StubOptions = {}): Promise<StubRegistry> {
  const requests: StubRequest[] = [];
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, { mediaType: string; bytes: Buffer }>();
  const uploads = new Map<string, Buffer>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://stub");
    const request: StubRequest = { method: req.method ?? "GET", path: url.pathname, authorization: req.headers.authorization };
    const index = requests.length;
    requests.push(request);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const fault = options.fault?.(request, index) ?? null;
    if (fault === "drop") {
      req.socket.destroy();
      return;
    }
    if (fault && fault !== "truncate") {
      res.writeHead(fault.status, { "Content-Type": "application/json", ...fault.headers });
      res.end(fault.body ?? JSON.stringify({ errors: [{ code: "UNKNOWN", message: `injected ${fault.status}` }] }));
      return;
    }
    const send = (status: number, headers: Record<string, string> = {}, data?: Buffer) => {
      res.writeHead(status, { "Content-Length": String(data?.length ?? 0), ...headers });
      if (fault === "truncate" && data && data.length > 1 && req.method !== "HEAD") {
        res.write(data.subarray(0, data.length >> 1));
        setTimeout(() => req.socket.destroy(), 5);
        return;
      }
      res.end(req.method === "HEAD" ? undefined : data);
    };
    let m: RegExpExecArray | null;
    if (url.pathname === "/v2/" || url.pathname === "/v2") return send(200, { "Content-Type": "application/json" }, Buffer.from("{}"));
    if ((m = /^\/v2\/(.+)\/blobs\/uploads\/?$/.exec(url.pathname)) && req.method === "POST") {
      const id = randomUUID();
      uploads.set(id, Buffer.alloc(0));
      return send(202, { Location: `/v2/${m[1]}/blobs/uploads/${id}`, "Docker-Upload-UUID": id });
    }
    if ((m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/.exec(url.pathname))) {
      const id = m[2];
      const current = uploads.get(id);
      if (!current) return send(404);
      const data = Buffer.concat([current, body]);
      if (req.method === "PATCH") {
        uploads.set(id, data);
        return send(202, { Location: url.pathname, Range: `0-${data.length - 1}` });
      }
      if (req.method === "PUT") {
        const digest = url.searchParams.get("digest") ?? "";
        if (digestOf(data) !== digest) return send(400, { "Content-Type": "application/json" }, Buffer.from(JSON.stringify({ errors: [{ code: "DIGEST_INVALID", message: "digest mismatch" }] })));
        uploads.delete(id);
        blobs.set(digest, data);
        return send(201, { Location: `/v2/${m[1]}/blobs/${digest}`, "Docker-Content-Digest": digest });
      }
    }
    if ((m = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url.pathname))) {
      const blob = blobs.get(m[2]);
      if (!blob) return send(404);
      return send(200, { "Docker-Content-Digest": m[2], "Content-Type": "application/octet-stream" }, blob);
    }
    if ((m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname))) {
      const key = `${m[1]}:${m[2]}`;
      if (req.method === "PUT") {
        const parsed = JSON.parse(body.toString("utf8")) as { config: { digest: string }; layers: { digest: string }[] };
        for (const d of [parsed.config, ...parsed.layers]) {
          if (!blobs.has(d.digest)) return send(400, { "Content-Type": "application/json" }, Buffer.from(JSON.stringify({ errors: [{ code: "MANIFEST_BLOB_UNKNOWN", message: d.digest }] })));
        }
        const entry = { mediaType: String(req.headers["content-type"]), bytes: body };
        manifests.set(key, entry);
        manifests.set(`${m[1]}:${digestOf(body)}`, entry);
        return send(201, { "Docker-Content-Digest": digestOf(body) });
      }
      const entry = manifests.get(key);
      if (!entry) return send(404);
      return send(200, { "Content-Type": entry.mediaType, "Docker-Content-Digest": digestOf(entry.bytes) }, entry.bytes);
    }
    return send(404);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const port = await listenOnLoopback(server);
  return {
    host: `127.0.0.1:${port}`,
    requests,
    blobs,
    manifests,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
