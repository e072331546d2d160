import { isLocalHost, isPrivateAddress } from './local-address';

describe('local addresses (webhook doctor)', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.10',
    '169.254.1.1',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '[::1]',
    'fd00::1',
    'fe80::1',
    '::ffff:192.168.0.1',
  ])('%s is private', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '172.32.0.1', '1.1.1.1', '2001:4860:4860::8888', '::ffff:8.8.8.8'])(
    '%s is public',
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );

  it.each([
    'localhost',
    'LOCALHOST',
    'app.localhost',
    'printer.local',
    'api.internal',
    'devbox',
    'x.test',
    '127.0.0.1',
    '[::1]',
  ])('host %s is local', (host) => {
    expect(isLocalHost(host)).toBe(true);
  });

  it.each(['example.com', 'bot.example.com.', 'abc.ngrok-free.app', '8.8.8.8'])(
    'host %s is public',
    (host) => {
      expect(isLocalHost(host)).toBe(false);
    },
  );
});
