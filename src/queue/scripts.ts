import type { Redis } from "ioredis";

/**
 * Registers a run as its branch's latest, atomically with marking its delivery as handled.
 * If an older run was latest, publishes a cancel for it and returns ['replaced', its run key]; if
 * this run is itself older than the latest (a late redelivery), publishes a cancel for this run
 * and returns ['stale', latest JSON]; otherwise ['latest', ''].
 * KEYS: delivery, latest. ARGV: runKey, latest JSON, receivedAt, delivery TTL, latest TTL, channel.
 */
const CLAIM_LATEST = `
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
local current = redis.call('GET', KEYS[2])
if current then
  local cur = cjson.decode(current)
  if cur.runKey == ARGV[1] then return 'latest' end
  if tonumber(cur.receivedAt) > tonumber(ARGV[3]) then
    redis.call('PUBLISH', ARGV[6], cjson.encode({runKey = ARGV[1], reason = {type = 'superseded', by = cur}}))
    return {'stale', current}
  end
  redis.call('PUBLISH', ARGV[6], '{"runKey":' .. cjson.encode(cur.runKey) .. ',"reason":{"type":"superseded","by":' .. ARGV[2] .. '}}')
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[5])
  return {'replaced', cur.runKey}
end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[5])
return {'latest', ''}
`;

/**
 * Fair share between installations (start-time fair queueing over BullMQ priorities, lower runs
 * first). An installation's next job gets max(its last priority + 1, the priority of the job
 * started last): a newcomer lands right behind what is running, while a busy installation's
 * backlog keeps its place further back. The table resets whenever no build waits, runs or
 * waits to retry, so priorities stay small (and are capped at BullMQ's maximum, where order
 * degrades to first-come first-served). KEYS: fair hash, the builds queue's prioritized zset,
 * active list and delayed zset (BullMQ 6 key names). ARGV: installation id.
 */
const FAIR_ASSIGN = `
if redis.call('ZCARD', KEYS[2]) == 0 and redis.call('LLEN', KEYS[3]) == 0 and redis.call('ZCARD', KEYS[4]) == 0 then
  redis.call('DEL', KEYS[1])
end
local started = tonumber(redis.call('HGET', KEYS[1], 'started') or '0')
local own = tonumber(redis.call('HGET', KEYS[1], 'i:' .. ARGV[1]) or '0')
local p = math.max(own + 1, started)
if p > 2097152 then p = 2097152 end
redis.call('HSET', KEYS[1], 'i:' .. ARGV[1], p)
return p
`;

/** Records that a job of priority ARGV[1] started. KEYS: fair hash. */
const FAIR_STARTED = `
local started = tonumber(redis.call('HGET', KEYS[1], 'started') or '0')
if tonumber(ARGV[1]) > started then redis.call('HSET', KEYS[1], 'started', ARGV[1]) end
return 1
`;

interface SlipwayCommands {
  slipwayClaimLatest(
    delivery: string,
    latest: string,
    runKey: string,
    latestJson: string,
    receivedAt: number,
    deliveryTtl: number,
    latestTtl: number,
    channel: string,
  ): Promise<["latest" | "replaced" | "stale", string]>;
  slipwayFairAssign(
    fair: string,
    prioritized: string,
    active: string,
    delayed: string,
    installationId: number,
  ): Promise<number>;
  slipwayFairStarted(fair: string, priority: number): Promise<number>;
}

export type ScriptedRedis = Redis & SlipwayCommands;

/** Adds Slipway's Lua scripts to a connection (sent once, then called by their sha). */
export function withScripts(redis: Redis): ScriptedRedis {
  if (!("slipwayClaimLatest" in redis)) {
    redis.defineCommand("slipwayClaimLatest", { numberOfKeys: 2, lua: CLAIM_LATEST });
    redis.defineCommand("slipwayFairAssign", { numberOfKeys: 4, lua: FAIR_ASSIGN });
    redis.defineCommand("slipwayFairStarted", { numberOfKeys: 1, lua: FAIR_STARTED });
  }
  return redis as ScriptedRedis;
}
