import type { ObservationRecord } from '../experiment/records.js';

/**
 * TensorFlow event files (`events.out.tfevents.*`), read without TensorFlow: the TFRecord framing and
 * the few protobuf fields of `Event` and `Summary` a metrics collector needs. Written by hand because
 * it is small, exact and dependency-free (the formats are stable: tensorflow/core/util/event.proto,
 * tensorflow/core/framework/summary.proto and tensor.proto).
 *
 * TFRecord: uint64 length (LE), uint32 masked CRC-32C of the length, the data, uint32 masked CRC-32C
 * of the data. A record whose CRC does not match is skipped (a file still being written ends in a
 * partial record), as TensorBoard does.
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli), as TFRecord uses. */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 and add a constant. */
export function maskedCrc(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** The records of a TFRecord file, stopping at the first truncated or corrupt one. */
export function readRecords(file: Uint8Array): Uint8Array[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: Uint8Array[] = [];
  let at = 0;
  while (at + 12 <= file.length) {
    const length = Number(view.getBigUint64(at, true));
    if (view.getUint32(at + 8, true) !== maskedCrc(file.subarray(at, at + 8))) break;
    const start = at + 12;
    if (start + length + 4 > file.length) break;
    const data = file.subarray(start, start + length);
    if (view.getUint32(start + length, true) !== maskedCrc(data)) break;
    out.push(data);
    at = start + length + 4;
  }
  return out;
}

/** Protobuf wire format: the fields of one message, as [field number, wire type, value]. */
function fields(buf: Uint8Array): [number, number, bigint | Uint8Array | number][] {
  const out: [number, number, bigint | Uint8Array | number][] = [];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (at >= buf.length) throw new Error('truncated varint');
      const b = buf[at++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  };
  while (at < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push([field, wire, varint()]);
    else if (wire === 1) {
      out.push([field, wire, view.getFloat64(at, true)]);
      at += 8;
    } else if (wire === 2) {
      const n = Number(varint());
      out.push([field, wire, buf.subarray(at, at + n)]);
      at += n;
    } else if (wire === 5) {
      out.push([field, wire, view.getFloat32(at, true)]);
      at += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A scalar from a TensorProto (TF2's `tf.summary.scalar`): float_val, double_val, int64_val or tensor_content. */
function tensorScalar(buf: Uint8Array): number | undefined {
  let dtype = 0;
  let content: Uint8Array | undefined;
  for (const [f, w, v] of fields(buf)) {
    if (f === 1 && w === 0) dtype = Number(v);
    else if (f === 4 && w === 2) content = v as Uint8Array;
    else if (f === 5 && w === 5)
      return v as number; // float_val, unpacked
    else if (f === 5 && w === 2) return new DataView((v as Uint8Array).buffer, (v as Uint8Array).byteOffset).getFloat32(0, true);
    else if (f === 6 && w === 1)
      return v as number; // double_val
    else if (f === 6 && w === 2) return new DataView((v as Uint8Array).buffer, (v as Uint8Array).byteOffset).getFloat64(0, true);
    else if (f === 10 && w === 0)
      return Number(BigInt.asIntN(64, v as bigint)); // int64_val
    else if (f === 7 && w === 0) return Number(v); // int_val
  }
  if (content && content.length > 0) {
    const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
    if (dtype === 1 && content.length >= 4) return view.getFloat32(0, true); // DT_FLOAT
    if (dtype === 2 && content.length >= 8) return view.getFloat64(0, true); // DT_DOUBLE
    if (dtype === 3 && content.length >= 4) return view.getInt32(0, true); // DT_INT32
    if (dtype === 9 && content.length >= 8) return Number(view.getBigInt64(0, true)); // DT_INT64
  }
  return undefined;
}

export interface ScalarEvent {
  wallTime: number;
  step: number;
  tag: string;
  value: number;
}

/** The scalars of one Event record: `Summary.Value`s with a simple_value (TF1) or a scalar tensor (TF2). */
export function eventScalars(record: Uint8Array): ScalarEvent[] {
  let wallTime = 0;
  let step = 0;
  const values: { tag: string; value: number }[] = [];
  for (const [f, w, v] of fields(record)) {
    if (f === 1 && w === 1) wallTime = v as number;
    else if (f === 2 && w === 0) step = Number(BigInt.asIntN(64, v as bigint));
    else if (f === 5 && w === 2) {
      for (const [sf, sw, sv] of fields(v as Uint8Array)) {
        if (sf !== 1 || sw !== 2) continue;
        let tag = '';
        let value: number | undefined;
        for (const [vf, vw, vv] of fields(sv as Uint8Array)) {
          if (vf === 1 && vw === 2) tag = text(vv as Uint8Array);
          else if (vf === 2 && vw === 5) value = vv as number;
          else if (vf === 8 && vw === 2) value = tensorScalar(vv as Uint8Array);
        }
        if (tag && value !== undefined && Number.isFinite(value)) values.push({ tag, value });
      }
    }
  }
  return values.map((v) => ({ wallTime, step, ...v }));
}

/**
 * Katib's TensorFlowEvent collector rule (tfevent_loader.py): a metric name `accuracy` takes the tags
 * that start with it from every event file under the directory; a name with a directory part,
 * `test/accuracy`, takes tags starting with `accuracy` only from files whose folder ends in `test`.
 * Values keep their step and wall time.
 */
export function tfEventObservations(files: { dir: string; bytes: Uint8Array }[], metricNames: string[]): ObservationRecord[] {
  const out: (ObservationRecord & { wallTime: number })[] = [];
  for (const { dir, bytes } of files) {
    for (const record of readRecords(bytes)) {
      let scalars: ScalarEvent[];
      try {
        scalars = eventScalars(record);
      } catch {
        continue; // not an Event we understand (file_version and graph records are, and carry no scalars)
      }
      for (const s of scalars) {
        for (const name of metricNames) {
          const parts = name.split('/');
          const folder = parts.length >= 2 ? parts.slice(0, -1).join('/') : undefined;
          if (!s.tag.startsWith(parts[parts.length - 1]!)) continue;
          if (folder !== undefined && !dir.replace(/\/+$/, '').endsWith(folder)) continue;
          out.push({
            metricName: name,
            value: String(s.value),
            timestamp: new Date(s.wallTime * 1000).toISOString(),
            step: s.step,
            wallTime: s.wallTime,
          });
        }
      }
    }
  }
  return out.sort((a, b) => a.wallTime - b.wallTime || (a.step ?? 0) - (b.step ?? 0)).map(({ wallTime: _w, ...o }) => o);
}
