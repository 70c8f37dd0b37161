// Just enough protobuf for the check messages: string fields out, a bool and
// a string field in. Wire format: key = field << 3 | type; varints; length-
// delimited strings.

/** Builds a message of string fields. */
export class ProtoWriter {
  private bytes: u8[] = [];

  private varint(value: u64): void {
    while (value >= 0x80) {
      this.bytes.push(<u8>(value | 0x80));
      value >>= 7;
    }
    this.bytes.push(<u8>value);
  }

  string(field: u32, text: string): ProtoWriter {
    if (text.length == 0) return this; // proto3 leaves empty strings out
    const utf8 = Uint8Array.wrap(String.UTF8.encode(text));
    this.varint((<u64>field << 3) | 2);
    this.varint(<u64>utf8.length);
    for (let i = 0; i < utf8.length; i++) this.bytes.push(utf8[i]);
    return this;
  }

  finish(): ArrayBuffer {
    const out = new Uint8Array(this.bytes.length);
    for (let i = 0; i < this.bytes.length; i++) out[i] = this.bytes[i];
    return out.buffer;
  }
}

/** The decoded reply: `allowed` (field 1, bool) and `reason` (field 2, string). Unknown fields are skipped. */
export class CheckReply {
  allowed: bool = false;
  reason: string = "";
  valid: bool = true;
}

// Reading position and failure flag of readCheckReply (module state keeps the varint reader small).
let data: Uint8Array = new Uint8Array(0);
let at: i32 = 0;
let truncated = false;

/** A varint at `at`; sets `truncated` when the message ends inside it or it is over 64 bits. */
function readVarint(): u64 {
  let value: u64 = 0;
  let shift: u64 = 0;
  while (at < data.length && shift <= 63) {
    const b = data[at++];
    value |= (<u64>(b & 0x7f)) << shift;
    if (b < 0x80) return value;
    shift += 7;
  }
  truncated = true;
  return 0;
}

export function readCheckReply(message: ArrayBuffer): CheckReply {
  const reply = new CheckReply();
  data = Uint8Array.wrap(message);
  at = 0;
  truncated = false;
  while (at < data.length) {
    const key = readVarint();
    if (truncated) { reply.valid = false; return reply; }
    const field = <u32>(key >> 3);
    const wire = <u32>(key & 7);
    if (wire == 0) {
      const value = readVarint();
      if (truncated) { reply.valid = false; return reply; }
      if (field == 1) reply.allowed = value != 0;
    } else if (wire == 2) {
      const length = readVarint();
      if (truncated || length > <u64>(data.length - at)) { reply.valid = false; return reply; }
      if (field == 2) reply.reason = String.UTF8.decodeUnsafe(data.dataStart + at, <usize>length);
      at += <i32>length;
    } else if (wire == 5) {
      at += 4;
    } else if (wire == 1) {
      at += 8;
    } else {
      reply.valid = false;
      return reply;
    }
  }
  if (at != data.length) reply.valid = false;
  return reply;
}
