// Child process for lock.test.ts: takes the writer lock of argv[2] with role argv[3], prints "locked <pid>", then
// holds it for argv[4] ms ("forever" = until killed) and exits normally (the lock is released on 'exit').
import {acquireWriterLock, type WriterRole} from '../../source/store/lock.js';

const [dir, role, hold] = process.argv.slice(2);
if (dir === undefined || (role !== 'server' && role !== 'cli')) throw new Error('usage: lock-holder.ts <dataDir> <server|cli> <ms|forever>');
await acquireWriterLock(dir, {role: role satisfies WriterRole});
process.stdout.write(`locked ${process.pid}\n`);
if (hold === 'forever') setInterval(() => undefined, 60_000);
else setTimeout(() => process.exit(0), Number(hold ?? 0));
