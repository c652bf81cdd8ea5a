// Preloaded into Portkey's gateway process by `llm-router bench overhead` (node --import), see
// bench/README.md: @hono/node-server 1.19's Response keeps an upstream fetch response's immutable
// Headers, to which Portkey appends its own, so every streaming request would fail with
// "TypeError: immutable". Each upstream response is copied into a fresh one with mutable headers.
const originalFetch = globalThis.fetch
const NativeResponse = globalThis.Response
const NativeHeaders = globalThis.Headers
globalThis.fetch = async (...args) => {
  const response = await originalFetch(...args)
  return new NativeResponse(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: new NativeHeaders(response.headers)
  })
}
