// The storage layer: one sql.js file (proxy.db) with accounts, users, groups and usage; the writer lock; server.json.
export {openDataStore, SqlDataStore, type DataStoreOptions, type DataStoreReport, type ImportReport} from './data-store.js';
export {StoreClosedError, StoreDataError, StoreOpenError, StoreReferenceError, StoreSaveError} from './errors.js';
export {
	acquireWriterLock,
	createServerToken,
	readServerInfo,
	removeServerInfo,
	writeServerInfo,
	LOCK_FILE,
	SERVER_FILE,
	ServerInfoError,
	WriterLockError,
	type AcquireOptions,
	type LockHolder,
	type ServerInfo,
	type WriterLock,
	type WriterRole,
} from './lock.js';
export {DB_FILE, type OpenReport, type SaveInfo, type StoreNotice} from './sqlite.js';
export * from './types.js';
