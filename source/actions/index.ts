// The actions layer: the one implementation of every users/groups/accounts operation (CLI, admin API, dashboard).
export * as accounts from './accounts.js';
export * from './context.js';
export * from './errors.js';
export * as groups from './groups.js';
export * from './registry.js';
export * as users from './users.js';
export {recordUsage, type TokenUsage, type UsageTotals} from './usage.js';
