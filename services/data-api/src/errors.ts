import createError from '@fastify/error';

/** The data API's errors a client can meet (Fastify's own 4xx and the schema's 400s aside). */

/** 400: every batch of the group was served; the message says how to start again. */
export class GroupExhaustedError extends createError<[group: number, batches: number, again: number]>(
  'DATA_GROUP_EXHAUSTED',
  'group_number %d is exhausted: all %d batches were served; GET /restart_data_generation?group_number=%d starts it again from batch 1',
  400,
) {
  readonly field = 'group_number';
  constructor(group: number, batches: number) {
    super(group, batches, group);
  }
}
