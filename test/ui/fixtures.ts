// Shared data for the dashboard tests: a pool with every account state and quotas at every level.
import type {AccountRecord} from '../../source/accounts/types.js';
import {type Runtime, account} from './fake-source.js';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;

export function poolFixture(now = Date.now()): {accounts: AccountRecord[]; runtime: Record<string, Runtime>} {
	const iso = (ms: number): string => new Date(ms).toISOString();
	return {
		accounts: [
			account('alice@example.com', {tier: 'standard-tier'}),
			account('bob.with.a.very.long.address.for.truncation@example-corporation.com'),
			account('carol@example.com'),
			account('dave@example.com', {invalid: {reason: 'invalid_grant: token revoked', at: iso(now)}}),
			account('erin@example.com', {enabled: false}),
		],
		runtime: {
			'alice@example.com': {
				requestsServed: 1234,
				quotaFetchedAt: now - 2 * MINUTE,
				models: {
					'claude-sonnet-4-6': {consecutiveFailures: 0, quota: {remainingFraction: 0.83, resetTime: iso(now + 3 * HOUR)}},
					'gemini-2.5-pro': {consecutiveFailures: 0, quota: {remainingFraction: 0.35, resetTime: iso(now + 2 * HOUR + 13 * MINUTE)}},
					'gemini-3-flash': {consecutiveFailures: 1, quota: {remainingFraction: 0.1, resetTime: iso(now + 40 * MINUTE)}},
				},
			},
			'bob.with.a.very.long.address.for.truncation@example-corporation.com': {
				health: 'rate_limited',
				requestsServed: 56,
				models: {'claude-sonnet-4-6': {consecutiveFailures: 2, limit: {kind: 'rate_limited', until: now + 65_000, reason: '429'}, quota: {remainingFraction: 0.6}}},
			},
			'carol@example.com': {
				health: 'exhausted',
				requestsServed: 7,
				models: {'claude-opus-4-6': {consecutiveFailures: 0, limit: {kind: 'exhausted', until: now + 2 * HOUR + 13 * MINUTE, reason: 'quota'}, quota: {remainingFraction: 0}}},
			},
		},
	};
}
