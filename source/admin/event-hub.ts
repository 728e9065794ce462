// The clients of GET /admin/events and what each may buffer. Every event is serialised once and written to every
// client. A client that reads slower than events arrive must not grow the server's memory: once its unsent bytes pass
// `maxBufferBytes`, request and notice events are left out for it (counted, and a `dropped` event tells it how many
// when it catches up), while account snapshots and state are coalesced (only the latest is kept, sent on drain).
// A client stuck above the limit for `stallMs` is disconnected (it reconnects and starts again from a snapshot).
import type {ServerResponse} from 'node:http';
import type {LiveEvent} from './protocol.js';

export type EventHubOptions = {
	/** Unsent bytes per client before events are dropped or coalesced (default 1 MiB). */
	maxBufferBytes?: number;
	/** A `: ping` comment this often, so both ends notice a dead connection (default 15 s). */
	heartbeatMs?: number;
	/** A client above the limit this long is disconnected (default 60 s). */
	stallMs?: number;
	/** Attached clients at most; more are refused with 503 (default 16). */
	maxClients?: number;
};

/** Event types that stand for the whole current value: only the newest matters. */
type CoalescedType = 'accounts' | 'state';

export type ClientStats = {buffered: number; maxBuffered: number; dropped: number; coalesced: number};

export function formatLiveEvent(event: LiveEvent): string {
	return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

class Client {
	/** request/notice events left out since the last `dropped` event */
	private droppedPending = 0;
	private readonly pending = new Map<CoalescedType, string>();
	/** When the buffer first went over the limit, while it stays there. */
	private overSince: number | undefined;
	readonly stats: ClientStats = {buffered: 0, maxBuffered: 0, dropped: 0, coalesced: 0};

	constructor(
		readonly res: ServerResponse,
		private readonly maxBufferBytes: number,
	) {
		res.on('drain', () => this.flush());
	}

	private full(): boolean {
		return this.res.writableLength >= this.maxBufferBytes;
	}

	private put(text: string): void {
		this.res.write(text);
		const buffered = this.res.writableLength;
		this.stats.buffered = buffered;
		if (buffered > this.stats.maxBuffered) this.stats.maxBuffered = buffered;
	}

	send(type: LiveEvent['type'], text: string, now: number): void {
		if (this.res.destroyed || this.res.writableEnded) return;
		if (!this.full()) {
			this.overSince = undefined;
			this.put(text);
			return;
		}
		this.overSince ??= now;
		if (type === 'accounts' || type === 'state') {
			if (this.pending.has(type)) this.stats.coalesced++;
			this.pending.set(type, text);
		} else {
			this.droppedPending++;
			this.stats.dropped++;
		}
	}

	/** Catching up: first say what was left out, then the newest coalesced values. */
	private flush(): void {
		if (this.res.destroyed || this.res.writableEnded) return;
		this.stats.buffered = this.res.writableLength;
		if (this.full()) return;
		this.overSince = undefined;
		if (this.droppedPending > 0) {
			this.put(formatLiveEvent({type: 'dropped', count: this.droppedPending}));
			this.droppedPending = 0;
		}
		for (const text of this.pending.values()) this.put(text);
		this.pending.clear();
	}

	/** Heartbeat; false when the client stalled too long and was cut off. */
	tick(now: number, stallMs: number): boolean {
		if (this.overSince !== undefined && now - this.overSince >= stallMs) {
			this.res.destroy();
			return false;
		}
		if (!this.full()) {
			this.flush();
			this.put(': ping\n\n');
		}
		return true;
	}
}

export class EventHub {
	private readonly clients = new Set<Client>();
	private readonly maxBufferBytes: number;
	private readonly heartbeatMs: number;
	private readonly stallMs: number;
	private readonly maxClients: number;
	private heartbeat: NodeJS.Timeout | undefined;
	private closed = false;

	constructor(options: EventHubOptions = {}) {
		this.maxBufferBytes = options.maxBufferBytes ?? 1024 * 1024;
		this.heartbeatMs = options.heartbeatMs ?? 15_000;
		this.stallMs = options.stallMs ?? 60_000;
		this.maxClients = options.maxClients ?? 16;
	}

	get size(): number {
		return this.clients.size;
	}

	/** Whether another client may attach. */
	hasRoom(): boolean {
		return !this.closed && this.clients.size < this.maxClients;
	}

	/** Starts the stream on `res` with `first` (the snapshot); the client stays until it or the hub goes away. */
	attach(res: ServerResponse, first: LiveEvent): void {
		res.writeHead(200, {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-store',
			connection: 'keep-alive',
			// Proxies (nginx) must not hold the stream back.
			'x-accel-buffering': 'no',
		});
		res.socket?.setNoDelay(true);
		const client = new Client(res, this.maxBufferBytes);
		this.clients.add(client);
		res.once('close', () => {
			this.clients.delete(client);
			if (this.clients.size === 0) this.stopHeartbeat();
		});
		client.send(first.type, formatLiveEvent(first), Date.now());
		this.heartbeat ??= setInterval(() => this.tick(), this.heartbeatMs).unref();
	}

	broadcast(event: LiveEvent): void {
		if (this.clients.size === 0) return;
		const text = formatLiveEvent(event);
		const now = Date.now();
		for (const client of this.clients) client.send(event.type, text, now);
	}

	/** Per client, for tests and diagnostics. */
	stats(): ClientStats[] {
		return [...this.clients].map(client => ({...client.stats}));
	}

	private tick(): void {
		const now = Date.now();
		for (const client of this.clients) {
			if (!client.tick(now, this.stallMs)) this.clients.delete(client);
		}
	}

	private stopHeartbeat(): void {
		if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
		this.heartbeat = undefined;
	}

	/** Ends every stream (the server stops): clients see the end and retry. */
	close(): void {
		this.closed = true;
		this.stopHeartbeat();
		for (const client of this.clients) client.res.end();
		this.clients.clear();
	}
}
