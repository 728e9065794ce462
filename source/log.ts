// Headless output: one JSON line per request and per notable event. Never includes keys, tokens or bodies.
import type {EventBus, NoticeRecord, RequestRecord} from './events.js';

export function attachJsonLog(bus: EventBus, write: (line: string) => void = line => process.stdout.write(line)): () => void {
	const onRequest = (r: RequestRecord): void => {
		const level = r.status >= 500 ? 'error' : r.status >= 400 ? 'warn' : 'info';
		write(
			`${JSON.stringify({
				time: r.time,
				level,
				event: 'request',
				id: r.id,
				method: r.method,
				path: r.path,
				status: r.status,
				latency_ms: r.latencyMs,
				ttft_ms: r.ttftMs,
				stream: r.stream,
				user: r.user,
				model: r.modelAsked,
				served: r.modelServed,
				account: r.account,
				input_tokens: r.inputTokens,
				output_tokens: r.outputTokens,
				cached_tokens: r.cachedTokens,
				attempts: r.attempts && r.attempts.length > 1 ? r.attempts : undefined,
				error: r.error,
			})}\n`,
		);
	};
	const onNotice = (n: NoticeRecord): void => write(`${JSON.stringify({...n, event: 'notice'})}\n`);
	bus.on('request', onRequest);
	bus.on('notice', onNotice);
	return () => {
		bus.off('request', onRequest);
		bus.off('notice', onNotice);
	};
}
