// Errors of the storage layer (StoreConflictError lives in types.ts, part of the contract).

/** The data file cannot be opened safely. Nothing was changed on disk; the message says which file and what to do. */
export class StoreOpenError extends Error {
	constructor(
		message: string,
		readonly path: string,
	) {
		super(message);
		this.name = 'StoreOpenError';
	}
}

/** A row read from the database does not have the expected shape (a damaged or hand-edited file). */
export class StoreDataError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'StoreDataError';
	}
}

/** A change refers to something that does not exist (e.g. a group owned by an unknown user). */
export class StoreReferenceError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'StoreReferenceError';
	}
}

/** Saving the data file failed (disk full, permissions); the changes stay in memory and are retried. */
export class StoreSaveError extends Error {
	constructor(
		message: string,
		readonly path: string,
	) {
		super(message);
		this.name = 'StoreSaveError';
	}
}

/** The store was used after close(). */
export class StoreClosedError extends Error {
	constructor() {
		super('the data store is closed');
		this.name = 'StoreClosedError';
	}
}
