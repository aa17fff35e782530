import { z } from 'zod';

export const env = z.object({ DB_HOST: z.string().default('localhost') }).parse(process.env);
