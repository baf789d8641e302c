#!/usr/bin/env node
import { main } from '../dist/cli/collector.js';

await main();
