// Forced token refreshes (POST /refresh-token) in rounds: callers that arrive while a round runs share it, and for
// `minIntervalMs` after a round ends further callers get that round's result instead of a new one. So however many
// calls arrive, each account's refresh token is used at most once per round and at most once per interval.

export type RefreshOutcome = {email: string; ok: boolean; error?: string};

export type RefreshRound = {
	accounts: RefreshOutcome[];
	/** When the round finished (ms since the epoch). */
	finishedAt: number;
	/** False when this caller got the result of an earlier round (the interval had not passed). */
	fresh: boolean;
	/** The earliest time a call starts a new round. */
	nextRoundAt: number;
};

export class RefreshRounds {
	private running: Promise<RefreshRound> | undefined;
	private last: Omit<RefreshRound, 'fresh'> | undefined;

	constructor(
		private readonly refreshAll: () => Promise<RefreshOutcome[]>,
		private readonly minIntervalMs: number,
		private readonly now: () => number = Date.now,
	) {}

	/** Joins the running round, reuses the last one within the interval, or starts a round. */
	request(): Promise<RefreshRound> {
		if (this.running) return this.running;
		if (this.last && this.now() < this.last.nextRoundAt) return Promise.resolve({...this.last, fresh: false});
		const round = (async (): Promise<RefreshRound> => {
			try {
				const accounts = await this.refreshAll();
				const finishedAt = this.now();
				this.last = {accounts, finishedAt, nextRoundAt: finishedAt + this.minIntervalMs};
				return {...this.last, fresh: true};
			} finally {
				this.running = undefined;
			}
		})();
		this.running = round;
		return round;
	}
}
