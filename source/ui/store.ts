// Everything live that the dashboard shows is held here, outside React: request events go into a ring buffer and
// are published at most every `flushMs` (default 100 ms, ~10 Hz) as one immutable snapshot that components read with
// useSyncExternalStore. A burst of thousands of requests costs one React render per flush, not one per request.
import {type EventBus, type NoticeRecord, type RequestRecord, isFailedRequest} from '../events.js';

export type Timers = {
	setTimeout: (callback: () => void, ms: number) => unknown;
	clearTimeout: (handle: unknown) => void;
	now: () => number;
};

export const realTimers: Timers = {
	setTimeout: (callback, ms) => {
		const handle = setTimeout(callback, ms);
		handle.unref?.();
		return handle;
	},
	clearTimeout: handle => clearTimeout(handle as ReturnType<typeof setTimeout>),
	now: () => Date.now(),
};

/** A value with listeners: the smallest external store useSyncExternalStore can read. */
export class Signal<T> {
	private readonly listeners = new Set<() => void>();

	constructor(private value: T) {}

	get = (): T => this.value;

	set(value: T): void {
		if (Object.is(value, this.value)) return;
		this.value = value;
		for (const listener of [...this.listeners]) listener();
	}

	subscribe = (listener: () => void): (() => void) => {
		this.listeners.add(listener);
		return () => {
			this.listeners.delete(listener);
		};
	};
}

export type RequestList = {
	/** Newest first, at most the buffer size. Replaced (never mutated) on every flush. */
	items: readonly RequestRecord[];
	/** Requests seen since the dashboard started (also the ones that fell out of the buffer). */
	total: number;
};

export type RequestStats = {total: number; errors: number; perMinute: number; errorsPerMinute: number};

export type RequestStoreOptions = {
	/** Requests kept (default 500). */
	capacity?: number;
	/** Longest a request waits before it is published after a quiet spell (default 100 ms). */
	flushMs?: number;
	/**
	 * Under sustained traffic (`busyRate` requests a second or more), the wait is this instead (default: `flushMs`).
	 * Nobody reads 100 rows a second; each publish is a whole frame for Ink to lay out and write. A client sending a
	 * request now and then still sees it at once.
	 */
	busyFlushMs?: number;
	/** Requests a second (over the last one to two seconds) from which traffic counts as sustained (default 10). */
	busyRate?: number;
	/**
	 * From this many requests in the last one to two seconds (default 50), the wait is `floodFlushMs` (default:
	 * `busyFlushMs`): every publish then replaces the whole visible log anyway, and each frame costs the same to draw.
	 */
	floodRate?: number;
	floodFlushMs?: number;
	timers?: Timers;
};


const WINDOW_SECONDS = 60;

export class RequestStore {
	readonly capacity: number;
	readonly flushMs: number;
	readonly busyFlushMs: number;
	readonly busyRate: number;
	readonly floodRate: number;
	readonly floodFlushMs: number;
	readonly list: Signal<RequestList>;
	readonly stats: Signal<RequestStats>;
	/** The latest notice from the bus. */
	readonly notice = new Signal<NoticeRecord | undefined>(undefined);
	/** How many snapshots were published (tests and the benchmark read it). */
	flushes = 0;

	private readonly timers: Timers;
	private readonly ring: Array<RequestRecord | undefined>;
	private head = 0;
	private size = 0;
	private total = 0;
	private errors = 0;
	private pending: unknown;
	private dirty = false;
	private pendingNotice: NoticeRecord | undefined;
	private lastFlush = Number.NEGATIVE_INFINITY;
	// Requests and errors per second of the last minute, by arrival time.
	private readonly second = new Float64Array(WINDOW_SECONDS).fill(-1);
	private readonly count = new Uint32Array(WINDOW_SECONDS);
	private readonly errorCount = new Uint32Array(WINDOW_SECONDS);

	constructor(options: RequestStoreOptions = {}) {
		this.capacity = Math.max(1, Math.floor(options.capacity ?? 500));
		this.flushMs = Math.max(0, options.flushMs ?? 100);
		this.busyFlushMs = Math.max(this.flushMs, options.busyFlushMs ?? this.flushMs);
		this.busyRate = Math.max(1, options.busyRate ?? 10);
		this.floodRate = Math.max(this.busyRate, options.floodRate ?? 50);
		this.floodFlushMs = Math.max(this.busyFlushMs, options.floodFlushMs ?? this.busyFlushMs);
		this.timers = options.timers ?? realTimers;
		this.ring = new Array<RequestRecord | undefined>(this.capacity);
		this.list = new Signal<RequestList>({items: [], total: 0});
		this.stats = new Signal<RequestStats>({total: 0, errors: 0, perMinute: 0, errorsPerMinute: 0});
	}

	/** O(1): the record is buffered, a flush is scheduled if none is. */
	push = (record: RequestRecord): void => {
		this.ring[this.head] = record;
		this.head = (this.head + 1) % this.capacity;
		if (this.size < this.capacity) this.size++;
		this.total++;
		const error = isFailedRequest(record);
		if (error) this.errors++;
		const now = Math.floor(this.timers.now() / 1000);
		const slot = now % WINDOW_SECONDS;
		if (this.second[slot] !== now) {
			this.second[slot] = now;
			this.count[slot] = 0;
			this.errorCount[slot] = 0;
		}
		this.count[slot] = (this.count[slot] ?? 0) + 1;
		if (error) this.errorCount[slot] = (this.errorCount[slot] ?? 0) + 1;
		this.dirty = true;
		this.schedule();
	};

	pushNotice = (notice: NoticeRecord): void => {
		this.pendingNotice = notice;
		this.schedule();
	};

	/** Listens to the bus; returns the detach function. */
	attach(bus: EventBus): () => void {
		bus.on('request', this.push);
		bus.on('notice', this.pushNotice);
		return () => {
			bus.off('request', this.push);
			bus.off('notice', this.pushNotice);
		};
	}

	private schedule(): void {
		if (this.pending !== undefined) return;
		const recent = this.recentCount();
		this.pending = this.timers.setTimeout(
			() => {
				this.pending = undefined;
				this.flush();
			},
			recent >= this.floodRate ? this.floodFlushMs : recent >= this.busyRate ? this.busyFlushMs : this.flushMs,
		);
	}

	/** Requests that arrived this second and the one before. */
	private recentCount(): number {
		const now = Math.floor(this.timers.now() / 1000);
		let recent = 0;
		for (const second of [now, now - 1]) {
			const slot = ((second % WINDOW_SECONDS) + WINDOW_SECONDS) % WINDOW_SECONDS;
			if (this.second[slot] === second) recent += this.count[slot] ?? 0;
		}
		return recent;
	}

	/** Publishes what arrived since the last flush (called by the timer; tests may call it). */
	flush(): void {
		if (this.pending !== undefined) {
			this.timers.clearTimeout(this.pending);
			this.pending = undefined;
		}
		if (this.pendingNotice !== undefined) {
			this.notice.set(this.pendingNotice);
			this.pendingNotice = undefined;
		}
		if (!this.dirty) return;
		this.dirty = false;
		const items: RequestRecord[] = new Array<RequestRecord>(this.size);
		for (let index = 0; index < this.size; index++) {
			items[index] = this.ring[(this.head - 1 - index + this.capacity * 2) % this.capacity] as RequestRecord;
		}
		this.flushes++;
		this.lastFlush = this.timers.now();
		this.list.set({items, total: this.total});
		this.refreshStats();
	}

	/**
	 * The clock's once-a-second call: the per-minute counts decay while no request comes. Under traffic every publish
	 * already refreshes them, and a second refresh between two publishes would only cost a frame.
	 */
	decayStats(): void {
		if (this.timers.now() - this.lastFlush < 1000 || this.pending !== undefined) return;
		this.refreshStats();
	}

	/** Recomputes the per-minute counts. */
	refreshStats(): void {
		const now = Math.floor(this.timers.now() / 1000);
		let perMinute = 0;
		let errorsPerMinute = 0;
		for (let slot = 0; slot < WINDOW_SECONDS; slot++) {
			const second = this.second[slot] ?? -1;
			if (second > now - WINDOW_SECONDS && second <= now) {
				perMinute += this.count[slot] ?? 0;
				errorsPerMinute += this.errorCount[slot] ?? 0;
			}
		}
		const current = this.stats.get();
		if (current.total === this.total && current.errors === this.errors && current.perMinute === perMinute && current.errorsPerMinute === errorsPerMinute) return;
		this.stats.set({total: this.total, errors: this.errors, perMinute, errorsPerMinute});
	}

	dispose(): void {
		if (this.pending !== undefined) this.timers.clearTimeout(this.pending);
		this.pending = undefined;
	}
}

/**
 * A value read from a getter, re-read at most every `minIntervalMs` however often `invalidate` is called (the pool
 * may report changes on every request): the accounts snapshot. With a `key`, a re-read equal to the last one is not
 * published, so the once-a-second re-read of an idle pool renders nothing.
 */
export class ThrottledSnapshot<T> {
	readonly signal: Signal<T>;
	private pending: unknown;
	private last = Number.NEGATIVE_INFINITY;

	private lastKey: string | undefined;

	/** `key`: values with the same key are the same (nothing is published); without it every read is published. */
	constructor(
		private readonly read: () => T,
		private readonly minIntervalMs = 250,
		private readonly timers: Timers = realTimers,
		private readonly key?: (value: T) => string,
	) {
		const first = read();
		this.signal = new Signal<T>(first);
		this.lastKey = key?.(first);
		this.last = timers.now();
	}

	invalidate = (): void => {
		if (this.pending !== undefined) return;
		const wait = Math.max(0, this.last + this.minIntervalMs - this.timers.now());
		this.pending = this.timers.setTimeout(() => {
			this.pending = undefined;
			this.refresh();
		}, wait);
	};

	/** Re-reads now. */
	refresh(): void {
		if (this.pending !== undefined) {
			this.timers.clearTimeout(this.pending);
			this.pending = undefined;
		}
		this.last = this.timers.now();
		const next = this.read();
		if (this.key !== undefined) {
			const key = this.key(next);
			if (key === this.lastKey) return;
			this.lastKey = key;
		}
		this.signal.set(next);
	}

	dispose(): void {
		if (this.pending !== undefined) this.timers.clearTimeout(this.pending);
		this.pending = undefined;
	}
}

/**
 * Ticks once a second (or every `ms`): live countdowns, uptime, per-minute rates. Components read it through useNow
 * with their own step, so a tick re-renders only what shows seconds.
 */
export class Clock {
	readonly signal: Signal<number>;
	private handle: ReturnType<typeof setInterval> | undefined;

	constructor(
		private readonly ms = 1000,
		private readonly now: () => number = Date.now,
	) {
		this.signal = new Signal(now());
	}

	start(): void {
		if (this.handle !== undefined) return;
		this.handle = setInterval(() => this.signal.set(this.now()), this.ms);
		this.handle.unref?.();
	}

	stop(): void {
		if (this.handle !== undefined) clearInterval(this.handle);
		this.handle = undefined;
	}
}
