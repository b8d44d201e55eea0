// thrift.mjs — a generic Thrift compact-protocol reader/writer, used only to
// craft corrupt Parquet files (gen-corrupt.mjs): a struct is parsed into an
// ordered list of fields { id, type, value } without knowing its schema,
// edited, and written back.  Integers are BigInt; binaries Uint8Array;
// lists { elemType, items }; structs { fields: [...] }.
export const T = { STOP: 0, TRUE: 1, FALSE: 2, I8: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 };

export function readStruct(buf, pos = 0) {
  let p = pos;
  const varint = () => {
    let v = 0n, shift = 0n;
    for (;;) {
      if (p >= buf.length) throw new Error('thrift: truncated varint');
      const b = buf[p++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
    }
  };
  const zz = () => { const u = varint(); return (u >> 1n) ^ -(u & 1n); };
  const value = type => {
    switch (type) {
      case T.TRUE: return true;
      case T.FALSE: return false;
      case T.I8: return BigInt.asIntN(8, BigInt(buf[p++]));
      case T.I16: case T.I32: case T.I64: return zz();
      case T.DOUBLE: { const d = new DataView(buf.buffer, buf.byteOffset + p, 8).getFloat64(0, true); p += 8; return d; }
      case T.BINARY: { const n = Number(varint()); const b = buf.slice(p, p + n); p += n; return b; }
      case T.LIST: case T.SET: {
        const h = buf[p++];
        let n = h >> 4;
        const elemType = h & 0x0f;
        if (n === 15) n = Number(varint());
        const items = [];
        for (let i = 0; i < n; i++) {
          if (elemType === T.TRUE || elemType === T.FALSE) items.push(buf[p++] === 1);
          else items.push(value(elemType));
        }
        return { elemType, items };
      }
      case T.STRUCT: return struct();
      default: throw new Error(`thrift: type ${type} not handled`);
    }
  };
  const struct = () => {
    const fields = [];
    let last = 0;
    for (;;) {
      const h = buf[p++];
      if (h === T.STOP) return { fields };
      const type = h & 0x0f;
      const delta = h >> 4;
      const id = delta ? last + delta : Number(zz());
      last = id;
      fields.push({ id, type, value: value(type) });
    }
  };
  const s = struct();
  return { struct: s, end: p };
}

export function writeStruct(s) {
  const out = [];
  const varint = v => {
    v = BigInt.asUintN(64, BigInt(v));
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v) b |= 0x80;
      out.push(b);
    } while (v);
  };
  const zz = v => { v = BigInt(v); varint((v << 1n) ^ (v >> 63n)); };
  const value = (type, v) => {
    switch (type) {
      case T.TRUE: case T.FALSE: return;
      case T.I8: out.push(Number(BigInt.asUintN(8, BigInt(v)))); return;
      case T.I16: case T.I32: case T.I64: zz(v); return;
      case T.DOUBLE: { const b = new Uint8Array(8); new DataView(b.buffer).setFloat64(0, v, true); out.push(...b); return; }
      case T.BINARY: varint(v.length); out.push(...v); return;
      case T.LIST: case T.SET: {
        const n = v.items.length;
        if (n < 15) out.push((n << 4) | v.elemType);
        else { out.push(0xf0 | v.elemType); varint(n); }
        for (const it of v.items) {
          if (v.elemType === T.TRUE || v.elemType === T.FALSE) out.push(it ? 1 : 2);
          else value(v.elemType, it);
        }
        return;
      }
      case T.STRUCT: struct(v); return;
      default: throw new Error(`thrift: type ${type} not handled`);
    }
  };
  const struct = st => {
    let last = 0;
    for (const f of st.fields) {
      let type = f.type;
      if (type === T.TRUE || type === T.FALSE) type = f.value ? T.TRUE : T.FALSE;
      const delta = f.id - last;
      if (delta > 0 && delta <= 15) out.push((delta << 4) | type);
      else { out.push(type); zz(f.id); }
      last = f.id;
      value(type, f.value);
    }
    out.push(T.STOP);
  };
  struct(s);
  return Uint8Array.from(out);
}

// field helpers
export const field = (st, id) => st.fields.find(f => f.id === id);
export function setField(st, id, type, value) {
  const f = field(st, id);
  if (f) { f.type = type; f.value = value; } else { st.fields.push({ id, type, value }); st.fields.sort((a, b) => a.id - b.id); }
}
export const deepClone = x => structuredClone(x);
