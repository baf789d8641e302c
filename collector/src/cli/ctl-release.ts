import type { CtlCall, CtlCommand, CtlInput, CtlIo } from './ctl-commands.js';
import { holdersInUse, inUseMessage } from './ctl-approve.js';
import { endpointIdOf, endpointPath, postAndPrint, checkCaution } from './ctl-endpoint-action.js';

/**
 * `devtrustctl endpoint release ID`: retires an endpoint's key for good and frees its
 * identifiers; the endpoints pending on them are judged again, and the first of them that
 * nobody else holds against is approved. Meant for a re-imaged laptop's old key. Two holders
 * look the same from the command line and are not: a device still in use whose disk image was
 * copied (the pending endpoints are the copies), and a device blocked as lost or stolen (the
 * pending endpoint may be the thief's reinstall). Releasing either trusts the wrong machine
 * and cannot be undone, so for those the command asks for --yes first, and an endpoint it
 * cannot read to check is not released either.
 */

async function run(call: CtlCall, input: CtlInput, io: CtlIo): Promise<number> {
  const id = endpointIdOf(input);
  if (input.flags.yes !== 'true') {
    // The collector's judgement (match/release-caution.ts), as the console's confirmation says it.
    const { stop } = await checkCaution(call, id, 'releaseCaution', io);
    if (stop !== null) return stop;
  }
  return postAndPrint(call, endpointPath(id, '/release'), io);
}

export const releaseCommand: CtlCommand = {
  name: 'endpoint release',
  usage: 'ID [--yes]',
  about:
    "retire the endpoint's key for good and free its identifiers for the device's new key (a re-imaged laptop's old endpoint); with endpoints waiting on it, asks for --yes when it is blocked or has reported since they enrolled (a lost device, or a disk image copied)",
  args: ['ID'],
  switches: ['yes'],
  request: (i) => ({ method: 'POST', path: endpointPath(endpointIdOf(i), '/release') }),
  run,
};

/**
 * `devtrustctl endpoint unblock ID`: lifts a block. A denied endpoint unblocked is approved and
 * binds what it reports, as an approval does: asked first when a blocked endpoint holds it
 * (deny, then unblock, must not trust a stolen laptop's thief unasked), and when an endpoint
 * still in use holds it (a denied copy of a disk image, unblocked, costs the real device its
 * trust through what both report). `endpoint approve` only warns of the second; "unblock" does
 * not read as "approve", so here it asks.
 */
export const unblockCommand: CtlCommand = {
  name: 'endpoint unblock',
  usage: 'ID [--yes]',
  about:
    'lift a block; a denied endpoint unblocked is approved (asks for --yes when another endpoint, blocked or still in use, holds what it reports)',
  args: ['ID'],
  switches: ['yes'],
  request: (i) => ({ method: 'DELETE', path: endpointPath(endpointIdOf(i), '/block') }),
  run: async (call, input, io) => {
    const id = endpointIdOf(input);
    if (input.flags.yes !== 'true') {
      const { stop, shown } = await checkCaution(call, id, 'approveCaution', io);
      if (stop !== null) return stop;
      const inUse = await holdersInUse(call, shown);
      if (inUse.size > 0) {
        const said = [...inUse].map(([holder, claims]) => inUseMessage(id, holder, claims)).join('. ');
        io.err.write(
          `devtrustctl: nothing done: ${id} was denied, and unblocking it approves it. ${said}. To unblock it anyway, run it again with --yes.\n`,
        );
        return 1;
      }
    }
    return postAndPrint(call, endpointPath(id, '/block'), io, 'DELETE');
  },
};
