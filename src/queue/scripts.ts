import type { Redis } from "ioredis";

/** Redis time in milliseconds: one clock for every web and worker process. */
const NOW = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * Fair share between installations (start-time fair queueing over BullMQ priorities, lower runs
 * first). An installation's next job gets max(the highest priority it still has waiting + 1,
 * the priority of the job started last): a newcomer lands right behind what is running, a busy
 * installation's backlog keeps its place further back, and jobs that were cancelled or started
 * no longer count against their installation.
 *
 * Keys (all under `base`, the queue's fair prefix): `base` hash {gen, started, swept}; `base:waiting`
 * zset of every assigned, not yet started job (score: assign time); `base:<gen>:w:<inst>` zset
 * of an installation's waiting jobs (score: priority). The table starts a new generation when
 * the queue is idle (nothing assigned in the last minute, nothing prioritized, active or
 * delayed), so priorities stay small; they are capped at BullMQ's maximum, where order degrades
 * to first come, first served. Single Redis only (keys are built inside the script).
 */
const FAIR_ASSIGN_FN = `
local function fair_assign(base, queue, inst, member, now)
  local waiting = base .. ':waiting'
  local state = redis.call('HMGET', base, 'gen', 'started', 'swept')
  local gen = state[1] or '0'
  local started = tonumber(state[2] or '0')
  -- Assignments older than a day (a web process died before adding their job) are dropped,
  -- at most once a minute rather than on every call.
  if now - tonumber(state[3] or '0') > 60000 then
    redis.call('ZREMRANGEBYSCORE', waiting, '-inf', now - 86400000)
    redis.call('HSET', base, 'swept', now)
  end
  if redis.call('ZCOUNT', waiting, now - 60000, '+inf') == 0
    and redis.call('ZCARD', queue .. ':prioritized') == 0
    and redis.call('LLEN', queue .. ':active') == 0
    and redis.call('ZCARD', queue .. ':delayed') == 0 then
    gen = redis.call('HINCRBY', base, 'gen', 1)
    started = 0
    redis.call('HSET', base, 'started', 0)
  end
  local own_key = base .. ':' .. gen .. ':w:' .. inst
  local top = redis.call('ZREVRANGE', own_key, 0, 0, 'WITHSCORES')
  local own = tonumber(top[2] or '0')
  local p = math.max(own + 1, started)
  if p > 2097151 then p = 2097151 end
  redis.call('ZADD', own_key, p, member)
  redis.call('EXPIRE', own_key, 604800)
  redis.call('ZADD', waiting, now, member)
  return p
end
`;

/** ARGV: base, queue, installation id, member. */
const FAIR_ASSIGN = `${NOW}${FAIR_ASSIGN_FN}
return fair_assign(ARGV[1], ARGV[2], ARGV[3], ARGV[4], now_ms())
`;

/** A job left the waiting set: started (ARGV[4] = its priority) or cancelled (ARGV[4] = 0). */
const FAIR_DONE = `
local base = ARGV[1]
local priority = tonumber(ARGV[4])
if priority > 0 then
  local started = tonumber(redis.call('HGET', base, 'started') or '0')
  if priority > started then redis.call('HSET', base, 'started', priority) end
end
local gen = redis.call('HGET', base, 'gen') or '0'
redis.call('ZREM', base .. ':' .. gen .. ':w:' .. ARGV[2], ARGV[3])
redis.call('ZREM', base .. ':waiting', ARGV[3])
return 1
`;

/**
 * Starts the intake of a delivery in one round trip: answers whether the delivery was handled
 * already, Redis's clock, and — for a run — the fair priority of its announce job.
 * KEYS: delivery. ARGV: fair base, queue, installation id ('' for none), member.
 */
const INTAKE_BEGIN = `${NOW}${FAIR_ASSIGN_FN}
if redis.call('EXISTS', KEYS[1]) == 1 then return {1, 0, 0} end
local now = now_ms()
local priority = 0
if ARGV[3] ~= '' then priority = fair_assign(ARGV[1], ARGV[2], ARGV[3], ARGV[4], now) end
return {0, now, priority}
`;

/**
 * Registers a run as its branch's latest. If an older run was latest, publishes a cancel for it
 * and returns {'replaced', its run key, 1 if it was announced already (its run state exists) else
 * 0}; if this run is itself older than the latest (a late redelivery), publishes a cancel for this
 * run and returns {'stale', latest JSON, 0}; otherwise {'latest', '', 0}. `run_prefix` is the run
 * state keys' prefix (the replaced run's key is built here: single Redis only).
 */
const CLAIM_LATEST_FN = `
local function claim_latest(latest_key, run_key, latest_json, received_at, latest_ttl, channel, run_prefix)
  local current = redis.call('GET', latest_key)
  if current then
    local cur = cjson.decode(current)
    if cur.runKey == run_key then return {'latest', '', 0} end
    if tonumber(cur.receivedAt) > tonumber(received_at) then
      redis.call('PUBLISH', channel, cjson.encode({runKey = run_key, reason = {type = 'superseded', by = cur}}))
      return {'stale', current, 0}
    end
    redis.call('PUBLISH', channel, '{"runKey":' .. cjson.encode(cur.runKey) .. ',"reason":{"type":"superseded","by":' .. latest_json .. '}}')
    redis.call('SET', latest_key, latest_json, 'EX', latest_ttl)
    return {'replaced', cur.runKey, redis.call('EXISTS', run_prefix .. cur.runKey)}
  end
  redis.call('SET', latest_key, latest_json, 'EX', latest_ttl)
  return {'latest', '', 0}
end
`;

/**
 * Marks a delivery handled and registers its run as the branch's latest, atomically (see
 * claim_latest for the answer).
 * KEYS: delivery, latest. ARGV: runKey, latest JSON, receivedAt, delivery TTL, latest TTL, channel,
 * the run state keys' prefix.
 */
const CLAIM_LATEST = `${CLAIM_LATEST_FN}
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
return claim_latest(KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[5], ARGV[6], ARGV[7])
`;

/**
 * A push's whole intake before its job is added, in one round trip: the duplicate check, Redis's
 * clock, the announce job's fair priority, the delivery marked taken (`taken:<receivedAt>`) and
 * the run registered as its branch's latest (publishing the cancel of the run it replaces).
 *
 * The job is added after this, so a crash in between leaves a taken delivery without a job. A
 * taken delivery is a duplicate only once its job exists or its run has state (the announce job
 * creates it before it completes, and it outlives the marker): a redelivery of one that never got
 * its job is queued again, with its first receive time.
 *
 * Returns {1 if duplicate, receivedAt, priority, claim_latest's three answers}.
 * KEYS: delivery, latest, the announce job's BullMQ hash, the run's state.
 * ARGV: fair base, queue, installation id, runKey, sha, delivery TTL, latest TTL, channel, the run
 * state keys' prefix.
 */
const INTAKE_RUN = `${NOW}${FAIR_ASSIGN_FN}${CLAIM_LATEST_FN}
local marker = redis.call('GET', KEYS[1])
local now = now_ms()
local received_at = now
if marker then
  local taken = string.match(marker, '^taken:(%d+)$')
  if taken == nil or redis.call('EXISTS', KEYS[3]) == 1 or redis.call('EXISTS', KEYS[4]) == 1 then
    return {1, 0, 0, '', '', 0}
  end
  received_at = tonumber(taken)
end
local priority = fair_assign(ARGV[1], ARGV[2], ARGV[3], ARGV[4], now)
redis.call('SET', KEYS[1], 'taken:' .. received_at, 'EX', ARGV[6])
local latest_json = cjson.encode({runKey = ARGV[4], sha = ARGV[5], receivedAt = received_at, kind = 'run'})
local claim = claim_latest(KEYS[2], ARGV[4], latest_json, received_at, ARGV[7], ARGV[8], ARGV[9])
return {0, received_at, priority, claim[1], claim[2], claim[3]}
`;

/**
 * Updates a run's state hash in one command (atomic like MULTI, but a single EVALSHA that an
 * auto-pipelining connection batches with other commands): sets fields, refreshes the TTL, adds
 * the run to the open set (NX) or removes it, and optionally reads a field back.
 * KEYS: run hash, open set. ARGV: TTL, open op ('add' | 'remove' | ''), score, member, field to
 * read back ('' for none), then triples of mode ('set' | 'setnx'), field, value.
 */
const RUN_UPDATE = `
for i = 6, #ARGV, 3 do
  if ARGV[i] == 'setnx' then
    redis.call('HSETNX', KEYS[1], ARGV[i + 1], ARGV[i + 2])
  else
    redis.call('HSET', KEYS[1], ARGV[i + 1], ARGV[i + 2])
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
if ARGV[2] == 'add' then
  redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[4])
elseif ARGV[2] == 'remove' then
  redis.call('ZREM', KEYS[2], ARGV[4])
end
if ARGV[5] ~= '' then return redis.call('HGET', KEYS[1], ARGV[5]) end
return false
`;

interface SlipwayCommands {
  slipwayIntakeBegin(
    delivery: string,
    fairBase: string,
    queue: string,
    installationId: string,
    member: string,
  ): Promise<[number, number, number]>;
  slipwayClaimLatest(
    delivery: string,
    latest: string,
    runKey: string,
    latestJson: string,
    receivedAt: number,
    deliveryTtl: number,
    latestTtl: number,
    channel: string,
    runKeyPrefix: string,
  ): Promise<["latest" | "replaced" | "stale", string, 0 | 1]>;
  slipwayIntakeRun(
    delivery: string,
    latest: string,
    announceJob: string,
    runState: string,
    fairBase: string,
    queue: string,
    installationId: string,
    runKey: string,
    sha: string,
    deliveryTtl: number,
    latestTtl: number,
    channel: string,
    runKeyPrefix: string,
  ): Promise<[0 | 1, number, number, "latest" | "replaced" | "stale" | "", string, 0 | 1]>;
  slipwayRunUpdate(
    run: string,
    open: string,
    ttlSeconds: number,
    openOp: "add" | "remove" | "",
    score: number,
    member: string,
    readBack: string,
    ...fields: string[]
  ): Promise<string | null>;
  slipwayFairAssign(
    base: string,
    queue: string,
    installationId: number,
    member: string,
  ): Promise<number>;
  slipwayFairDone(
    base: string,
    installationId: number,
    member: string,
    priority: number,
  ): Promise<number>;
}

export type ScriptedRedis = Redis & SlipwayCommands;

/** Adds Slipway's Lua scripts to a connection (sent once, then called by their sha). */
export function withScripts(redis: Redis): ScriptedRedis {
  if (!("slipwayClaimLatest" in redis)) {
    redis.defineCommand("slipwayIntakeBegin", { numberOfKeys: 1, lua: INTAKE_BEGIN });
    redis.defineCommand("slipwayClaimLatest", { numberOfKeys: 2, lua: CLAIM_LATEST });
    redis.defineCommand("slipwayIntakeRun", { numberOfKeys: 4, lua: INTAKE_RUN });
    redis.defineCommand("slipwayFairAssign", { numberOfKeys: 0, lua: FAIR_ASSIGN });
    redis.defineCommand("slipwayFairDone", { numberOfKeys: 0, lua: FAIR_DONE });
    redis.defineCommand("slipwayRunUpdate", { numberOfKeys: 2, lua: RUN_UPDATE });
  }
  return redis as ScriptedRedis;
}
