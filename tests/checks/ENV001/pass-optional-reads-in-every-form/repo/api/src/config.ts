import { cleanEnv, str, port } from 'envalid';
import { z } from 'zod';

export const settings = cleanEnv(process.env, {
  METRICS_PORT: port({ default: 9100 }),
  AUDIT_SINK: str({ devDefault: 'stdout' }),
});

const Schema = z.object({
  CACHE_URL: z.string().url().optional(),
  CACHE_TTL: z.coerce.number().default(60),
});
export const cache = Schema.parse(process.env);

const Soft = z.object({ TRACE_ENDPOINT: z.string() });
const traced = Soft.safeParse(process.env);
if (!traced.success) console.warn('tracing disabled');

export const base: string = import.meta.env.BASE_URL;
