import { parseRedisUrl } from './redis-url';

describe('parseRedisUrl', () => {
  it('reads host and port, with 6379 by default', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6380')).toEqual({ host: '127.0.0.1', port: 6380 });
    expect(parseRedisUrl('redis://redis')).toEqual({ host: 'redis', port: 6379 });
  });

  it('reads user, password (decoded), database, and TLS for rediss://', () => {
    expect(parseRedisUrl('rediss://bot:p%40ss@cache.example.com:6390/3')).toEqual({
      host: 'cache.example.com',
      port: 6390,
      username: 'bot',
      password: 'p@ss',
      db: 3,
      tls: {},
    });
    expect(parseRedisUrl('redis://:secret@[::1]:6379/0')).toEqual({
      host: '::1',
      port: 6379,
      password: 'secret',
      db: 0,
    });
  });

  it('refuses what is not a Redis URL, without echoing a password', () => {
    expect(() => parseRedisUrl('localhost:6379')).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => parseRedisUrl('127.0.0.1:6379')).toThrow(/--redis takes a URL/);
    expect(() => parseRedisUrl('not a url')).toThrow(/--redis takes a URL/);
    expect(() => parseRedisUrl('http://x')).toThrow(/got http:\/\/…/);
    let message = '';
    try {
      parseRedisUrl('redis://u:topsecret@host/abc');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('must be a number');
    expect(message).not.toContain('topsecret');
  });
});
