import auth from './lib/auth';
import db from './lib/db';
import { a, b, c } from './lib/dynamic';
import { User, ROLE_ADMIN, config } from './lib/index';
import type { Missing } from './lib/types';
import { type AlsoMissing, ROLE_ADMIN as ADMIN } from './lib/types';
import { fromPackage } from './lib/external';
import * as everything from './lib/types';

const { requireAuth, sign, verify } = require('./lib/auth');
export const used = [auth, db, a, b, c, ROLE_ADMIN, config, ADMIN, fromPackage, everything, requireAuth, sign, verify];
export type Both = User | Missing | AlsoMissing;
