// Stand-in for 'k6/http': requests go to globalThis.k6Responder (set by the test), which answers
// synchronously like k6's http module.
function request(method, url, body, params) {
  const responder = globalThis.k6Responder;
  if (!responder) throw new Error('no globalThis.k6Responder set');
  const res = responder({ method, url, body, params });
  return { timings: { duration: 1.5 }, error: '', ...res };
}

export default {
  get: (url, params) => request('GET', url, null, params),
  post: (url, body, params) => request('POST', url, body, params),
};
