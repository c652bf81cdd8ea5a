// Preloaded into Portkey's gateway process by `bench overhead` (node --import). See bench/README.md.
const originalFetch = globalThis.fetch
const NativeResponse = globalThis.Response
globalThis.fetch = async (...args) => {
  const response = await originalFetch(...args)
  return new NativeResponse(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: new Headers(response.headers)
  })
}
