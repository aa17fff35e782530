import { createEnvConfig } from '@mini/common';
import type { ZodRawShape } from 'zod';
import { z } from 'zod';

export const env = createEnvConfig({
  MONGODB_HOSTNAME: z.string().min(1),
  MONGODB_PORT: z.coerce.number().int().default(27017),
  CORS_ORIGIN: z.string().url().nullish(),
  FEATURE_FLAGS: z.string().catch(''),
} satisfies ZodRawShape);
