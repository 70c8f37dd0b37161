// Processes the serve benchmark runs beside serve: the upstream (answers every request with
// a small body; /check answers 200 for http-auth's callout) and the baseline, a plain Node
// reverse proxy built on the same `http` APIs as serve's proxy core.
//   node out/bench/serve-peers.js upstream
//   node out/bench/serve-peers.js node-proxy UPSTREAM_PORT
// Each prints its port on the first line of its output.
import http from "node:http";
import type net from "node:net";

const BODY = Buffer.from("hello from the upstream\n");

function listen(server: http.Server): void {
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`));
}

function upstream(): void {
  listen(
    http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/plain", "content-length": String(BODY.length) });
        res.end(BODY);
      });
    }),
  );
}

/** The least a Node reverse proxy does: forward the request and stream the response back on keep-alive connections. */
function nodeProxy(upstreamPort: number): void {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  listen(
    http.createServer((req, res) => {
      const headers = { ...req.headers };
      delete headers.connection;
      const up = http.request({ host: "127.0.0.1", port: upstreamPort, method: req.method, path: req.url, headers, agent }, (r) => {
        const out = { ...r.headers };
        delete out.connection;
        delete out["keep-alive"];
        res.writeHead(r.statusCode ?? 502, out);
        r.pipe(res);
      });
      up.on("error", () => {
        res.writeHead(503);
        res.end();
      });
      req.pipe(up);
    }),
  );
}

const [mode, port] = process.argv.slice(2);
if (mode === "upstream") upstream();
else if (mode === "node-proxy") nodeProxy(Number(port));
else {
  process.stderr.write("usage: serve-peers.js upstream | node-proxy UPSTREAM_PORT\n");
  process.exitCode = 2;
}
