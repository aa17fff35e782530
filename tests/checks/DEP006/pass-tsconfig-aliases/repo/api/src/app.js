const clock = require('@lib/clock');
const user = require('models/user');
import view from '@/views/home';
import fsp from 'fs/promises';
module.exports = { clock, user, view, fsp };
