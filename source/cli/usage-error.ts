// Bad usage of the command line: exit 2. Its own module so that the command line's entry loads nothing heavy.
export class UsageError extends Error {}
