/**
 * The Lua scripts that keep a broadcast's progress in Redis. Each runs atomically, so that every
 * replica sees one consistent account and a chunk's outcome is recorded once, whatever crashes
 * or duplicate jobs happen. Every script gets the same seven keys (see `broadcastKeys`), which
 * share the prefix's hash tag (one Cluster slot).
 *
 * Chunk states (field `<chunk>` of the chunks hash): absent = pending (its job is queued),
 * `i:<jobId>` = in flight (marked before its request leaves), `d` = done (Viber's answer, or a
 * failure, recorded), `u` = uncertain (the request left but no answer was recorded: a timeout, or
 * a worker that died in flight), `p` = parked (the broadcast was paused; its receivers wait in the
 * parked hash), `x` = skipped (the broadcast was cancelled before it was sent).
 * @internal
 */

/** Fields of the record every script answers with (the progress snapshot). */
export const BROADCAST_SNAPSHOT_FIELDS = [
  'id',
  'state',
  'total',
  'sent',
  'failed',
  'uncertain',
  'skipped',
  'planned',
  'via',
  'createdAt',
  'updatedAt',
  'error',
] as const;

const PRELUDE = `
local rec, chunks, fails, unc, parked, src, pages = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local rcall = redis.call
local function num(f) return tonumber(rcall('HGET', rec, f) or '0') or 0 end
local function snapshot()
  return rcall('HMGET', rec, ${BROADCAST_SNAPSHOT_FIELDS.map((f) => `'${f}'`).join(', ')})
end
local function expireAll(ms)
  for i = 1, #KEYS do rcall('PEXPIRE', KEYS[i], ms) end
end
local function persistAll()
  for i = 1, #KEYS do rcall('PERSIST', KEYS[i]) end
end
local function finishIfDone(now, keepMs)
  local state = rcall('HGET', rec, 'state')
  if (state == 'queued' or state == 'running') and rcall('HGET', rec, 'planned') == '1'
    and num('sent') + num('failed') + num('uncertain') >= num('total') then
    rcall('HSET', rec, 'state', 'completed', 'finishedAt', now, 'updatedAt', now)
    rcall('DEL', src)
    expireAll(keepMs)
    return true
  end
  return false
end
local function failEntries(receiversJson, status, message)
  local list = cjson.decode(receiversJson)
  for i = 1, #list do
    rcall('RPUSH', fails, cjson.encode({ receiver = list[i], status = status, status_message = message }))
  end
  rcall('HINCRBY', rec, 'failed', #list)
end
`;

/** One script: its name (as registered on the client) and source. */
export interface BroadcastScript {
  readonly name: string;
  readonly lua: string;
}

function script(name: string, body: string): BroadcastScript {
  return { name: `viberBroadcast${name}`, lua: `${PRELUDE}\n${body}` };
}

/**
 * Creates the record unless it exists. ARGV: now, id, via, messageJson, kind (list | filter),
 * total, filterJson, keepMs. Returns `{created (0|1), snapshot}`.
 */
export const CREATE = script(
  'Create',
  `
if rcall('EXISTS', rec) == 1 then return { 0, snapshot() } end
local now, total = ARGV[1], tonumber(ARGV[6])
rcall('HSET', rec, 'id', ARGV[2], 'state', 'queued', 'via', ARGV[3], 'message', ARGV[4],
  'kind', ARGV[5], 'total', total, 'sent', 0, 'failed', 0, 'uncertain', 0, 'skipped', 0,
  'planned', 0, 'stored', 0, 'gen', 0, 'createdAt', now, 'updatedAt', now)
if ARGV[7] ~= '' then rcall('HSET', rec, 'filter', ARGV[7]) end
if ARGV[5] == 'list' and total == 0 then
  rcall('HSET', rec, 'planned', 1)
  finishIfDone(now, tonumber(ARGV[8]))
end
return { 1, snapshot() }
`,
);

/**
 * Appends page `n` of a list audience to the source list, once. ARGV: n, receiver…. Returns the
 * number of pages stored so far (a page already stored is not stored again).
 */
export const STORE_SOURCE = script(
  'StoreSource',
  `
local stored = num('stored')
if stored == tonumber(ARGV[1]) then
  for i = 2, #ARGV, 5000 do
    rcall('RPUSH', src, unpack(ARGV, i, math.min(i + 4999, #ARGV)))
  end
  stored = rcall('HINCRBY', rec, 'stored', 1)
end
return stored
`,
);

/** Marks that the first plan job was added. Returns 1 the first time, else 0. */
export const MARK_PLANNING = script(
  'MarkPlanning',
  `return rcall('HSETNX', rec, 'planStarted', 1)`,
);

/**
 * Before a plan job reads its page: whether the broadcast goes on. ARGV: now, planJson (the
 * job's data, kept to resume it). Returns 'plan', 'parked' (paused: kept for resume()),
 * 'stopped' (cancelled or finished) or 'gone'.
 */
export const PLAN_CHECK = script(
  'PlanCheck',
  `
local state = rcall('HGET', rec, 'state')
if not state then return 'gone' end
if state == 'paused' then
  rcall('HSET', rec, 'parkedPlan', ARGV[2], 'updatedAt', ARGV[1])
  return 'parked'
end
if state == 'cancelled' or state == 'completed' then return 'stopped' end
return 'plan'
`,
);

/**
 * Records page `n` of the plan once. ARGV: now, keepMs, n, count, skipped, last (0|1),
 * addToTotal (0|1). Returns `{recorded (0|1), snapshot}`.
 */
export const PLAN_PAGE = script(
  'PlanPage',
  `
local recorded = 0
if rcall('EXISTS', rec) == 1 and rcall('HSETNX', pages, ARGV[3], ARGV[4]) == 1 then
  recorded = 1
  if ARGV[7] == '1' then rcall('HINCRBY', rec, 'total', tonumber(ARGV[4])) end
  rcall('HINCRBY', rec, 'skipped', tonumber(ARGV[5]))
  if ARGV[6] == '1' then rcall('HSET', rec, 'planned', 1) end
  rcall('HSET', rec, 'updatedAt', ARGV[1])
  finishIfDone(ARGV[1], tonumber(ARGV[2]))
end
return { recorded, snapshot() }
`,
);

/** Records a planning failure. ARGV: now, message. */
export const PLAN_FAILED = script(
  'PlanFailed',
  `
if rcall('EXISTS', rec) == 1 then rcall('HSET', rec, 'error', ARGV[2], 'updatedAt', ARGV[1]) end
return snapshot()
`,
);

/**
 * Before a chunk's request: decides whether it is sent. ARGV: now, keepMs, chunk, jobId, count,
 * receiversJson, origin ('' | 'resume' | 'retry'), parent (the chunk a per-receiver retry comes
 * from, or ''). Returns `{code, snapshot}` with code:
 * - 'send': marked in flight, send it now;
 * - 'uncertain': this very job was in flight before (its worker died): recorded as uncertain;
 * - 'skip': done, in flight elsewhere, or not this job's to send;
 * - 'cancelled': the broadcast was cancelled (the chunk is skipped, its receivers stay pending);
 * - 'parked': the broadcast is paused (receivers kept until resume());
 * - 'failed': an earlier chunk got a status no request can survive: failed with it, unsent;
 * - 'wait': a per-receiver retry whose parent chunk is still in flight;
 * - 'gone': no such broadcast (expired).
 */
export const BEGIN_CHUNK = script(
  'BeginChunk',
  `
local now, keepMs, chunk, jobId, count = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5])
local origin, parent = ARGV[7], ARGV[8]
local state = rcall('HGET', rec, 'state')
if not state then return { 'gone', snapshot() } end
local current = rcall('HGET', chunks, chunk)
if current == 'i:' .. jobId then
  rcall('HSET', chunks, chunk, 'u')
  rcall('HSET', unc, chunk, ARGV[6])
  rcall('HINCRBY', rec, 'uncertain', count)
  rcall('HSET', rec, 'updatedAt', now)
  finishIfDone(now, keepMs)
  return { 'uncertain', snapshot() }
end
if current == 'p' and origin ~= 'resume' then return { 'skip', snapshot() } end
if current == 'u' and origin ~= 'retry' then return { 'skip', snapshot() } end
if current and current ~= 'p' and current ~= 'u' then return { 'skip', snapshot() } end
if state == 'cancelled' or state == 'completed' then
  if not current then rcall('HSET', chunks, chunk, 'x') end
  return { 'cancelled', snapshot() }
end
if parent ~= '' then
  local parentState = rcall('HGET', chunks, parent)
  if parentState and string.sub(parentState, 1, 2) == 'i:' then return { 'wait', snapshot() } end
  if parentState ~= 'd' then
    rcall('HSET', chunks, chunk, 'x')
    return { 'skip', snapshot() }
  end
end
if current == 'u' then
  rcall('HDEL', unc, chunk)
  rcall('HINCRBY', rec, 'uncertain', -count)
elseif current == 'p' then
  rcall('HDEL', parked, chunk)
end
local fatal = rcall('HGET', rec, 'fatal')
if fatal then
  rcall('HSET', chunks, chunk, 'd')
  failEntries(ARGV[6], tonumber(fatal), rcall('HGET', rec, 'fatalMessage') or '')
  rcall('HSET', rec, 'updatedAt', now)
  finishIfDone(now, keepMs)
  return { 'failed', snapshot() }
end
if state == 'paused' then
  rcall('HSET', chunks, chunk, 'p')
  rcall('HSET', parked, chunk, ARGV[6])
  return { 'parked', snapshot() }
end
rcall('HSET', chunks, chunk, 'i:' .. jobId)
if state == 'queued' then rcall('HSET', rec, 'state', 'running') end
rcall('HSET', rec, 'updatedAt', now)
return { 'send', snapshot() }
`,
);

/**
 * Records Viber's answer to a chunk's request, once. ARGV: now, keepMs, chunk, jobId, count,
 * sent, retried (receivers handed to a per-receiver retry chunk: not counted here, the retry
 * chunk accounts for them), fatalStatus ('' or a status
 * that stops the rest), fatalMessage, failureJson…. Returns `{recorded (0|1), snapshot}`.
 */
export const CHUNK_DONE = script(
  'ChunkDone',
  `
local now, keepMs, chunk, jobId, count = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5])
local current = rcall('HGET', chunks, chunk)
if current ~= 'i:' .. jobId and current ~= 'u' then return { 0, snapshot() } end
if current == 'u' then
  rcall('HDEL', unc, chunk)
  rcall('HINCRBY', rec, 'uncertain', -count)
end
rcall('HSET', chunks, chunk, 'd')
rcall('HINCRBY', rec, 'sent', tonumber(ARGV[6]))
if ARGV[8] ~= '' then rcall('HSETNX', rec, 'fatal', ARGV[8]) rcall('HSETNX', rec, 'fatalMessage', ARGV[9]) end
local failed = #ARGV - 9
for i = 10, #ARGV, 1000 do
  rcall('RPUSH', fails, unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
rcall('HINCRBY', rec, 'failed', failed)
rcall('HSET', rec, 'updatedAt', now)
finishIfDone(now, keepMs)
return { 1, snapshot() }
`,
);

/**
 * The chunk's request left but no answer was recorded (a timeout, a reset after the body was
 * written): uncertain, never re-sent unless the caller asks. ARGV: now, keepMs, chunk, jobId,
 * count, receiversJson. Returns `{recorded (0|1), snapshot}`.
 */
export const CHUNK_UNCERTAIN = script(
  'ChunkUncertain',
  `
local now, keepMs, chunk, jobId, count = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5])
if rcall('HGET', chunks, chunk) ~= 'i:' .. jobId then return { 0, snapshot() } end
rcall('HSET', chunks, chunk, 'u')
rcall('HSET', unc, chunk, ARGV[6])
rcall('HINCRBY', rec, 'uncertain', count)
rcall('HSET', rec, 'updatedAt', now)
finishIfDone(now, keepMs)
return { 1, snapshot() }
`,
);

/** The request provably did not reach Viber: back to pending (the job is tried again). ARGV: chunk, jobId. */
export const CHUNK_RELEASE = script(
  'ChunkRelease',
  `
if rcall('HGET', chunks, ARGV[1]) ~= 'i:' .. ARGV[2] then return 0 end
rcall('HDEL', chunks, ARGV[1])
return 1
`,
);

/**
 * A chunk job that BullMQ gave up on (it failed for good): a chunk in flight becomes uncertain,
 * a pending one fails with the given status. ARGV: now, keepMs, chunk, count, receiversJson,
 * status, message. Returns the snapshot.
 */
export const CHUNK_ABANDON = script(
  'ChunkAbandon',
  `
local now, keepMs, chunk, count = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
if rcall('EXISTS', rec) == 0 then return snapshot() end
local current = rcall('HGET', chunks, chunk)
if current and string.sub(current, 1, 2) == 'i:' then
  rcall('HSET', chunks, chunk, 'u')
  rcall('HSET', unc, chunk, ARGV[5])
  rcall('HINCRBY', rec, 'uncertain', count)
elseif not current then
  rcall('HSET', chunks, chunk, 'd')
  failEntries(ARGV[5], tonumber(ARGV[6]), ARGV[7])
else
  return snapshot()
end
rcall('HSET', rec, 'updatedAt', now)
finishIfDone(now, keepMs)
return snapshot()
`,
);

/**
 * pause | resume | cancel | reopen. ARGV: now, keepMs, action. Returns `{changed (0|1), gen,
 * parkedPlan or '', snapshot}`; `gen` numbers the jobs that resume() and retryUncertain() add.
 */
export const CONTROL = script(
  'Control',
  `
local now, keepMs, action = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local state = rcall('HGET', rec, 'state')
if not state then return { 0, 0, '', snapshot() } end
local changed = 0
if action == 'pause' and (state == 'queued' or state == 'running') then
  rcall('HSET', rec, 'state', 'paused', 'updatedAt', now)
  changed = 1
elseif action == 'resume' and state == 'paused' then
  rcall('HSET', rec, 'state', 'running', 'updatedAt', now)
  rcall('HINCRBY', rec, 'gen', 1)
  finishIfDone(now, keepMs)
  changed = 1
elseif action == 'cancel' and state ~= 'completed' and state ~= 'cancelled' then
  rcall('HSET', rec, 'state', 'cancelled', 'finishedAt', now, 'updatedAt', now)
  rcall('DEL', src)
  expireAll(keepMs)
  changed = 1
elseif action == 'reopen' and state ~= 'cancelled' then
  if state == 'completed' then
    persistAll()
    rcall('HSET', rec, 'state', 'running', 'updatedAt', now)
  end
  rcall('HINCRBY', rec, 'gen', 1)
  changed = 1
end
return { changed, num('gen'), rcall('HGET', rec, 'parkedPlan') or '', snapshot() }
`,
);

/** Forgets the parked plan job once resume() re-added it. ARGV: planJson. */
export const CLEAR_PARKED_PLAN = script(
  'ClearParkedPlan',
  `
if rcall('HGET', rec, 'parkedPlan') == ARGV[1] then rcall('HDEL', rec, 'parkedPlan') end
return 1
`,
);

/** One HSCAN page of the parked (which = 'parked') or uncertain hash. ARGV: which, cursor, count. */
export const SCAN_CHUNKS = script(
  'ScanChunks',
  `
local key = unc
if ARGV[1] == 'parked' then key = parked end
return rcall('HSCAN', key, ARGV[2], 'COUNT', tonumber(ARGV[3]))
`,
);

/** A range of the source list (a list audience's receivers). ARGV: start, stop. */
export const READ_SOURCE = script('ReadSource', `return rcall('LRANGE', src, ARGV[1], ARGV[2])`);

/** A range of the failures list. ARGV: start, stop. */
export const READ_FAILURES = script(
  'ReadFailures',
  `return rcall('LRANGE', fails, ARGV[1], ARGV[2])`,
);

/** The record: snapshot, then message, kind, filter, stored, planStarted. */
export const READ = script(
  'Read',
  `
if rcall('EXISTS', rec) == 0 then return false end
return { snapshot(), rcall('HMGET', rec, 'message', 'kind', 'filter', 'stored', 'planStarted') }
`,
);

/** Every script, registered on a client once. */
export const BROADCAST_SCRIPTS: readonly BroadcastScript[] = [
  CREATE,
  STORE_SOURCE,
  MARK_PLANNING,
  PLAN_CHECK,
  PLAN_PAGE,
  PLAN_FAILED,
  BEGIN_CHUNK,
  CHUNK_DONE,
  CHUNK_UNCERTAIN,
  CHUNK_RELEASE,
  CHUNK_ABANDON,
  CONTROL,
  CLEAR_PARKED_PLAN,
  SCAN_CHUNKS,
  READ_SOURCE,
  READ_FAILURES,
  READ,
];

/** `SET key owner PX ms NX`: one replica's claim of `set_webhook`. Returns 1 when claimed. */
export const CLAIM_LOCK: BroadcastScript = {
  name: 'viberClaimLock',
  lua: `if redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]), 'NX') then return 1 end return 0`,
};

/** Drops a claim if it is still ours. */
export const RELEASE_LOCK: BroadcastScript = {
  name: 'viberReleaseLock',
  lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
};
