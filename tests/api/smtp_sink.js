'use strict';
// smtp_sink.js - a small SMTP server on loopback for the e-mail tests
// (docs/email.md): enough of RFC 5321 for libcurl (220, EHLO/HELO, MAIL, RCPT,
// DATA ... ".", RSET, NOOP, QUIT), capturing each message with its envelope,
// headers, decoded subject (RFC 2047 B words) and decoded body (base64).
// refuse(n) makes the next n messages fail with a 451 at DATA.
const net = require('node:net');

function decodeSubject(raw) {
  return raw.replace(/\s*=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/gi,
    (_, b) => Buffer.from(b, 'base64').toString('utf8')).trim();
}

function parse(data, envelope) {
  const sep = data.indexOf('\r\n\r\n');
  const head = data.slice(0, sep).replace(/\r\n[ \t]/g, ' ');
  const headers = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = data.slice(sep + 4);
  if ((headers['content-transfer-encoding'] || '').toLowerCase() === 'base64') {
    body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  return { ...envelope, headers, subject: decodeSubject(headers.subject || ''),
    body: body.replace(/\r\n/g, '\n') };
}

async function startSink() {
  const messages = [];
  const waiters = [];
  let refusals = 0;
  const server = net.createServer((sock) => {
    let buf = '';
    let inData = false;
    let env = { from: null, to: [] };
    sock.write('220 sink ESMTP\r\n');
    sock.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const data = Buffer.from(buf.slice(0, end), 'latin1').toString('utf8')
            .replace(/\r\n\.\./g, '\r\n.');
          buf = buf.slice(end + 5);
          inData = false;
          messages.push(parse(data, env));
          env = { from: null, to: [] };
          sock.write('250 queued\r\n');
          while (waiters.length && waiters[0].n <= messages.length) waiters.shift().resolve();
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') sock.write('250 sink\r\n');
        else if (verb === 'MAIL') { env.from = line.match(/<(.*)>/)[1]; sock.write('250 ok\r\n'); }
        else if (verb === 'RCPT') { env.to.push(line.match(/<(.*)>/)[1]); sock.write('250 ok\r\n'); }
        else if (verb === 'DATA') {
          if (refusals > 0) { refusals--; sock.write('451 try again later\r\n'); }
          else { inData = true; sock.write('354 go ahead\r\n'); }
        } else if (verb === 'QUIT') { sock.end('221 bye\r\n'); return; }
        else if (verb === 'RSET' || verb === 'NOOP') sock.write('250 ok\r\n');
        else sock.write('502 not implemented\r\n');
      }
    });
    sock.on('error', () => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `smtp://127.0.0.1:${server.address().port}`,
    messages,
    refuse(n) { refusals = n; },
    // Resolves when n messages have come; rejects after ms.
    waitFor(n, ms = 10000) {
      if (messages.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`sink: ${messages.length} of ${n} messages`)), ms);
        waiters.push({ n, resolve: () => { clearTimeout(t); resolve(); } });
        waiters.sort((a, b) => a.n - b.n);
      });
    },
    close() { return new Promise((r) => server.close(r)); },
  };
}

module.exports = { startSink };
