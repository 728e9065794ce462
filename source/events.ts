// The one event bus the server publishes to: the JSON-lines logger and the dashboard only ever read from here.
import {EventEmitter} from 'node:events';

export type RequestRecord = {
	id: string;
	time: string;
	method: string;
	path: string;
	status: number;
	latencyMs: number;
	/** Time to first token, for answers that produced any. */
	ttftMs?: number;
	stream?: boolean;
	modelAsked?: string;
	modelServed?: string;
	account?: string;
	user?: string;
	inputTokens?: number;
	outputTokens?: number;
	cachedTokens?: number;
	error?: string;
	attempts?: Array<{accountId: string; endpoint?: string; status: number; error?: string}>;
};

/**
 * A request that did not end in a whole answer: an error status, no status at all, or a failure after the headers
 * went out (an SSE error event, a client that hung up mid-stream). The one rule for usage and the dashboard.
 */
export function isFailedRequest(record: RequestRecord): boolean {
	return record.status >= 400 || record.status === 0 || (record.error !== undefined && record.error !== '');
}

export type NoticeRecord = {time: string; level: 'info' | 'warn' | 'error'; message: string; [key: string]: unknown};

type Events = {request: [RequestRecord]; notice: [NoticeRecord]};

export class EventBus extends EventEmitter<Events> {
	notice(level: NoticeRecord['level'], message: string, extra: Record<string, unknown> = {}): void {
		this.emit('notice', {time: new Date().toISOString(), level, message, ...extra});
	}
}
