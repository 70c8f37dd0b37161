// Header conversion between Node's HTTP messages and the host's header maps: pseudo
// headers for the chain, hop-by-hop headers dropped at each hop as a proxy does.
import { HeaderMap } from "../header-map.js";

/** Connection-specific headers a proxy never forwards (RFC 9110 §7.6.1, plus expect: 100-continue is answered here). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "http2-settings", "expect"]);

export type Pairs = Array<[string, string]>;

/** Node's raw header list (name, value, name, value …) as lower-case pairs without hop-by-hop headers. */
export function pairsOfRaw(raw: readonly string[], skip?: ReadonlySet<string>): Pairs {
  const out: Pairs = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name.startsWith(":") || HOP_BY_HOP.has(name) || skip?.has(name)) continue;
    out.push([name, raw[i + 1]!]);
  }
  return out;
}

/**
 * A header map (read in place, without copying its entries: this runs for every request
 * and response) or pairs as a Node header object (repeated names become arrays); pseudo
 * and hop-by-hop headers are left out.
 */
export function nodeHeaders(headers: HeaderMap | Iterable<readonly [string, string]>, skip?: ReadonlySet<string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (headers instanceof HeaderMap) {
    const kv = headers.flat;
    for (let i = 0; i < kv.length; i += 2) put(out, kv[i]!, kv[i + 1]!, skip);
  } else {
    for (const [name, value] of headers) put(out, name, value, skip);
  }
  return out;
}

function put(out: Record<string, string | string[]>, name: string, value: string, skip: ReadonlySet<string> | undefined): void {
  if (name.charCodeAt(0) === 58 /* ":" */ || HOP_BY_HOP.has(name) || skip?.has(name)) return;
  const prev = out[name];
  if (prev === undefined) out[name] = value;
  else if (Array.isArray(prev)) prev.push(value);
  else out[name] = [prev, value];
}

/** The value of the first header named `name` (lower case), or undefined. */
export function first(pairs: Iterable<readonly [string, string]>, name: string): string | undefined {
  for (const [k, v] of pairs) if (k === name) return v;
  return undefined;
}
