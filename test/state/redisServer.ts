/**
 * Test helpers for Redis: the shared server's URL, unique key prefixes, and a private redis-server
 * (the same one the failover benchmark stops mid-run).
 */
export { privateRedis } from "../../bench/privateRedis.ts"
export type { PrivateRedis } from "../../bench/privateRedis.ts"

export const sharedRedisUrl = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379"
export const uniquePrefix = (name: string) => `test:${name}:${process.pid}:${Date.now()}:`
