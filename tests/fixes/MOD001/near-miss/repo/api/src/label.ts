import { stamp } from './format';

export const label = (d: Date) => stamp(d);
