// Preloaded (`node --require`) into a packaged function's process: records every AWS request the
// function sends, one JSON line `{target, body}` per request, in the file AWS_CALL_RECORD names.
//
// The artifact is a bundle: its SDK clients cannot be given a middleware from outside, and the
// project's JSON RPC client has none. Both send through @smithy/node-http-handler, which calls
// `http.request`/`https.request` at send time: that is the one seam common to both, and the
// `x-amz-target` header and JSON body written there are exactly what AWS authorises.
'use strict';
const { appendFileSync } = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const { syncBuiltinESMExports } = require('node:module');

const file = process.env.AWS_CALL_RECORD;
delete process.env.AWS_CALL_RECORD;

function targetOf(args) {
  for (const arg of args) {
    const headers = arg && typeof arg === 'object' && !(arg instanceof globalThis.URL) ? arg.headers : undefined;
    if (!headers) continue;
    for (const [name, value] of Object.entries(headers))
      if (name.toLowerCase() === 'x-amz-target') return String(value);
  }
  return undefined;
}

function wrap(module) {
  const original = module.request;
  module.request = function request(...args) {
    const req = original.apply(this, args);
    const target = targetOf(args);
    if (!target || !file) return req;
    const chunks = [];
    const keep = (chunk) => {
      if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') chunks.push(Buffer.from(chunk));
    };
    const write = req.write;
    req.write = function (chunk, ...rest) {
      keep(chunk);
      return write.call(this, chunk, ...rest);
    };
    const end = req.end;
    req.end = function (chunk, ...rest) {
      keep(chunk);
      const text = Buffer.concat(chunks).toString('utf8');
      appendFileSync(file, `${JSON.stringify({ target, body: text === '' ? {} : JSON.parse(text) })}\n`);
      return end.call(this, chunk, ...rest);
    };
    return req;
  };
}
wrap(http);
wrap(https);
// ES modules importing `request` by name see the wrapped function too.
syncBuiltinESMExports();
