import slugify from './util.mjs';

export const title = (t) => slugify(t);
