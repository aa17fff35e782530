import { z } from 'zod';

const Schema = z.object({ DB_HOST: z.string(), QUEUE_URL: z.string().url() });
export const env = Schema.parse(process.env);
