const request = require('supertest');
const { describe } = require('jest');

describe('api', () => request);
