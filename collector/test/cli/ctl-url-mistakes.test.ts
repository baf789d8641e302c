import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { collectorBase } from '@devtrust/collector/cli/ctl-url';

/** The newcomer's slips with --url: the console's address pasted, and a host without its scheme. */
describe("devtrustctl's --url: the usual slips say what to give instead", () => {
  const refusal = (raw: string): string => {
    try {
      collectorBase(raw, '--url');
    } catch (error) {
      return (error as Error).message;
    }
    assert.fail(`${raw} was taken`);
  };

  it("the console's address is refused, naming the collector's URL (every request was a 404 from the console)", () => {
    assert.equal(
      refusal('http://127.0.0.1:18741/console'),
      "--url is the console's address (http://127.0.0.1:18741/console): give the collector's URL, http://127.0.0.1:18741",
    );
    assert.match(refusal('https://trust.example.com/devtrust/console/#/endpoints'), /query or fragment/);
    assert.match(
      refusal('https://trust.example.com/devtrust/Console/'),
      /give the collector's URL, https:\/\/trust\.example\.com\/devtrust$/,
    );
  });

  it('a host without its scheme gets the two URLs it may have meant', () => {
    assert.equal(
      refusal('127.0.0.1:18741'),
      '--url "127.0.0.1:18741" is not a URL: did you mean http://127.0.0.1:18741 (or https://127.0.0.1:18741)?',
    );
    assert.equal(
      refusal('trust.example.com'),
      '--url "trust.example.com" is not a URL: did you mean http://trust.example.com (or https://trust.example.com)?',
    );
    // Anything else is only refused: no guess built from text that may hold a secret.
    assert.equal(refusal('not a url'), '--url "not a url" is not a URL');
  });

  it('a collector behind a path prefix, and the plain URL, are taken as given', () => {
    assert.equal(collectorBase('https://trust.example.com/devtrust/', '--url'), 'https://trust.example.com/devtrust');
    assert.equal(collectorBase('https://trust.example.com/consoles', '--url'), 'https://trust.example.com/consoles');
    assert.equal(collectorBase('http://127.0.0.1:8700', '--url'), 'http://127.0.0.1:8700');
  });
});
