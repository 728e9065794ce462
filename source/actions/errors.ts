// The errors every action throws, one class per kind, so each front end maps them once: HTTP (admin API) to a status,
// the CLI to an exit code. Messages are written for the person who typed the command: they say what to do.

export type ActionErrorKind = 'invalid' | 'not_found' | 'conflict' | 'unavailable';

export class ActionError extends Error {
	constructor(
		readonly kind: ActionErrorKind,
		message: string,
	) {
		super(message);
		this.name = 'ActionError';
	}
}

/** Bad arguments: a malformed name, an unknown model, a wrong type. HTTP 400, CLI exit 2. */
export class InvalidError extends ActionError {
	constructor(message: string) {
		super('invalid', message);
		this.name = 'InvalidError';
	}
}

/** The user, group, member or account does not exist. HTTP 404, CLI exit 1. */
export class NotFoundError extends ActionError {
	constructor(message: string) {
		super('not_found', message);
		this.name = 'NotFoundError';
	}
}

/** It exists already (or the change clashes with what exists). HTTP 409, CLI exit 1. */
export class ConflictError extends ActionError {
	constructor(message: string) {
		super('conflict', message);
		this.name = 'ConflictError';
	}
}

/** This process cannot do it (e.g. `groups.test` without a running server). HTTP 503, CLI exit 1. */
export class UnavailableError extends ActionError {
	constructor(message: string) {
		super('unavailable', message);
		this.name = 'UnavailableError';
	}
}

export const STATUS_BY_KIND: Record<ActionErrorKind, number> = {invalid: 400, not_found: 404, conflict: 409, unavailable: 503};

export function actionErrorOf(kind: ActionErrorKind, message: string): ActionError {
	switch (kind) {
		case 'invalid':
			return new InvalidError(message);
		case 'not_found':
			return new NotFoundError(message);
		case 'conflict':
			return new ConflictError(message);
		case 'unavailable':
			return new UnavailableError(message);
	}
}

export function isActionErrorKind(value: unknown): value is ActionErrorKind {
	return value === 'invalid' || value === 'not_found' || value === 'conflict' || value === 'unavailable';
}
