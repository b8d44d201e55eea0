// pageindex.mjs — compares lake_fdw's reading of a file's page indexes
// (pqindex, i.e. ParquetReaderPageIndex) with hyparquet's reading of the
// same ColumnIndex/OffsetIndex: page offsets, sizes, first rows, row
// counts, null pages, null counts, and min/max of integer-like columns.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { parquetMetadata, readColumnIndex, readOffsetIndex } from 'hyparquet';
import { PQINDEX } from './lib.mjs';

const hyParsers = { dateFromDays: d => ({ days: d }), timestampFromMicroseconds: us => ({ us }) };

// asserts equality; returns hyparquet's view (one entry per chunk)
export function comparePageIndexes(file) {
  const buf = fs.readFileSync(file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const md = parquetMetadata(ab);
  const view = new DataView(ab);
  const ix = spawnSync(PQINDEX, [file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(ix.status, 0, `pqindex: ${ix.stderr}`);
  const ours = ix.stdout.trim().split('\n').map(l => JSON.parse(l));
  const hy = [];
  md.row_groups.forEach((rg, g) => rg.columns.forEach((c, ci) => {
    const el = md.schema[ci + 1];
    if (c.offset_index_offset === undefined || c.column_index_offset === undefined) {
      hy.push({ rg: g, column: el.name, pages: null });
      return;
    }
    const oi = readOffsetIndex({ view, offset: Number(c.offset_index_offset) });
    const cx = readColumnIndex({ view, offset: Number(c.column_index_offset) }, el, hyParsers);
    const locs = oi.page_locations;
    const intLike = /^(INT32|INT64)$/.test(el.type) && el.converted_type !== 'DECIMAL' && el.logical_type?.type !== 'DECIMAL';
    const txt = v => (v && typeof v === 'object' ? String(v.days ?? v.us) : String(v));
    hy.push({
      rg: g, column: el.name,
      pages: locs.map((l, p) => ({
        offset: Number(l.offset), compressed_size: l.compressed_page_size, first_row: Number(l.first_row_index),
        num_rows: Number((p + 1 < locs.length ? locs[p + 1].first_row_index : rg.num_rows) - l.first_row_index),
        null_page: cx.null_pages[p], null_count: cx.null_counts ? Number(cx.null_counts[p]) : null,
        ...(intLike && !cx.null_pages[p] ? { min: txt(cx.min_values[p]), max: txt(cx.max_values[p]) } : {}),
      })),
    });
  }));
  assert.deepEqual(ours, hy, `page indexes of ${file}: lake_fdw vs hyparquet`);
  return hy;
}
