// An HTTP proxy on loopback in front of a real registry that misbehaves on demand, per
// request: 5xx answers (with or without the registry having done the work), dropped
// connections, answers cut short, uploads cut short, delays and slow answers.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import { listenOnLoopback } from "./tools.js";

export type ProxyFault =
  | { kind: "pass" }
  /** Answer this 5xx; `forwarded`: only after the registry handled the request. */
  | { kind: "status"; status: number; forwarded: boolean }
  /** Close the client's connection; `forwarded`: only after the registry handled the request. */
  | { kind: "drop"; forwarded: boolean }
  /** Forward, then send the answer's headers and part of its body, and close. */
  | { kind: "truncate" }
  /** Send the registry only part of the request body, then close both connections. */
  | { kind: "cut-upload" }
  /** Wait before forwarding. */
  | { kind: "delay"; ms: number }
  /** Forward, then send the answer in small pieces with pauses. */
  | { kind: "slow"; chunkBytes: number; pauseMs: number };

export interface ProxiedRequest {
  method: string;
  path: string;
  fault: ProxyFault;
}

export interface FaultProxy {
  /** 127.0.0.1:<port> */
  host: string;
  requests: ProxiedRequest[];
  /** Decides the fault of every request from now on (given the request and how many came before). */
  setFaults: (decide: (request: { method: string; path: string }, index: number) => ProxyFault) => void;
  /** Resolves once no request is being handled (a delayed one may still reach the registry after its client gave up). */
  idle: () => Promise<void>;
  stop: () => Promise<void>;
}

interface Upstream {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Headers to pass on: the body is re-sent whole, so its length is known. */
function answerHeaders(upstream: Upstream, method: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value === undefined || ["connection", "keep-alive", "transfer-encoding", "content-length"].includes(name)) continue;
    headers[name] = value;
  }
  headers["content-length"] = method === "HEAD" ? (upstream.headers["content-length"] ?? "0") : String(upstream.body.length);
  return headers;
}

export async function startFaultProxy(registryHost: string): Promise<FaultProxy> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  let decide: Parameters<FaultProxy["setFaults"]>[0] = () => ({ kind: "pass" });
  const [upstreamHost, upstreamPort] = registryHost.split(":");

  /** Sends the request on to the registry; `cutAt` sends only that many body bytes and gives up. */
  const forward = (req: IncomingMessage, body: Buffer, cutAt?: number): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, "content-length": String(body.length) };
      delete headers.connection;
      delete headers["transfer-encoding"];
      const out = httpRequest({ host: upstreamHost, port: Number(upstreamPort), method: req.method, path: req.url, headers, agent: false }, (answer) => {
        readAll(answer).then((data) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: data }), reject);
      });
      out.on("error", reject);
      if (cutAt === undefined) {
        out.end(body);
      } else {
        out.write(body.subarray(0, cutAt));
        setTimeout(() => { out.destroy(); reject(new Error("upload cut")); }, 20);
      }
    });

  const handle = async (req: IncomingMessage, res: import("node:http").ServerResponse) => {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://proxy").pathname;
    const fault = decide({ method, path }, requests.length);
    requests.push({ method, path, fault });
    const body = await readAll(req);
    const drop = () => req.socket.destroy();
    const fail = (status: number) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "UNAVAILABLE", message: `injected ${status}` }] }));
    };
    switch (fault.kind) {
      case "status":
        if (fault.forwarded) await forward(req, body);
        return fail(fault.status);
      case "drop":
        if (fault.forwarded) await forward(req, body);
        return drop();
      case "cut-upload":
        await forward(req, body, Math.floor(body.length / 2)).catch(() => {});
        return drop();
      case "delay":
        await sleep(fault.ms);
        break;
    }
    const upstream = await forward(req, body);
    res.writeHead(upstream.status, answerHeaders(upstream, method));
    if (method === "HEAD") return res.end();
    if (fault.kind === "truncate") {
      res.write(upstream.body.subarray(0, Math.floor(upstream.body.length / 2)));
      return setTimeout(drop, 5);
    }
    if (fault.kind === "slow") {
      for (let offset = 0; offset < upstream.body.length; offset += fault.chunkBytes) {
        if (res.destroyed) return;
        res.write(upstream.body.subarray(offset, offset + fault.chunkBytes));
        await sleep(fault.pauseMs);
      }
    }
    res.end(fault.kind === "slow" ? undefined : upstream.body);
  };

  let inFlight = 0;
  const server = createServer((req, res) => {
    inFlight++;
    handle(req, res)
      .catch(() => {
        // The registry itself failed to answer the proxy: pass that on as a bad gateway.
        if (!res.headersSent) res.writeHead(502).end();
        else req.socket.destroy();
      })
      .finally(() => { inFlight--; });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await listenOnLoopback(server);
  return {
    host: `127.0.0.1:${port}`,
    requests,
    setFaults: (next) => { decide = next; },
    idle: async () => {
      while (inFlight > 0) await sleep(10);
    },
    stop: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
