import type {ServerResponse} from 'node:http';
import type {ErrorBody, StreamEvent} from '../anthropic/types.js';

export function formatEvent(event: StreamEvent | ErrorBody): string {
	return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Writes one SSE event, waiting for the socket to drain when the client reads slower than upstream writes. */
export async function writeEvent(res: ServerResponse, event: StreamEvent | ErrorBody): Promise<void> {
	if (res.destroyed || res.writableEnded) return;
	if (res.write(formatEvent(event))) return;
	// A client that already hung up never emits drain or close again: do not wait for it.
	if (res.destroyed || res.socket === null || res.socket.destroyed) return;
	await new Promise<void>(resolve => {
		const done = (): void => {
			res.off('drain', done);
			res.off('close', done);
			resolve();
		};
		res.once('drain', done);
		res.once('close', done);
	});
}
