import { z } from 'zod';

export const baseEnvSchema = z.object({
  PORT: z.coerce.number().positive().default(3005),
  SESSION_KEY: z.string().min(32),
  LOG_LEVEL: z.enum(['debug', 'info']).optional(),
});

export function createEnvConfig<Ext extends z.ZodRawShape>(extension: Ext) {
  const parsed = baseEnvSchema.extend(extension).safeParse(process.env);
  if (!parsed.success) {
    throw new Error('Invalid environment variables');
  }
  return parsed.data;
}
