import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { checkedCollectorUrl, CollectorUrlError, earlierCollectorAddress } from '@devtrust/shared/protocol/collector-address';

function refusal(check: () => unknown): string {
  try {
    check();
  } catch (error) {
    assert.ok(error instanceof CollectorUrlError, String(error));
    return error.message;
  }
  assert.fail('accepted');
}

describe('an earlier collector URL is the address alone, returned as its origin', () => {
  const accepted: Array<[string, string]> = [
    ['http://trust.example.com:8700', 'http://trust.example.com:8700'],
    // The spelling never counts: a trailing slash, capitals, a default port, an empty query or fragment.
    ['http://trust.example.com/', 'http://trust.example.com'],
    ['HTTPS://Trust.Example.COM:443/', 'https://trust.example.com'],
    ['http://trust.example.com:80', 'http://trust.example.com'],
    ['https://trust.example.com:80', 'https://trust.example.com:80'],
    ['http://trust.example.com/?', 'http://trust.example.com'],
    ['http://trust.example.com#', 'http://trust.example.com'],
    ['http://[0:0:0:0:0:0:0:1]:8700/', 'http://[::1]:8700'],
    ['http://10.0.0.7:8700', 'http://10.0.0.7:8700'],
    ['http://münchen.example', 'http://xn--mnchen-3ya.example'],
    // Blanks around the URL are not part of it, ordinary or not.
    [' http://trust.example.com ', 'http://trust.example.com'],
    ['\u00a0http://trust.example.com\u3000', 'http://trust.example.com'],
    // An empty user name and password are no credentials: the origin carries neither.
    ['http://@trust.example.com', 'http://trust.example.com'],
  ];
  for (const [text, origin] of accepted)
    it(`${JSON.stringify(text)} → ${origin}`, () => assert.equal(earlierCollectorAddress(text), origin));

  const refused: Array<[string, string]> = [
    [
      'https://old.example.com/console/',
      `"https://old.example.com/console/" is not a collector's address: give it as https://old.example.com, without a path`,
    ],
    [
      'https://old.example.com//',
      `"https://old.example.com//" is not a collector's address: give it as https://old.example.com, without a path`,
    ],
    // A query or fragment: refused, shown cut (it may be a copied sign-in link's token).
    [
      'https://old.example.com/?next=1',
      "must not hold a query or fragment (https://old.example.com/…): the agent uses the collector's address alone; give it without them",
    ],
    [
      'https://old.example.com/console/#x',
      "must not hold a query or fragment (https://old.example.com/console/…): the agent uses the collector's address alone; give it without them",
    ],
    ['ftp://old.example.com', 'must be an http(s) URL'],
    ['ws://old.example.com', 'must be an http(s) URL'],
    ['old.example.com', '"old.example.com" is not a URL'],
    ['', '"" is not a URL'],
    ['https://old.example.com:65536', '"https://old.example.com:65536" is not a URL'],
    [
      'https://admin:secret@old.example.com',
      "must not hold a user name or password (https://***@old.example.com): the agent signs in with its device key and enrollment key; give the collector's URL without them",
    ],
    [
      'https://admin@old.example.com',
      "must not hold a user name or password (https://***@old.example.com): the agent signs in with its device key and enrollment key; give the collector's URL without them",
    ],
    [
      'https://:secret@old.example.com',
      "must not hold a user name or password (https://***@old.example.com): the agent signs in with its device key and enrollment key; give the collector's URL without them",
    ],
    // Not a URL (port out of range): named, its secrets hidden, however the scheme is written.
    ['https://admin:secret@old.example.com:65536/?t=abc', '"https://***@old.example.com:65536/…" is not a URL'],
    ['https:\\\\admin:secret@old.example.com:65536', '"https:\\\\***@old.example.com:65536" is not a URL'],
    // A scheme of "admin" to the parser: still refused without repeating it.
    ['admin:secret@old.example.com', 'must be an http(s) URL'],
    // Two URLs run together: the parser reads one host, the lists these travel in read two entries.
    [
      'http://a.example.com,b.example.com',
      '"http://a.example.com,b.example.com" is more than one address: give each earlier collector URL as an entry of its own',
    ],
    [
      'http://a%2Cb.example.com',
      '"http://a%2Cb.example.com" is more than one address: give each earlier collector URL as an entry of its own',
    ],
    [
      'http://a.example.com,http://b.example.com',
      '"http://a.example.com,http://b.example.com" is more than one address: give each earlier collector URL as an entry of its own',
    ],
  ];
  for (const [text, message] of refused)
    it(`${JSON.stringify(text)} is refused`, () =>
      assert.equal(
        refusal(() => earlierCollectorAddress(text)),
        message,
      ));

  it('refuses text that reads otherwise than it parses: controls, line breaks, format characters, even at the ends', () => {
    // Tabs and line breaks are dropped by the URL parser; U+200B and U+00AD by IDNA inside a host name.
    for (const hidden of ['\t', '\n', '\r', '\u0085', '\u009b', '\u200b', '\u00ad', '\u202e', '\u2028', '\ufeff']) {
      for (const text of [`https://old${hidden}.example.com`, `${hidden}https://old.example.com`, `https://old.example.com${hidden}`])
        assert.equal(
          refusal(() => earlierCollectorAddress(text)),
          'must be one URL, without control characters or line breaks',
          JSON.stringify(text),
        );
    }
  });
});

describe('a collector URL (the configured one) may have a path; the rest of the rule is the same', () => {
  it('keeps the path and port for the caller to judge', () => {
    const url = checkedCollectorUrl(' https://trust.example.com:8443/console/ ');
    assert.equal(url.origin, 'https://trust.example.com:8443');
    assert.equal(url.pathname, '/console/');
  });

  it('refuses what an earlier URL may not hold, with the same words', () => {
    for (const text of [
      'ftp://trust.example.com',
      'trust.example.com',
      'https://u:p@trust.example.com',
      'https://trust.example.com/?x=1',
      'https://trust\u200b.example.com',
    ])
      assert.equal(
        refusal(() => checkedCollectorUrl(text)),
        refusal(() => earlierCollectorAddress(text)),
        text,
      );
  });
});
