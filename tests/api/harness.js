// harness.js - starts a real `recur serve` on a fresh SQLite file for a test
// file, creates tenants through the real CLI, and hands out stripe clients.
// With RECUR_TEST_PG=postgres://… (the admin URL of a throw-away server,
// scripts/pg-server.sh; make api-pg) every server gets a database of its own
// on that PostgreSQL instead, and sql()/dump() speak to it through psql.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const Stripe = require('stripe');

const BIN = process.env.RECUR_BIN || path.resolve(__dirname, '../../build/recur');
const PG = process.env.RECUR_TEST_PG || '';

// Runs SQL on a PostgreSQL database through psql: rows as tab-separated text.
function psql(url, q) {
  return execFileSync('psql', [url, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-f', '-'],
    { input: q, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 }).toString();
}

// The back end a server runs on: its URL, sql(q) answering as `sqlite3 -json`
// does ('' for no rows or a statement), and dump() of every table.
function sqliteBackend(dir) {
  const dbPath = path.join(dir, 'recur.db');
  return {
    db: `sqlite:${dbPath}`,
    dbPath,
    // A canonical dump of every table, to prove a request changed nothing
    // (two sqlite3 processes, whatever the number of tables).
    dump() {
      const tables = execFileSync('sqlite3', [dbPath,
        "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"]).toString()
        .split('\n').filter(Boolean);
      const script = tables.map((t) => `SELECT '== ${t}'; SELECT * FROM "${t}" ORDER BY rowid;`).join('\n');
      return execFileSync('sqlite3', [dbPath], { input: script, maxBuffer: 256 * 1024 * 1024 }).toString();
    },
    sql(q) {
      return execFileSync('sqlite3', ['-json', dbPath, q]).toString().trim();
    },
    drop() {},
  };
}

function pgBackend() {
  const name = `recur_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  psql(PG, `CREATE DATABASE ${name}`);
  const url = new URL(PG);
  url.pathname = `/${name}`;
  const db = url.toString();
  return {
    db,
    dbPath: null,
    // Every table's rows in a fixed order (by their text: PostgreSQL has no rowid).
    dump() {
      const tables = psql(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        + ' ORDER BY tablename').split('\n').filter(Boolean);
      return psql(db, tables.map((t) => `SELECT '== ${t}'; SELECT * FROM "${t}" x ORDER BY x::text;`)
        .join('\n'));
    },
    // A query's rows as `sqlite3 -json` prints them; a statement runs as it is,
    // with the two sqlite3 idioms tests use in PostgreSQL's words: no PRAGMA
    // (psql waits for locks anyway), and BEGIN IMMEDIATE takes the writers'
    // lock as recur's transactions do (src/store/postgres.c).
    sql(q) {
      const body = q.trim().replace(/;$/, '');
      if (!/^(SELECT|WITH)\b/i.test(body)) {
        psql(db, q.replace(/PRAGMA [^;]*;/gi, '')
          .replace(/BEGIN IMMEDIATE;/gi, 'BEGIN; SELECT pg_advisory_xact_lock(491496043890);'));
        return '';
      }
      const rows = JSON.parse(psql(db, `SELECT coalesce(json_agg(t), '[]') FROM (${body}) t`));
      return rows.length ? `[${rows.map((r) => JSON.stringify(r)).join(',\n')}]` : '';
    },
    drop() {
      psql(PG, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitForPort(port, child, deadlineMs = 10000) {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`recur serve exited with ${child.exitCode}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('recur serve did not start listening');
}

// Every change the server answered (a POST or DELETE with a 2xx, or a 402
// whose attempt is kept; not a replayed answer, nor one the log marks
// "unaudited": a preview, a request that wrote no row, a 402 that kept
// nothing) has exactly one audit entry with its request id, method, path and
// status, and an unaudited one has none (docs/audit.md). Run at every stop,
// so the whole API suite proves it for every change it makes; turn it off
// with RECUR_AUDIT_CHECK=0.
function checkAudit(server) {
  const text = fs.readFileSync(path.join(server.dir, 'serve.log'), 'utf8');
  const want = new Map();
  const unaudited = [];
  for (const m of text.matchAll(/ (POST|DELETE) (\S+) (\d{3}) \S+ (req_\w+)( replayed)?( unaudited)?$/gm)) {
    const status = Number(m[3]);
    if (m[6]) unaudited.push(m[4]);
    if (m[5] || m[6] || !((status >= 200 && status < 300) || status === 402)) continue;
    want.set(m[4], { method: m[1], path: m[2], status });
  }
  if (want.size === 0 && unaudited.length === 0) return;
  const rows = JSON.parse(server.sql(
    "SELECT request_id, method, path, status FROM audit_log WHERE actor = 'api'") || '[]');
  const seen = new Map();
  for (const r of rows) seen.set(r.request_id, [...(seen.get(r.request_id) || []), r]);
  const wrong = [];
  for (const [id, w] of want) {
    const got = seen.get(id) || [];
    if (got.length !== 1 || got[0].method !== w.method || got[0].path !== w.path ||
        got[0].status !== w.status) {
      wrong.push(`${w.method} ${w.path} ${w.status} ${id}: ${JSON.stringify(got)}`);
    }
  }
  for (const id of unaudited) if (seen.has(id)) wrong.push(`unaudited ${id} has an entry`);
  if (wrong.length) {
    throw new Error(`audit check: ${wrong.length} of ${want.size} changes without exactly one`
      + ` matching audit entry:\n${wrong.slice(0, 20).join('\n')}`);
  }
}

// Starts a server; returns { url, port, db, dir, tenant(name), client(key), sql(q), dump(), stop() }.
async function startServer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-api-'));
  const backend = PG ? pgBackend() : sqliteBackend(dir);
  const { db, dbPath } = backend;
  const port = await freePort();
  const log = fs.openSync(path.join(dir, 'serve.log'), 'a');
  const child = spawn(BIN, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', log, log],
      // webhook receivers in tests listen on loopback (docs/webhooks.md)
      env: { ...process.env, RECUR_WEBHOOKS_ALLOW_PRIVATE: '1' } });
  await waitForPort(port, child);
  const server = {
    dir, db, dbPath, port, child,
    url: `http://127.0.0.1:${port}`,
    // A new tenant via the real CLI: { id, name, secret_key, live_secret_key }.
    tenant(name = 'Test tenant') {
      const out = execFileSync(BIN, ['tenant', 'create', '--name', name, '--db', db]);
      return JSON.parse(out.toString());
    },
    client(key, opts = {}) {
      return new Stripe(key, {
        host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, ...opts,
      });
    },
    // Raw HTTP for what the SDK cannot send (malformed bodies, missing keys).
    async raw(method, urlPath, { key, body, headers = {} } = {}) {
      const h = { ...headers };
      if (key) h.Authorization = `Bearer ${key}`;
      if (body !== undefined && !h['Content-Type']) h['Content-Type'] = 'application/x-www-form-urlencoded';
      const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, { method, headers: h, body });
      const text = await res.text();
      let json = null;
      try { json = JSON.parse(text); } catch { /* not JSON */ }
      return { status: res.status, headers: res.headers, text, json };
    },
    pg: Boolean(PG),
    dump: backend.dump,
    sql: backend.sql,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      fs.closeSync(log);
      try {
        if (process.env.RECUR_AUDIT_CHECK !== '0') checkAudit(server);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        backend.drop();
      }
    },
  };
  return server;
}

module.exports = { startServer, BIN, PG, freePort, waitForPort };
