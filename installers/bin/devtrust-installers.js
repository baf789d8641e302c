#!/usr/bin/env node
import { endQuietlyWhenOutputCloses } from '@devtrust/shared/cli/closed-output';
import { main } from '../dist/cli.js';

// `devtrust-installers payloads … | head -1`: a reader that stops reading ends it quietly.
endQuietlyWhenOutputCloses();

process.exitCode = await main();
