import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { withoutSecrets } from '@devtrust/shared/protocol/url-secrets';

describe('withoutSecrets hides what a URL may carry as a secret, decoded or not', () => {
  const cases: Array<[string, string]> = [
    ['https://trust.example.com:8443/console/', 'https://trust.example.com:8443/console/'],
    ['https://user:secret@host:99999/?token=abc', 'https://***@host:99999/…'],
    ['https://user:p@ss@host/', 'https://***@host/'],
    ['https://host/#frag', 'https://host/…'],
    // What the parser reads as user info, however it is written (a backslash is a slash to it,
    // `https:user:…` is `https://user:…`, leading spaces and tabs anywhere are dropped).
    ['https:\\\\user:secret@host', 'https://***@host'],
    ['https:user:secret@host', 'https://***@host'],
    [' https://admin:S3cretPw@127.0.0.1:18731', 'https://***@127.0.0.1:18731'],
    ['https:/\t/admin:S3cretPw@127.0.0.1:18731/', 'https://***@127.0.0.1:18731/'],
    ['https://ad\nmin:S3cretPw@127.0.0.1:18731', 'https://***@127.0.0.1:18731'],
    // Text the parser refuses: everything before the last "@" is hidden, whatever the password holds.
    ['https://admin:S3cr#tPw@127.0.0.1:18731', 'https://***@127.0.0.1:18731'],
    ['https://admin:pa/ssword@127.0.0.1:18731', 'https://***@127.0.0.1:18731'],
    ['https://admin:pa?ss@127.0.0.1:99999/x?token=abc', 'https://***@127.0.0.1:99999/x…'],
    ['\t user:secret@host', '***@host'],
    // No scheme the parser would keep apart: the whole user part is hidden, not "user:***".
    ['user:secret@host', '***@host'],
    // Percent-encoded "@", "?" and "#": hidden as their decoded forms would be.
    ['https://user%3Asecret%40host/', 'https://***@host/'],
    ['https://host/%3Ftoken=abc', 'https://host/…'],
    ['https://host/%23frag', 'https://host/…'],
    // An "@" in the path is no user part.
    ['https://host/a@b', 'https://host/a@b'],
  ];
  for (const [raw, shown] of cases) it(`${JSON.stringify(raw)} → ${shown}`, () => assert.equal(withoutSecrets(raw), shown));
});
