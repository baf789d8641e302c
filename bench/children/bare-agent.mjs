// The bare layer under an idle headless agent, for agent.idle_rss_mb's limit: plain Node
// (no tsx) holding one `ws` connection open to the given URL, doing nothing else.
import WebSocket from 'ws';

const ws = new WebSocket(process.argv[2]);
ws.on('open', () => process.send?.({ type: 'ready' }));
ws.on('error', (error) => process.send?.({ type: 'failed', error: error.message }));
process.on('disconnect', () => process.exit(0));
process.on('message', (message) => {
  if (message?.type === 'stop') process.exit(0);
});
