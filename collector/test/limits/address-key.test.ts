import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { addressKey } from '@devtrust/collector/limits/address-key';

// What per-address limits count: one key per IPv4 address, one per IPv6 /64, whatever the spelling.
describe('addressKey', () => {
  it('keeps an IPv4 address as it is', () => {
    assert.equal(addressKey('192.0.2.7'), '192.0.2.7');
  });

  it('counts every address of one IPv6 /64 as one client, and another /64 apart', () => {
    const key = addressKey('2001:db8:1:2::1');
    assert.equal(key, '2001:db8:1:2::/64');
    for (const other of ['2001:db8:1:2::20', '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0db8:0001:0002:0:0:0:9', '2001:DB8:1:2::a'])
      assert.equal(addressKey(other), key, other);
    assert.notEqual(addressKey('2001:db8:1:3::1'), key);
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey('fe80::1'), 'fe80:0:0:0::/64');
  });

  it('counts every spelling of an IPv4-mapped IPv6 address as the IPv4 address', () => {
    for (const spelling of ['::ffff:192.0.2.9', '::ffff:c000:209', '0:0:0:0:0:ffff:192.0.2.9', '::FFFF:C000:0209'])
      assert.equal(addressKey(spelling), '192.0.2.9', spelling);
  });

  it('leaves what is not an address (the peer "unknown", a key already made) as it is', () => {
    assert.equal(addressKey('unknown'), 'unknown');
    assert.equal(addressKey('2001:db8:1:2::/64'), '2001:db8:1:2::/64');
  });
});
