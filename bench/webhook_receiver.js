// bench/webhook_receiver.js PORT N - the loopback receiver of bench/webhooks.sh.
// Answers every POST 200 at once (keep-alive) and prints one JSON line when
// the N-th request has arrived: {"n", "first_ms", "last_ms"} (Date.now()).
// The signature is not checked here: tests/api/webhooks.test.js does that.
'use strict';
const http = require('node:http');

const port = Number(process.argv[2]);
const want = Number(process.argv[3]);
let n = 0;
let first = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (n === 0) first = Date.now();
    n++;
    res.writeHead(200, { 'Content-Length': '0' }).end();
    if (n === want) console.log(JSON.stringify({ n, first_ms: first, last_ms: Date.now() }));
  });
});
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1', () => console.log('listening'));
