// import_lib.js - what the import tests share: a tenant with its client,
// POST /v1/imports as a text/csv body or a multipart upload, an import's
// counts, and which tables two database dumps differ in.
'use strict';
const assert = require('node:assert/strict');

module.exports = (getServer) => {
  // A tenant with its stripe client and a raw GET.
  function world(name) {
    const server = getServer();
    const t = server.tenant(name);
    const s = server.client(t.secret_key);
    const get = (p) => server.raw('GET', p, { key: t.secret_key });
    return { t, s, get };
  }

  // POST /v1/imports with the file as a text/csv body and the options in the query.
  async function importCsv(w, type, csv, opts = {}) {
    const q = new URLSearchParams({ type, ...opts });
    const r = await getServer().raw('POST', `/v1/imports?${q}`,
      { key: w.t.secret_key, body: csv, headers: { 'Content-Type': 'text/csv' } });
    assert.equal(r.status, 200, r.text);
    return r.json;
  }

  // POST /v1/imports as a multipart/form-data upload (the way a browser form sends it).
  async function importForm(w, type, csv, filename, opts = {}) {
    const form = new FormData();
    form.append('type', type);
    for (const [k, v] of Object.entries(opts)) form.append(k, v);
    form.append('file', new Blob([csv], { type: 'text/csv' }), filename);
    const res = await fetch(`${getServer().url}/v1/imports`, {
      method: 'POST', headers: { Authorization: `Bearer ${w.t.secret_key}` }, body: form,
    });
    const json = await res.json();
    assert.equal(res.status, 200, JSON.stringify(json));
    return json;
  }

  // The counts of an import object, for one exact comparison.
  const counts = (imp) => ({
    status: imp.status, rows: imp.rows, created: imp.created_count, updated: imp.updated_count,
    unchanged: imp.unchanged_count, errors: imp.error_count,
  });

  async function all(iter) {
    const out = [];
    for await (const x of iter) out.push(x);
    return out;
  }

  // The tables whose rows differ between two server.dump()s.
  function changedTables(a, b) {
    const split = (d) => {
      const out = {};
      for (const part of d.split(/^== /m).slice(1)) {
        const nl = part.indexOf('\n');
        out[part.slice(0, nl)] = part.slice(nl + 1);
      }
      return out;
    };
    const x = split(a), y = split(b);
    return [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((t) => x[t] !== y[t]).sort();
  }

  return { world, importCsv, importForm, counts, all, changedTables };
};
