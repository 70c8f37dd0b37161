// Header conversion between Node's HTTP messages and the host's header maps: pseudo
// headers for the chain, hop-by-hop headers dropped at each hop as a proxy does.

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

/** Pairs as a Node header object (repeated names become arrays); pseudo and hop-by-hop headers are left out. */
export function nodeHeaders(pairs: Iterable<readonly [string, string]>, skip?: ReadonlySet<string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    if (name.startsWith(":") || HOP_BY_HOP.has(name) || skip?.has(name)) continue;
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[name] = [prev, value];
  }
  return out;
}

/** The value of the first header named `name` (lower case), or undefined. */
export function first(pairs: Iterable<readonly [string, string]>, name: string): string | undefined {
  for (const [k, v] of pairs) if (k === name) return v;
  return undefined;
}
