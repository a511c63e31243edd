'use strict';
// Client test: node-postgres (pg) with the pgvector npm package, used exactly
// as its README shows for node-postgres, against the milvus vector type.
//
// Connection settings come from the libpq-style environment (PGHOST, PGPORT,
// PGUSER, PGDATABASE), which pg reads itself; the database must already have
// the extension created.  Prints "ok N - ..." / "not ok N - ..." lines and a
// final "N passed, N failed"; exits non-zero on any failure.

const assert = require('node:assert/strict');
const pg = require('pg');
const pgvector = require('pgvector/pg');
const { fromSql } = require('pgvector');

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

  await client.query('DROP TABLE IF EXISTS node_items, node_big');
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

  await client.query('DROP TABLE node_items, node_big');
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
