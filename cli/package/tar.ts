// Deterministic tar archives: fixed owners, modes and times, entries in the
// order given. tar-stream writes the ustar headers; everything that could vary
// between machines (owner names, ids, times, modes) is set here explicitly.
import tarStream from "tar-stream";

export interface TarEntry {
  name: string;
  /** File content; absent for a directory. */
  data?: Uint8Array;
}

/** Seconds since the epoch used for every entry and the image's `created` time. */
export function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === "") return 0;
  if (!/^\d+$/.test(raw)) throw new Error(`SOURCE_DATE_EPOCH must be a whole number of seconds, got "${raw}"`);
  return Number(raw);
}

/** Builds a ustar archive in memory. Names must be under 100 bytes (no PAX headers). */
export async function createTar(entries: readonly TarEntry[], mtimeSeconds = 0): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
    pack.on("end", () => resolve());
    pack.on("error", reject);
  });
  const mtime = new Date(mtimeSeconds * 1000);
  for (const entry of entries) {
    if (Buffer.byteLength(entry.name) >= 100) throw new Error(`tar entry name too long (100 bytes at most): ${entry.name}`);
    const common = { name: entry.name, uid: 0, gid: 0, uname: "", gname: "", mtime };
    if (entry.data === undefined) {
      pack.entry({ ...common, type: "directory", mode: 0o755 });
    } else {
      pack.entry({ ...common, type: "file", mode: 0o644, size: entry.data.byteLength }, Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength));
    }
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface TarMember {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  data: Buffer;
}

/** Reads every member of a tar archive (for checks and for reading images back). */
export async function readTar(archive: Uint8Array): Promise<TarMember[]> {
  const extract = tarStream.extract();
  const members: TarMember[] = [];
  const finished = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      const parts: Buffer[] = [];
      stream.on("data", (chunk: unknown) => parts.push(chunk as Buffer));
      stream.on("end", () => {
        members.push({
          name: header.name,
          type: header.type ?? "file",
          mode: header.mode ?? 0,
          uid: header.uid ?? 0,
          gid: header.gid ?? 0,
          uname: header.uname ?? "",
          gname: header.gname ?? "",
          mtime: header.mtime ? Math.floor(header.mtime.getTime() / 1000) : 0,
          data: Buffer.concat(parts),
        });
        next();
      });
      stream.on("error", reject);
    });
    extract.on("finish", () => resolve());
    extract.on("error", reject);
  });
  extract.end(Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength));
  await finished;
  return members;
}
