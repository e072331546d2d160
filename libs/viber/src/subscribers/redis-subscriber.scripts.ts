import { createHash } from 'node:crypto';

/**
 * The Lua scripts of the Redis subscriber store. Key layout, under the store's prefix `P` (and
 * the client's own key prefix, if it has one: every script derives `P` from its declared key):
 *
 * - `P u:<id>`: the user's hash, small enough for Redis to keep it as a listpack: `n` (the user's
 *   number, given in order of first sight), `s` (`1` subscribed, `0` not), `ts` (status_at), `tf`
 *   (first_seen_at), `tm` (last_message_at), the profile values `N` name, `A` avatar, `C` country,
 *   `L` language, `V` api_version, `O` primary_device_os (a value longer than 64 bytes continues
 *   in `A1`, `A2`, …, cut between UTF-8 characters), `tp` the time most profile fields were set
 *   at and `t<letter>` the time of a field set at another time.
 * - `P n`: the last number given.
 * - `P i:<number / 256>`: hash of number % 256 → id (numbers back to ids while paging).
 * - `P x:<index>`: one bitmap per index, bit = user number: `all`, `s` (subscribed), `c:<country>`,
 *   `l:<language>`, `v:<api level, 1 when unknown>`, `o:<OS family>`.
 * - `P levels`: the API levels that have an index (for `minApiVersion`).
 * - `P tmp:*`: scratch bitmaps of `count`, deleted by the same script.
 */

/** A script and its SHA1 (what `EVALSHA` names it by). */
export interface RedisSubscriberScript {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): RedisSubscriberScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** Reading a user's hash and naming its indexes (shared by observe and forget). */
const RECORD_FUNCTIONS = `
local LETTERS = {'N', 'A', 'C', 'L', 'V', 'O'}
local function load(key)
  local flat = redis.call('HGETALL', key)
  local h = {}
  for i = 1, #flat, 2 do h[flat[i]] = flat[i + 1] end
  return h, #flat > 0
end
local function value(r, f)
  local v = r[f]
  if v == nil then return nil end
  local k = 1
  while r[f .. k] do
    v = v .. r[f .. k]
    k = k + 1
  end
  return v
end
local function family(os)
  if not os then return nil end
  local word = string.match(os, '[^ \\t\\n\\v\\f\\r]+')
  if not word then return nil end
  return string.lower(word)
end
local function indexes(r)
  local t = {}
  t['v:' .. (value(r, 'V') or '1')] = true
  if r.s == '1' then t['s'] = true end
  local c = value(r, 'C')
  if c then t['c:' .. c] = true end
  local l = value(r, 'L')
  if l then t['l:' .. l] = true end
  local o = family(value(r, 'O'))
  if o then t['o:' .. o] = true end
  return t
end
`;

/**
 * Merges one observation into a user's record, atomically, with the rules of `mergeSubscriber`
 * (newest status, ties to unsubscribed; earliest first_seen_at; latest last_message_at; per
 * profile field the newest value, ties to the greater), then moves the user between indexes.
 * KEYS[1]: the user's hash. ARGV[1]: that key without the store's prefix, [2] id, [3] at,
 * [4] subscribed ('' | '1' | '0'), [5] message ('' | '1'), then letter/value pairs.
 */
export const OBSERVE_SCRIPT = script(`${RECORD_FUNCTIONS}
local key = KEYS[1]
local P = string.sub(key, 1, #key - #ARGV[1])
local id, atS, sub = ARGV[2], ARGV[3], ARGV[4]
local at = tonumber(atS)
local h, exists = load(key)
local r = {}
for k, v in pairs(h) do r[k] = v end
local n
if exists then
  n = tonumber(h.n)
  if at < tonumber(h.tf) then r.tf = atS end
else
  n = redis.call('INCR', P .. 'n')
  r.n = tostring(n)
  r.s = '0'
  r.ts = '0'
  r.tf = atS
end
if sub ~= '' then
  local since = tonumber(r.ts)
  local newer = at > since
  if newer or (at == since and sub == '0') or since == 0 then
    if newer or since == 0 then r.s = sub else r.s = '0' end
    r.ts = atS
  end
end
if ARGV[5] == '1' then
  if r.tm == nil then
    if at > 0 then r.tm = atS else r.tm = '0' end
  elseif at > tonumber(r.tm) then
    r.tm = atS
  end
end
local pv, pt = {}, {}
for _, f in ipairs(LETTERS) do
  local v = value(h, f)
  if v then
    pv[f] = v
    pt[f] = h['t' .. f] or h.tp
  end
end
for i = 6, #ARGV, 2 do
  local f, v = ARGV[i], ARGV[i + 1]
  local since = tonumber(pt[f] or '0')
  if at > since or (at == since and v > (pv[f] or 'undefined')) then
    pv[f] = v
    pt[f] = atS
  end
end
local counts, common, best = {}, nil, 0
for _, t in pairs(pt) do counts[t] = (counts[t] or 0) + 1 end
for t, c in pairs(counts) do
  if c > best or (c == best and tonumber(t) > tonumber(common)) then
    common, best = t, c
  end
end
r.tp = common
for _, f in ipairs(LETTERS) do
  r[f] = nil
  local k = 1
  while r[f .. k] do
    r[f .. k] = nil
    k = k + 1
  end
  r['t' .. f] = nil
  local v = pv[f]
  if v then
    if pt[f] ~= common then r['t' .. f] = pt[f] end
    if #v <= 64 then
      r[f] = v
    else
      local i, part = 1, 0
      while i <= #v do
        local j = math.min(i + 63, #v)
        while j < #v and j > i do
          local b = string.byte(v, j + 1)
          if b < 128 or b >= 192 then break end
          j = j - 1
        end
        if part == 0 then r[f] = string.sub(v, i, j) else r[f .. part] = string.sub(v, i, j) end
        part = part + 1
        i = j + 1
      end
    end
  end
end
local set, del = {}, {}
for k, v in pairs(r) do
  if h[k] ~= v then
    set[#set + 1] = k
    set[#set + 1] = v
  end
end
for k in pairs(h) do
  if r[k] == nil then del[#del + 1] = k end
end
if #set > 0 then redis.call('HSET', key, unpack(set)) end
if #del > 0 then redis.call('HDEL', key, unpack(del)) end
local before = {}
if exists then before = indexes(h) end
local after = indexes(r)
for name in pairs(before) do
  if not after[name] then redis.call('SETBIT', P .. 'x:' .. name, n, 0) end
end
for name in pairs(after) do
  if not before[name] then
    redis.call('SETBIT', P .. 'x:' .. name, n, 1)
    if string.sub(name, 1, 2) == 'v:' then redis.call('SADD', P .. 'levels', string.sub(name, 3)) end
  end
end
if not exists then
  redis.call('SETBIT', P .. 'x:all', n, 1)
  redis.call('HSET', P .. 'i:' .. math.floor(n / 256), n % 256, id)
end
return n
`);

/**
 * Removes a user: their hash, their bits, their number's entry. KEYS[1]: the user's hash.
 * ARGV[1]: that key without the store's prefix. Returns 1 when there was a record.
 */
export const FORGET_SCRIPT = script(`${RECORD_FUNCTIONS}
local key = KEYS[1]
local P = string.sub(key, 1, #key - #ARGV[1])
local h, exists = load(key)
if not exists then return 0 end
local n = tonumber(h.n)
for name in pairs(indexes(h)) do redis.call('SETBIT', P .. 'x:' .. name, n, 0) end
redis.call('SETBIT', P .. 'x:all', n, 0)
redis.call('HDEL', P .. 'i:' .. math.floor(n / 256), n % 256)
redis.call('DEL', key)
return 1
`);

/**
 * Reads a filter from ARGV, starting at index `first`: [first] min API level ('' for none), then
 * groups (a count k, then k index names). KEYS[1] is the base bitmap (`P x:s` or `P x:all`),
 * ARGV[1] that key without the prefix. Sets P, base (key) and groups (lists of keys); a group
 * with no key matches nobody.
 */
const FILTER_FUNCTIONS = `
local base = KEYS[1]
local P = string.sub(base, 1, #base - #ARGV[1])
local function readGroups(first)
  local groups = {}
  local i = first + 1
  while i <= #ARGV do
    local k = tonumber(ARGV[i])
    local g = {}
    for j = 1, k do g[j] = P .. 'x:' .. ARGV[i + j] end
    groups[#groups + 1] = g
    i = i + k + 1
  end
  if ARGV[first] ~= '' then
    local min = tonumber(ARGV[first])
    local g = {}
    for _, level in ipairs(redis.call('SMEMBERS', P .. 'levels')) do
      local number = tonumber(level)
      if number and number >= min then g[#g + 1] = P .. 'x:v:' .. level end
    end
    groups[#groups + 1] = g
  end
  return groups
end
`;

/**
 * Counts the users of a filter with BITOP/BITCOUNT (C speed: about 1 ms per 10 million users
 * and bitmap). ARGV: [1] base key without prefix, [2] min API level, then groups.
 */
export const COUNT_SCRIPT = script(`${FILTER_FUNCTIONS}
local groups = readGroups(2)
local keys, tmp = {base}, {}
for gi, g in ipairs(groups) do
  if #g == 0 then return 0 end
  if #g == 1 then
    keys[#keys + 1] = g[1]
  else
    local t = P .. 'tmp:' .. gi
    redis.call('BITOP', 'OR', t, unpack(g))
    tmp[#tmp + 1] = t
    keys[#keys + 1] = t
  end
end
local result
if #keys == 1 then
  result = redis.call('BITCOUNT', base)
else
  local t = P .. 'tmp:and'
  redis.call('BITOP', 'AND', t, unpack(keys))
  result = redis.call('BITCOUNT', t)
  tmp[#tmp + 1] = t
end
if #tmp > 0 then redis.call('DEL', unpack(tmp)) end
return result
`);

/**
 * One page: from position ARGV[2], at most ARGV[3] users of the filter, reading at most ARGV[4]
 * bitmap bytes in all (so one call holds Redis for about a millisecond, whatever the filter). ARGV: [1] base key without prefix, [2] start, [3] limit, [4] window,
 * [5] min API level, then groups. Returns {next, {id, {field, value, …}}, …}: next is the
 * position to continue from, -1 at the end. Read-only.
 */
export const PAGE_SCRIPT = script(`${FILTER_FUNCTIONS}
local groups = readGroups(5)
local start, limit, window = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local bitmaps = 1
for _, g in ipairs(groups) do
  if #g == 0 then return '[-1]' end
  bitmaps = bitmaps + #g
end
-- The window is a budget of bytes read in all: a filter over more bitmaps reads fewer users.
window = math.max(1024, math.floor(window / bitmaps))
local total = redis.call('STRLEN', base)
local b0 = math.floor(start / 8)
if b0 >= total then return '[-1]' end
local b1 = math.min(total, b0 + window) - 1
local bytes = redis.call('GETRANGE', base, b0, b1)
local gs = {}
for gi, g in ipairs(groups) do
  local t = {}
  for j, k in ipairs(g) do t[j] = redis.call('GETRANGE', k, b0, b1) end
  gs[gi] = t
end
local found = {}
local first = bit.rshift(255, start % 8)
local full = false
for i = 1, #bytes do
  local v = string.byte(bytes, i)
  if i == 1 then v = bit.band(v, first) end
  for gi = 1, #gs do
    if v == 0 then break end
    local any = 0
    for _, s in ipairs(gs[gi]) do any = bit.bor(any, string.byte(s, i) or 0) end
    v = bit.band(v, any)
  end
  if v ~= 0 then
    for k = 0, 7 do
      if bit.band(v, bit.rshift(128, k)) ~= 0 then
        found[#found + 1] = (b0 + i - 1) * 8 + k
        if #found == limit then
          full = true
          break
        end
      end
    end
    if full then break end
  end
end
local nextPosition = -1
if full then
  nextPosition = found[#found] + 1
elseif b1 + 1 < total then
  nextPosition = (b1 + 1) * 8
end
local out = {nextPosition}
local buckets = {}
for _, position in ipairs(found) do
  local b = math.floor(position / 256)
  local bucket = buckets[b]
  if not bucket then
    bucket = {}
    local flat = redis.call('HGETALL', P .. 'i:' .. b)
    for i = 1, #flat, 2 do bucket[tonumber(flat[i])] = flat[i + 1] end
    buckets[b] = bucket
  end
  local id = bucket[position % 256]
  if id then
    out[#out + 1] = id
    out[#out + 1] = redis.call('HGETALL', P .. 'u:' .. id)
  end
end
return cjson.encode(out)
`);
