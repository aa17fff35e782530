import {
  Stamp,
  formatdate, // lower-case since the rename
} from './format';

export const stamp = (d: Date): Stamp => ({ at: formatdate(d) });
