'use strict';
// Client test: node-postgres (pg) with the pgvector npm package, used exactly
// as its README shows for node-postgres, against the milvus vector, halfvec
// and sparsevec types (registerTypes registers text parsers for all three;
// halfvec goes in with toSql([...]) and comes back as an array of numbers,
// sparsevec goes in with toSql(new SparseVector(...)) and comes back as a
// SparseVector), and the bit metrics with plain strings.
//
// Connection settings come from the libpq-style environment (PGHOST, PGPORT,
// PGUSER, PGDATABASE), which pg reads itself; the database must already have
// the extension created.  Prints "ok N - ..." / "not ok N - ..." lines and a
// final "N passed, N failed"; exits non-zero on any failure.

const assert = require('node:assert/strict');
const pg = require('pg');
const pgvector = require('pgvector/pg');
const { fromSql, SparseVector } = require('pgvector');

let passed = 0;
let failed = 0;

async function check(name, fn) {
  const n = passed + failed + 1;
  try {
    await fn();
    passed++;
    console.log(`ok ${n} - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok ${n} - ${name}`);
    for (const line of String(e && e.stack ? e.stack : e).split('\n').slice(0, 8)) {
      console.log(`#   ${line}`);
    }
  }
}

// Expect a server error with this SQLSTATE; the client must stay usable.
async function expectError(client, code, text, values) {
  let err = null;
  try {
    await client.query(text, values);
  } catch (e) {
    err = e;
  }
  assert.ok(err, `no error raised for ${text}`);
  assert.ok(err instanceof pg.DatabaseError, `not a DatabaseError: ${err}`);
  assert.equal(err.code, code, `SQLSTATE ${err.code}, want ${code}: ${err.message}`);
  assert.equal(err.severity, 'ERROR');
  const r = await client.query('SELECT 1 AS one');
  assert.equal(r.rows[0].one, 1);
}

// Element-wise equality at float32 precision: the server stores float4 and
// prints the shortest decimal that reads back as the same float4.
function assertSameF32(got, want) {
  assert.ok(Array.isArray(got), `not an array: ${typeof got} ${String(got).slice(0, 40)}`);
  assert.equal(got.length, want.length, 'length');
  for (let i = 0; i < want.length; i++) {
    if (Math.fround(got[i]) !== Math.fround(want[i])) {
      assert.fail(`element ${i}: got ${got[i]}, want float4 of ${want[i]}`);
    }
  }
}

function close(a, b, rel = 1e-5, abs = 1e-6) {
  return Math.abs(a - b) <= Math.max(abs, rel * Math.max(Math.abs(a), Math.abs(b)));
}

const l2 = (a, b) => Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0));
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
const norm = (a) => Math.sqrt(dot(a, a));
const cosine = (a, b) => 1 - dot(a, b) / (norm(a) * norm(b));
const l1 = (a, b) => a.reduce((s, x, i) => s + Math.abs(x - b[i]), 0);
const popcount = (s) => [...s].filter((c) => c === '1').length;
const bitAnd = (a, b) => [...a].map((c, i) => (c === '1' && b[i] === '1' ? '1' : '0')).join('');
const bitOr = (a, b) => [...a].map((c, i) => (c === '1' || b[i] === '1' ? '1' : '0')).join('');
const hamming = (a, b) => [...a].filter((c, i) => c !== b[i]).length;
const jaccard = (a, b) => {
  const union = popcount(bitOr(a, b));
  return union === 0 ? 1 : 1 - popcount(bitAnd(a, b)) / union;
};

const DENSE_METRICS = [
  ['<->', l2, 'L2 distance'],
  ['<#>', (a, b) => -dot(a, b), 'negative inner product'],
  ['<=>', cosine, 'cosine distance'],
  ['<+>', l1, 'L1 distance'],
];

// rows: {id, d} from "ORDER BY distance, id"; want: [[id, hand distance]].
// The ids must come in hand-computed order (ties by id, NaN last as in
// PostgreSQL) and every distance must match.
function assertOrdered(rows, want) {
  const key = (d) => (Number.isNaN(d) ? Infinity : d);
  const sorted = [...want].sort((x, y) => key(x[1]) - key(y[1]) || x[0] - y[0]);
  assert.deepEqual(rows.map((row) => Number(row.id)), sorted.map((w) => w[0]));
  const byId = new Map(want);
  for (const row of rows) {
    const exp = byId.get(Number(row.id));
    assert.equal(typeof row.d, 'number');
    if (Number.isNaN(exp)) {
      assert.ok(Number.isNaN(row.d), `id ${row.id}: ${row.d} vs NaN`);
    } else {
      assert.ok(close(row.d, exp), `id ${row.id}: ${row.d} vs ${exp}`);
    }
  }
}

// A SparseVector as pgvector returns it: dimensions, 0-based indices, and
// values equal at float4 precision.
function assertSparse(got, dimensions, indices, values) {
  assert.ok(got instanceof SparseVector, `not a SparseVector: ${got}`);
  assert.equal(got.dimensions, dimensions);
  assert.deepEqual(got.indices, indices);
  assertSameF32(got.values, values);
}

// deterministic pseudo-random numbers
let seed = 12345;
function rand() {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}

// The binary wire format, built by hand: int16 dim, int16 unused, float4s.
function vectorToBinary(arr, unused = 0) {
  const buf = Buffer.alloc(4 + 4 * arr.length);
  buf.writeInt16BE(arr.length, 0);
  buf.writeInt16BE(unused, 2);
  arr.forEach((x, i) => buf.writeFloatBE(x, 4 + 4 * i));
  return buf;
}

async function main() {
  const client = new pg.Client();
  await client.connect();

  await check('pgvector.registerTypes(client) finds the vector type', async () => {
    await pgvector.registerTypes(client);
  });

  await check('pgvector.registerType (alias) also works on a second client', async () => {
    const c2 = new pg.Client();
    await c2.connect();
    try {
      await pgvector.registerType(c2);
      const r = await c2.query("SELECT '[1,2,3]'::vector AS v");
      assert.deepEqual(r.rows[0].v, [1, 2, 3]);
    } finally {
      await c2.end();
    }
  });

  await client.query('DROP TABLE IF EXISTS node_items, node_big, node_half, node_sparse, node_bits');
  await client.query('CREATE TABLE node_items (id bigserial PRIMARY KEY, embedding vector(3))');
  await client.query('CREATE TABLE node_big (id int PRIMARY KEY, embedding vector)');

  const items = [
    [1, 2, 3],
    [-1, -2, -3],
    [1.5, 2.5, 3.5],
    [0.1, -0.2, 0.3],
    [10, 20, 31],
    [-0.001, 123456.789, -98765.4321],
  ];

  await check('INSERT with pgvector.toSql([...]) as in the README', async () => {
    for (const v of items) {
      await client.query('INSERT INTO node_items (embedding) VALUES ($1)', [pgvector.toSql(v)]);
    }
    const r = await client.query('SELECT count(*)::int AS n FROM node_items');
    assert.equal(r.rows[0].n, items.length);
  });

  await check('SELECT reads vectors back as arrays of numbers (registered text parser)', async () => {
    const r = await client.query('SELECT id, embedding FROM node_items ORDER BY id');
    assert.equal(r.rows.length, items.length);
    r.rows.forEach((row, i) => assertSameF32(row.embedding, items[i]));
    assert.deepEqual(r.rows[0].embedding, [1, 2, 3]);
    assert.deepEqual(r.rows[3].embedding, [0.1, -0.2, 0.3]);
    assert.equal(r.fields[1].format, 'text');
  });

  const query = [1, 2, 3.25];
  await check('ORDER BY embedding <-> $1 LIMIT 5 with pgvector.toSql as in the README', async () => {
    const r = await client.query('SELECT * FROM node_items ORDER BY embedding <-> $1 LIMIT 5',
      [pgvector.toSql(query)]);
    const want = items.map((v, i) => [l2(v, query), i + 1]).sort((a, b) => a[0] - b[0]).slice(0, 5);
    assert.deepEqual(r.rows.map((row) => Number(row.id)), want.map((w) => w[1]));
    r.rows.forEach((row) => assertSameF32(row.embedding, items[Number(row.id) - 1]));
  });

  for (const [op, fn, label] of [
    ['<->', l2, 'L2 distance'],
    ['<#>', (a, b) => -dot(a, b), 'negative inner product'],
    ['<=>', cosine, 'cosine distance'],
    ['<+>', l1, 'L1 distance'],
  ]) {
    await check(`ORDER BY embedding ${op} $1: order and ${label} values match hand-computed`, async () => {
      const r = await client.query(
        `SELECT id, embedding ${op} $1 AS d FROM node_items ORDER BY embedding ${op} $1, id`,
        [pgvector.toSql(query)]);
      const want = items.map((v, i) => [fn(v, query), i + 1]).sort((a, b) => a[0] - b[0]);
      assert.deepEqual(r.rows.map((row) => Number(row.id)), want.map((w) => w[1]));
      for (const row of r.rows) {
        const exp = fn(items[Number(row.id) - 1], query);
        assert.equal(typeof row.d, 'number');
        assert.ok(close(row.d, exp), `id ${row.id}: ${row.d} vs ${exp}`);
      }
    });
  }

  await check('vector_dims, vector_norm and distance functions with $n::vector params', async () => {
    const a = [1, 2, 3];
    const b = [4, -5, 6.5];
    const r = await client.query(
      'SELECT vector_dims($1::vector) AS dims, vector_norm($1::vector) AS norm, ' +
      'l2_distance($1::vector, $2::vector) AS l2, inner_product($1::vector, $2::vector) AS ip, ' +
      'cosine_distance($1::vector, $2::vector) AS cos, l1_distance($1::vector, $2::vector) AS l1',
      [pgvector.toSql(a), pgvector.toSql(b)]);
    const row = r.rows[0];
    assert.equal(row.dims, 3);
    assert.ok(close(row.norm, Math.sqrt(14)), `norm ${row.norm}`);
    assert.ok(close(row.l2, l2(a, b)), `l2 ${row.l2}`);
    assert.ok(close(row.ip, dot(a, b)), `ip ${row.ip}`);
    assert.ok(close(row.cos, cosine(a, b)), `cos ${row.cos}`);
    assert.ok(close(row.l1, l1(a, b)), `l1 ${row.l1}`);
  });

  await check('l2_normalize, subvector and avg/sum aggregates parse as arrays', async () => {
    const r = await client.query(
      "SELECT l2_normalize($1::vector) AS n, subvector($2::vector, 2, 2) AS s, " +
      "binary_quantize($3::vector)::text AS q",
      [pgvector.toSql([3, 4]), pgvector.toSql([1, 2, 3, 4]), pgvector.toSql([1, -2, 0, 0.5])]);
    assertSameF32(r.rows[0].n, [0.6, 0.8]);
    assert.deepEqual(r.rows[0].s, [2, 3]);
    assert.equal(r.rows[0].q, '1001');
    const agg = await client.query('SELECT avg(embedding) AS a, sum(embedding) AS s FROM node_items WHERE id IN (1, 3, 5)');
    assertSameF32(agg.rows[0].s, [12.5, 24.5, 37.5]);
    assertSameF32(agg.rows[0].a, [12.5 / 3, 24.5 / 3, 37.5 / 3]);
  });

  await check('NULL via pgvector.toSql(null) reads back as null', async () => {
    const ins = await client.query('INSERT INTO node_items (embedding) VALUES ($1) RETURNING id', [pgvector.toSql(null)]);
    const r = await client.query('SELECT embedding FROM node_items WHERE id = $1', [ins.rows[0].id]);
    assert.equal(r.rows[0].embedding, null);
    await client.query('DELETE FROM node_items WHERE id = $1', [ins.rows[0].id]);
  });

  await check('1-dim and 16000-dim vectors round-trip at float4 precision', async () => {
    const one = [-7.125];
    const big = [];
    // float4 values, so that the decimal toSql sends names them exactly
    // (a double halfway between two float4s would round differently in
    // strtof and Math.fround, through no fault of either side)
    for (let i = 0; i < 16000; i++) big.push(Math.fround((rand() - 0.5) * 10 ** Math.floor(rand() * 10 - 6)));
    await client.query('INSERT INTO node_big VALUES (1, $1), (2, $2)', [pgvector.toSql(one), pgvector.toSql(big)]);
    const r = await client.query('SELECT id, embedding, vector_dims(embedding) AS d FROM node_big ORDER BY id');
    assertSameF32(r.rows[0].embedding, one);
    assert.equal(r.rows[1].d, 16000);
    assertSameF32(r.rows[1].embedding, big);
  });

  await check('values JavaScript prints in exponent form (1e-7, 3e+21) parse on the server', async () => {
    const v = [1e-7, 3e21, -2.5e-10];
    const r = await client.query('SELECT $1::vector AS v', [pgvector.toSql(v)]);
    assertSameF32(r.rows[0].v, v);
  });

  await check('prepared (named) statement with a vector parameter', async () => {
    for (const v of [[1, 2, 3], [4, 5, 6]]) {
      const r = await client.query({
        name: 'vec_knn',
        text: 'SELECT embedding, embedding <-> $1 AS d FROM node_items ORDER BY embedding <-> $1 LIMIT 1',
        values: [pgvector.toSql(v)],
      });
      assert.equal(r.rows.length, 1);
      assert.ok(Array.isArray(r.rows[0].embedding));
    }
  });

  await check('pg.Pool with pool.on("connect") registerTypes as in the README', async () => {
    const pool = new pg.Pool({ max: 2 });
    // the README's handler; pg does not wait for an async 'connect'
    // handler, so keep its promise and wait for it before the first query
    const pending = [];
    pool.on('connect', function (c) {
      pending.push(pgvector.registerTypes(c));
    });
    try {
      const clients = await Promise.all([pool.connect(), pool.connect()]);
      await Promise.all(pending);
      assert.equal(pending.length, 2);
      for (const c of clients) {
        const r = await c.query('SELECT embedding FROM node_items WHERE id = 1');
        assert.deepEqual(r.rows[0].embedding, [1, 2, 3]);
      }
      clients.forEach((c) => c.release());
      const r = await pool.query('SELECT embedding FROM node_items WHERE id = 1');
      assert.deepEqual(r.rows[0].embedding, [1, 2, 3]);
    } finally {
      await pool.end();
    }
  });

  await check('without registerTypes the text form is the plain string "[1,2,3]"', async () => {
    const c = new pg.Client();
    await c.connect();
    try {
      const r = await c.query('SELECT embedding FROM node_items WHERE id = 1');
      assert.equal(r.rows[0].embedding, '[1,2,3]');
      assert.deepEqual(fromSql(r.rows[0].embedding), [1, 2, 3]);
    } finally {
      await c.end();
    }
  });


  // --- halfvec ---------------------------------------------------------------
  // Values exactly representable in half precision (so also in float4: the
  // server prints the shortest decimal that reads back as the same float4).

  await client.query('CREATE TABLE node_half (id bigserial PRIMARY KEY, embedding halfvec(3))');
  const halfItems = [
    [1, 2, 3],
    [-1, -2, -3],
    [1.5, 2.5, 3.5],
    [0.125, -0.25, 0.5],
    [10, 20, 31],
    [0.0999755859375, 0.199951171875, 0.300048828125], // 0.1, 0.2, 0.3 as halves
    [-4, 0.5, 2],
    [65504, 2 ** -24, -(2 ** -14)], // largest, smallest subnormal, smallest normal
  ];

  await check('registerTypes parses halfvec as an array and sparsevec as a SparseVector', async () => {
    const r = await client.query("SELECT '[1,2.5,-3]'::halfvec AS h, '{1:1.5,3:2}/5'::sparsevec AS s");
    assert.deepEqual(r.rows[0].h, [1, 2.5, -3]);
    assertSparse(r.rows[0].s, 5, [0, 2], [1.5, 2]);
  });

  await check('halfvec: INSERT with pgvector.toSql([...]), read back exactly (float4 of each half)', async () => {
    for (const v of halfItems) {
      await client.query('INSERT INTO node_half (embedding) VALUES ($1)', [pgvector.toSql(v)]);
    }
    const r = await client.query('SELECT id, embedding, vector_dims(embedding) AS d FROM node_half ORDER BY id');
    assert.equal(r.rows.length, halfItems.length);
    r.rows.forEach((row, i) => {
      assert.equal(row.d, 3);
      assertSameF32(row.embedding, halfItems[i]);
    });
    // the text form is the shortest float4 decimal, as pgvector prints it
    assert.deepEqual(r.rows[5].embedding, [0.099975586, 0.19995117, 0.30004883]);
    assert.deepEqual(r.rows[7].embedding, [65504, 5.9604645e-8, -0.000061035156]);
  });

  await check('halfvec: values are rounded to the nearest half on the way in', async () => {
    const r = await client.query('SELECT $1::halfvec AS h', [pgvector.toSql([0.1, 2049, 1 / 3])]);
    assert.deepEqual(r.rows[0].h, [0.099975586, 2048, 0.33325195]);
  });

  const halfQuery = [1, 2, 3.25];
  for (const [op, fn, label] of DENSE_METRICS) {
    await check(`halfvec ORDER BY embedding ${op} $1 (toSql): order and ${label} match hand-computed`, async () => {
      const r = await client.query(
        `SELECT id, embedding ${op} $1 AS d FROM node_half ORDER BY embedding ${op} $1, id`,
        [pgvector.toSql(halfQuery)]);
      assertOrdered(r.rows, halfItems.map((v, i) => [i + 1, fn(v, halfQuery)]));
    });
  }

  await check('halfvec: README-style nearest neighbours, LIMIT 3, rows parse as arrays', async () => {
    const r = await client.query('SELECT * FROM node_half ORDER BY embedding <-> $1 LIMIT 3',
      [pgvector.toSql(halfQuery)]);
    assert.deepEqual(r.rows.map((row) => Number(row.id)), [1, 3, 6]);
    r.rows.forEach((row) => assertSameF32(row.embedding, halfItems[Number(row.id) - 1]));
  });

  await check('halfvec functions: l2_norm, l2_normalize, subvector, avg and sum parse as arrays', async () => {
    const r = await client.query(
      'SELECT l2_norm($1::halfvec) AS n, l2_normalize($1::halfvec) AS u, subvector($2::halfvec, 2, 2) AS s',
      [pgvector.toSql([3, 4]), pgvector.toSql([1, 2, 3, 4])]);
    assert.ok(close(r.rows[0].n, 5));
    assert.deepEqual(r.rows[0].u, [0.60009766, 0.7998047]); // 0.6 and 0.8 as halves
    assert.deepEqual(r.rows[0].s, [2, 3]);
    const agg = await client.query('SELECT avg(embedding) AS a, sum(embedding) AS s FROM node_half WHERE id IN (1, 3, 5)');
    assert.deepEqual(agg.rows[0].s, [12.5, 24.5, 37.5]);
    assert.deepEqual(agg.rows[0].a, [4.1679688, 8.1640625, 12.5]); // 12.5/3, 24.5/3 as halves
  });

  await check('halfvec: 16000 dimensions round-trip', async () => {
    const big = [];
    for (let i = 0; i < 16000; i++) big.push((Math.floor(rand() * 4096) - 2048) / 64); // exact halves
    const r = await client.query('SELECT $1::halfvec AS h, vector_dims($1::halfvec) AS d', [pgvector.toSql(big)]);
    assert.equal(r.rows[0].d, 16000);
    assertSameF32(r.rows[0].h, big);
  });

  // --- sparsevec -------------------------------------------------------------

  await client.query('CREATE TABLE node_sparse (id bigserial PRIMARY KEY, embedding sparsevec(6))');
  const sparseItems = [
    new SparseVector([1, 0, 2, 0, 0, 0]),                      // from a dense array
    new SparseVector(new Map([[5, 4], [1, -1]]), 6),           // from a Map, keys out of order
    new SparseVector([0, 0, 0, 0, 0, 0]),                      // all zero: '{}/6'
    new SparseVector([0.5, 0.25, -1, 8, 1, -2]),
    new SparseVector({ 3: 1000 }, 6),                          // from an object
    new SparseVector(new Map([[0, 1.25], [2, 1.5], [3, 0.25]]), 6),
  ];
  const sparseQuery = new SparseVector([1, 0, 1.5, 0.5, 0, 0]);

  await check('sparsevec: INSERT with pgvector.toSql(new SparseVector(...)), read back as SparseVector', async () => {
    assert.equal(pgvector.toSql(sparseItems[1]), '{6:4,2:-1}/6'); // unsorted: the server sorts
    assert.equal(pgvector.toSql(sparseItems[2]), '{}/6');
    for (const v of sparseItems) {
      await client.query('INSERT INTO node_sparse (embedding) VALUES ($1)', [pgvector.toSql(v)]);
    }
    const r = await client.query('SELECT id, embedding, embedding::text AS t FROM node_sparse ORDER BY id');
    assert.equal(r.rows.length, sparseItems.length);
    assert.deepEqual(r.rows.map((row) => row.t),
      ['{1:1,3:2}/6', '{2:-1,6:4}/6', '{}/6', '{1:0.5,2:0.25,3:-1,4:8,5:1,6:-2}/6', '{4:1000}/6',
        '{1:1.25,3:1.5,4:0.25}/6']);
    r.rows.forEach((row, i) => {
      assert.ok(row.embedding instanceof SparseVector);
      assert.equal(row.embedding.dimensions, 6);
      assertSameF32(Array.from(row.embedding.toArray()), sparseItems[i].toArray());
    });
    assertSparse(r.rows[0].embedding, 6, [0, 2], [1, 2]);
    assertSparse(r.rows[1].embedding, 6, [1, 5], [-1, 4]);
    assertSparse(r.rows[4].embedding, 6, [3], [1000]);
  });

  await check('sparsevec: all-zero {}/6 comes back as text "{}/6", parsed with 6 dimensions', async () => {
    const r = await client.query("SELECT embedding FROM node_sparse WHERE embedding = '{}/6'");
    assert.equal(r.rows.length, 1);
    const e = r.rows[0].embedding;
    assert.equal(e.dimensions, 6);
    assert.deepEqual(Array.from(e.toArray()), [0, 0, 0, 0, 0, 0]);
    if (e.indices.some((x) => Number.isNaN(x))) {
      // pgvector-node's SparseVector parser splits '' into one empty
      // element; the server's text is pgvector's.
      console.log(`#   pgvector-node parses '{}/6' as indices [${e.indices}] ` +
        '(a client-side quirk; the server sends "{}/6" as pgvector does)');
    }
  });

  for (const [op, fn, label] of DENSE_METRICS) {
    await check(`sparsevec ORDER BY embedding ${op} $1 (toSql SparseVector): order and ${label} match hand-computed`, async () => {
      const r = await client.query(
        `SELECT id, embedding ${op} $1 AS d FROM node_sparse ORDER BY embedding ${op} $1, id`,
        [pgvector.toSql(sparseQuery)]);
      assertOrdered(r.rows, sparseItems.map((v, i) => [i + 1, fn(v.toArray(), sparseQuery.toArray())]));
    });
  }

  await check('sparsevec: 1,000,000,000 dimensions, float4 edge values, 1 dimension', async () => {
    const big = new SparseVector(new Map([[999999999, 0.5], [0, -2]]), 1000000000);
    const edge = new SparseVector([0.1, 1e-7, 3e21, 3.4028234663852886e38, -1.401298464324817e-45]);
    const one = new SparseVector([-7.125]);
    const r = await client.query('SELECT $1::sparsevec AS a, $2::sparsevec AS b, $3::sparsevec AS c',
      [pgvector.toSql(big), pgvector.toSql(edge), pgvector.toSql(one)]);
    assertSparse(r.rows[0].a, 1000000000, [0, 999999999], [-2, 0.5]);
    assertSparse(r.rows[0].b, 5, [0, 1, 2, 3, 4], [0.1, 1e-7, 3e21, 3.4028234663852886e38, -1.401298464324817e-45]);
    assertSparse(r.rows[0].c, 1, [0], [-7.125]);
  });

  await check('sparsevec functions and casts: l2_norm, l2_normalize, to/from vector and halfvec', async () => {
    const r = await client.query(
      'SELECT l2_norm($1::sparsevec) AS n, l2_normalize($1::sparsevec) AS u, $1::sparsevec::vector AS v, ' +
      '$1::sparsevec::halfvec AS h, $2::vector::sparsevec AS s, $3::halfvec::sparsevec AS t',
      [pgvector.toSql(new SparseVector({ 0: 3, 3: 4 }, 5)), pgvector.toSql([0, 1.5, 0]),
        pgvector.toSql([2, 0, -1])]);
    const row = r.rows[0];
    assert.ok(close(row.n, 5));
    assertSparse(row.u, 5, [0, 3], [0.6, 0.8]);
    assert.deepEqual(row.v, [3, 0, 0, 4, 0]);
    assert.deepEqual(row.h, [3, 0, 0, 4, 0]);
    assertSparse(row.s, 3, [1], [1.5]);
    assertSparse(row.t, 3, [0, 2], [2, -1]);
  });

  // --- bit: no parser in pgvector-node, plain strings both ways ---------------

  await client.query('CREATE TABLE node_bits (id int PRIMARY KEY, b bit(8))');
  const bitItems = ['11110000', '11111111', '00001111', '11100000', '00000000', '10101010'];
  const bitQuery = '11110001';
  for (const [i, b] of bitItems.entries()) {
    await client.query('INSERT INTO node_bits VALUES ($1, $2)', [i + 1, b]);
  }
  for (const [op, fn, label] of [['<~>', hamming, 'Hamming'], ['<%>', jaccard, 'Jaccard']]) {
    await check(`bit ORDER BY b ${op} $1 with string parameters: order and ${label} distances`, async () => {
      const r = await client.query(
        `SELECT id, b, b ${op} $1 AS d FROM node_bits ORDER BY b ${op} $1, id`, [bitQuery]);
      assertOrdered(r.rows, bitItems.map((b, i) => [i + 1, fn(b, bitQuery)]));
      r.rows.forEach((row) => assert.equal(row.b, bitItems[row.id - 1]));
    });
  }

  // --- errors -------------------------------------------------------------
  await check('dimension mismatch on insert -> 22000', () =>
    expectError(client, '22000', 'INSERT INTO node_items (embedding) VALUES ($1)', [pgvector.toSql([1, 2])]));
  await check('different dimensions in <-> -> 22000', () =>
    expectError(client, '22000', 'SELECT $1::vector <-> $2::vector', [pgvector.toSql([1, 2]), pgvector.toSql([1, 2, 3])]));
  await check('malformed text -> 22P02', () =>
    expectError(client, '22P02', 'SELECT $1::vector', ['[1,2']));
  await check('NaN: toSql([NaN]) gives "[1,null]" -> 22P02; literal [1,NaN] -> 22000', async () => {
    // JSON.stringify turns NaN into null: pgvector.toSql([NaN]) is "[null]",
    // which the server rejects as malformed, just as pgvector does.
    assert.equal(pgvector.toSql([1, NaN]), '[1,null]');
    await expectError(client, '22P02', 'SELECT $1::vector', [pgvector.toSql([1, NaN])]);
    await expectError(client, '22000', 'SELECT $1::vector', ['[1,NaN]']);
  });
  await check('empty vector -> 22000', () =>
    expectError(client, '22000', 'SELECT $1::vector', [pgvector.toSql([])]));
  await check('halfvec overflow: toSql([70000]) -> 22003', () =>
    expectError(client, '22003', 'SELECT $1::halfvec', [pgvector.toSql([1, 70000])]));
  await check('halfvec dimension mismatch on insert into halfvec(3) -> 22000', () =>
    expectError(client, '22000', 'INSERT INTO node_half (embedding) VALUES ($1)', [pgvector.toSql([1, 2])]));
  await check('sparsevec duplicate indices -> 22000', () =>
    expectError(client, '22000', 'SELECT $1::sparsevec', ['{1:1,1:2}/3']));
  await check('sparsevec index past the dimensions: toSql(new SparseVector({5: 1}, 3)) -> 22000', () =>
    expectError(client, '22000', 'SELECT $1::sparsevec', [pgvector.toSql(new SparseVector({ 5: 1 }, 3))]));
  await check('sparsevec dimension mismatch on insert into sparsevec(6) -> 22000', () =>
    expectError(client, '22000', 'INSERT INTO node_sparse (embedding) VALUES ($1)',
      [pgvector.toSql(new SparseVector([1, 2, 3]))]));
  await check('sparsevec <-> with different dimensions -> 22000', () =>
    expectError(client, '22000', 'SELECT $1::sparsevec <-> $2::sparsevec',
      [pgvector.toSql(new SparseVector([1, 2])), pgvector.toSql(new SparseVector([1, 2, 3]))]));
  await check('bit length mismatch in <~> and <%> -> 22000', async () => {
    await expectError(client, '22000', 'SELECT $1::bit(3) <~> $2::bit(2)', ['111', '11']);
    await expectError(client, '22000', 'SELECT b <%> $1 FROM node_bits', ['111']);
  });

  // --- binary, which node-postgres uses only on request ---------------------
  // Binary *results* are not tested: node-postgres's protocol parser decodes
  // every DataRow field as a UTF-8 string (pg-protocol parseDataRowMessage),
  // so {binary: true} mangles any byte >= 0x80 for every type, vector or not.
  // Binary *parameters* (Buffers) do go through intact:

  await check('Buffer parameters go in the binary wire format and are accepted', async () => {
    const v = [0.5, -1.25, 3.4028234663852886e38];
    const r = await client.query('SELECT $1::vector AS v, vector_dims($1::vector) AS d', [vectorToBinary(v)]);
    assertSameF32(r.rows[0].v, v);
    assert.equal(r.rows[0].d, 3);
  });

  await check('binary parameter with unused != 0 is rejected as a data error (class 22)', async () => {
    let err = null;
    try {
      await client.query('SELECT $1::vector AS v', [vectorToBinary([1], 7)]);
    } catch (e) {
      err = e;
    }
    assert.ok(err, 'accepted');
    assert.match(err.code, /^22/, err.code);
    console.log(`#   unused != 0 gave SQLSTATE ${err.code} (pgvector: 22000)`);
  });

  await client.query('DROP TABLE node_items, node_big, node_half, node_sparse, node_bits');
  await client.end();
}

main()
  .catch((e) => {
    failed++;
    console.log(`not ok ${passed + failed} - test setup or connection`);
    for (const line of String(e && e.stack ? e.stack : e).split('\n')) console.log(`#   ${line}`);
  })
  .finally(() => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed ? 1 : 0;
  });
