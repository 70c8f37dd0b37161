// Benchmark floor: the header-append filter against the raw proxy-wasm ABI
// (0.2.1), with no SDK and the least work the job allows.
//
// Plugin configuration (buffer 7): a JSON object of header name -> string
// value. On configure the JSON is read once, string escapes are decoded in
// place to UTF-8, and a table of (name ptr, name len, value ptr, value len)
// is kept. Each response then costs one proxy_add_header_map_value per pair
// on map type 2 (response headers) and nothing else.
//
// Memory: a bump allocator above __heap_base serves the host's allocation of
// the configuration buffer and the pair table. It is rewound at the start of
// every proxy_on_configure, because nothing from an older configuration is
// kept. Requests allocate nothing.

// ---- host imports (env.proxy_* only) ---------------------------------------

@external("env", "proxy_get_buffer_bytes")
declare function proxy_get_buffer_bytes(
  buffer_type: u32, start: u32, max_size: u32, data_pp: usize, size_p: usize,
): u32;

@external("env", "proxy_add_header_map_value")
declare function proxy_add_header_map_value(
  map_type: u32, key_ptr: usize, key_len: usize, value_ptr: usize, value_len: usize,
): u32;

// ---- abort: used through `--use abort=floorAbort`, imports nothing ----------

// @ts-ignore: decorator
@global
function floorAbort(message: usize, fileName: usize, line: u32, column: u32): void {
  unreachable();
}

// ---- memory ------------------------------------------------------------------

const BUFFER_PLUGIN_CONFIGURATION: u32 = 7;
const MAP_RESPONSE_HEADERS: u32 = 2;

let heapTop: usize = 0;

function alloc(size: usize): usize {
  if (heapTop == 0) heapTop = (__heap_base + 15) & ~<usize>15;
  let ptr = heapTop;
  let end = (ptr + size + 15) & ~<usize>15;
  let have = <usize>memory.size() << 16;
  if (end > have) {
    let pages = <i32>((end - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) return 0;
  }
  heapTop = end;
  return ptr;
}

// ---- configuration -------------------------------------------------------------

/** Scratch slots for the host's (pointer, size) answer. */
let outPtr: usize = 0;
/** Pair table: [name ptr, name len, value ptr, value len] as u32 each. */
let pairs: usize = 0;
let pairCount: i32 = 0;

// Parser state (pos/end over the configuration bytes).
let pos: usize = 0;
let end: usize = 0;

function skipSpace(): void {
  while (pos < end) {
    let c = load<u8>(pos);
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) return;
    pos++;
  }
}

function eat(c: u32): bool {
  if (pos < end && <u32>load<u8>(pos) == c) {
    pos++;
    return true;
  }
  return false;
}

function hex4(): i32 {
  if (pos + 4 > end) return -1;
  let v = 0;
  for (let k = 0; k < 4; k++) {
    let h = <i32>load<u8>(pos++);
    let d: i32;
    if (h >= 0x30 && h <= 0x39) d = h - 0x30;
    else if (h >= 0x61 && h <= 0x66) d = h - 0x57;
    else if (h >= 0x41 && h <= 0x46) d = h - 0x37;
    else return -1;
    v = (v << 4) | d;
  }
  return v;
}

/** Reads a JSON string at `pos`, decoding it in place; stores (ptr, len) at `slot`. */
function readString(slot: usize): bool {
  if (!eat(0x22)) return false;
  let start = pos;
  let w = pos; // write cursor; never overtakes the read cursor
  while (pos < end) {
    let c = <u32>load<u8>(pos++);
    if (c == 0x22) {
      store<u32>(slot, <u32>start);
      store<u32>(slot, <u32>(w - start), 4);
      return true;
    }
    if (c < 0x20) return false;
    if (c != 0x5c) {
      store<u8>(w++, <u8>c);
      continue;
    }
    if (pos >= end) return false;
    let e = <u32>load<u8>(pos++);
    if (e == 0x75) { // \uXXXX, possibly a surrogate pair
      let cp = hex4();
      if (cp < 0) return false;
      if (cp >= 0xd800 && cp <= 0xdbff && pos + 6 <= end &&
          load<u8>(pos) == 0x5c && load<u8>(pos + 1) == 0x75) {
        let save = pos;
        pos += 2;
        let lo = hex4();
        if (lo >= 0xdc00 && lo <= 0xdfff) cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        else pos = save;
      }
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // lone surrogate
      if (cp < 0x80) {
        store<u8>(w++, <u8>cp);
      } else if (cp < 0x800) {
        store<u8>(w++, <u8>(0xc0 | (cp >> 6)));
        store<u8>(w++, <u8>(0x80 | (cp & 0x3f)));
      } else if (cp < 0x10000) {
        store<u8>(w++, <u8>(0xe0 | (cp >> 12)));
        store<u8>(w++, <u8>(0x80 | ((cp >> 6) & 0x3f)));
        store<u8>(w++, <u8>(0x80 | (cp & 0x3f)));
      } else {
        store<u8>(w++, <u8>(0xf0 | (cp >> 18)));
        store<u8>(w++, <u8>(0x80 | ((cp >> 12) & 0x3f)));
        store<u8>(w++, <u8>(0x80 | ((cp >> 6) & 0x3f)));
        store<u8>(w++, <u8>(0x80 | (cp & 0x3f)));
      }
      continue;
    }
    let d: u32;
    if (e == 0x22 || e == 0x5c || e == 0x2f) d = e;
    else if (e == 0x62) d = 0x08;
    else if (e == 0x66) d = 0x0c;
    else if (e == 0x6e) d = 0x0a;
    else if (e == 0x72) d = 0x0d;
    else if (e == 0x74) d = 0x09;
    else return false;
    store<u8>(w++, <u8>d);
  }
  return false;
}

/** Parses the flat JSON object in [ptr, ptr+len) into the pair table. */
function parseConfig(ptr: usize, len: usize): bool {
  pos = ptr;
  end = ptr + len;
  // At most one pair per 6 input bytes ("":"",), so this bounds the table.
  pairs = alloc((len / 6 + 1) << 4);
  if (pairs == 0) return false;
  pairCount = 0;
  skipSpace();
  if (!eat(0x7b)) return false;
  skipSpace();
  if (!eat(0x7d)) {
    while (true) {
      skipSpace();
      let slot = pairs + (<usize>pairCount << 4);
      if (!readString(slot)) return false;
      skipSpace();
      if (!eat(0x3a)) return false;
      skipSpace();
      if (!readString(slot + 8)) return false;
      pairCount++;
      skipSpace();
      if (eat(0x2c)) continue;
      if (eat(0x7d)) break;
      return false;
    }
  }
  skipSpace();
  return pos == end;
}

// ---- ABI exports -------------------------------------------------------------------

export function proxy_abi_version_0_2_1(): void {}

export function proxy_on_memory_allocate(size: usize): usize {
  return alloc(size);
}

export function proxy_on_context_create(context_id: u32, parent_context_id: u32): void {}

export function proxy_on_vm_start(root_context_id: u32, vm_configuration_size: u32): u32 {
  return 1;
}

export function proxy_on_configure(root_context_id: u32, configuration_size: u32): u32 {
  heapTop = 0; // drop the previous configuration and its table
  pairCount = 0;
  if (configuration_size == 0) return 1;
  outPtr = alloc(8);
  if (outPtr == 0) return 0;
  if (proxy_get_buffer_bytes(BUFFER_PLUGIN_CONFIGURATION, 0, configuration_size, outPtr, outPtr + 4) != 0) {
    return 0;
  }
  let ok = parseConfig(<usize>load<u32>(outPtr), <usize>load<u32>(outPtr, 4));
  if (!ok) pairCount = 0;
  return ok ? 1 : 0;
}

export function proxy_on_response_headers(context_id: u32, num_headers: u32, end_of_stream: u32): u32 {
  let p = pairs;
  for (let i = 0; i < pairCount; i++) {
    proxy_add_header_map_value(
      MAP_RESPONSE_HEADERS,
      <usize>load<u32>(p), <usize>load<u32>(p, 4),
      <usize>load<u32>(p, 8), <usize>load<u32>(p, 12),
    );
    p += 16;
  }
  return 0; // Continue
}

export function proxy_on_done(context_id: u32): u32 {
  return 1;
}
