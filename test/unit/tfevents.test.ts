import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { crc32c, eventScalars, maskedCrc, readRecords, tfEventObservations } from '#shared/metrics/tfevents.js';
import { FIXTURES } from '../helpers.js';

/** The event files the fixture script writes, as tf.summary would. */
function written(lr: string) {
  const dir = mkdtempSync(join(tmpdir(), 'tunestep-tfevents-'));
  execFileSync('python3', [join(FIXTURES, 'scripts', 'tfevents.py'), '--log-path', dir, '--lr', lr]);
  return ['train', 'test'].map((sub) => {
    const folder = join(dir, sub);
    const [file] = readdirSync(folder);
    return { dir: folder, bytes: new Uint8Array(readFileSync(join(folder, file!))) };
  });
}

describe('TensorFlow event files', () => {
  it('CRC-32C and its mask are the ones TFRecord uses', () => {
    // The CRC-32C check value (RFC 3720's test vector).
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    // The CRC of nothing is 0, so its mask is the mask constant alone.
    expect(maskedCrc(new Uint8Array(0))).toBe(0xa282ead8);
  });

  it('reads TF2 scalar tensors and TF1 simple values with their steps', () => {
    const [, test] = written('0.03');
    const records = readRecords(test!.bytes);
    expect(records).toHaveLength(4); // file_version, then three epochs
    expect(eventScalars(records[0]!)).toEqual([]);
    const epoch2 = eventScalars(records[2]!);
    expect(epoch2.map((s) => [s.tag, s.step])).toEqual([
      ['accuracy', 2],
      ['loss', 2],
    ]);
    expect(epoch2[0]!.value).toBeCloseTo(0.9, 5);
    expect(epoch2[1]!.value).toBeCloseTo(0.12, 5);
    expect(epoch2[0]!.wallTime).toBeGreaterThan(1.7e9);
  });

  it("applies Katib's rule: a bare name from every folder, a name with a folder from that folder only", () => {
    const files = written('0.03');
    const all = tfEventObservations(files, ['accuracy']);
    expect(all).toHaveLength(6);
    const testOnly = tfEventObservations(files, ['test/accuracy']);
    expect(testOnly.map((o) => [o.step, Number(o.value).toFixed(2)])).toEqual([
      [1, '0.80'],
      [2, '0.90'],
      [3, '0.99'],
    ]);
    expect(testOnly.every((o) => o.metricName === 'test/accuracy')).toBe(true);
  });

  it('stops at a truncated record (a file still being written) and keeps what came before', () => {
    const [, test] = written('0.03');
    const cut = test!.bytes.subarray(0, test!.bytes.length - 7);
    expect(readRecords(cut)).toHaveLength(3);
    const corrupt = new Uint8Array(test!.bytes);
    corrupt[40] = corrupt[40]! ^ 0xff;
    expect(readRecords(corrupt).length).toBeLessThan(4);
  });
});
