// BullMQ and its Redis client, bundled on their own into dist/bullmq.js (build.mjs) and imported only by
// redis-backend.ts when SAMOCODE_QUEUE=redis://…: the default path never parses them, and nothing is installed at
// `npm install` time (they are bundled, so msgpackr's optional native add-on and its install script never come in).
export { Queue, Worker, Job, DelayedError, UnrecoverableError } from 'bullmq';
export { Redis } from 'ioredis';
